// Ctrl-C, SIGTERM and SIGHUP during a run, and the launcher's pipe when
// gatebench relaunched itself.
import { log } from "../log.ts";
import { launcherGone, RELAUNCHED_VAR } from "../relaunch.ts";

/**
 * Ctrl-C once: stop sending, let in-flight requests finish, report.
 * Ctrl-C again, or SIGTERM (timeout, kill, a CI runner): abort the requests
 * in flight now, then report what was measured. A relaunched run aborts too
 * when its launcher is gone.
 */
export function interrupts(): { stop: AbortController; abort: AbortController; dispose(): void } {
  const stop = new AbortController();
  const abort = new AbortController();
  if (process.env[RELAUNCHED_VAR]) {
    void launcherGone().then(() => {
      stop.abort();
      abort.abort();
    });
  }
  const onSigint = (): void => {
    if (!stop.signal.aborted) {
      log.warn("interrupted: no new requests; waiting for those in flight (Ctrl-C again to abort them)");
      stop.abort();
    } else if (!abort.signal.aborted) {
      log.warn("aborting in-flight requests and stopping");
      abort.abort();
    }
  };
  const onSigterm = (): void => {
    log.warn("terminated: aborting in-flight requests and stopping");
    stop.abort();
    abort.abort();
  };
  process.on("SIGINT", onSigint);
  process.on("SIGTERM", onSigterm);
  process.on("SIGHUP", onSigterm);
  return {
    stop,
    abort,
    dispose() {
      process.off("SIGINT", onSigint);
      process.off("SIGTERM", onSigterm);
      process.off("SIGHUP", onSigterm);
    },
  };
}
