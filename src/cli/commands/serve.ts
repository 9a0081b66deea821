// How gatebench's own servers live: in the foreground until Ctrl-C, or as
// a child that announces its port and exits when its parent goes away.
import { ProcessFailure, READY_PREFIX } from "../../process/children.ts";

/**
 * Resolves after SIGINT or SIGTERM, once `stop(false)` has let the requests
 * in flight finish; a second signal calls `stop(true)` to cut them.
 */
export function waitForTermination(stop: (force: boolean) => unknown, onFirst: () => void): Promise<void> {
  return new Promise((resolve) => {
    let signals = 0;
    const onSignal = async (): Promise<void> => {
      signals++;
      if (signals === 1) {
        onFirst();
        await stop(false);
        resolve();
      } else {
        await stop(true);
        resolve();
      }
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  });
}

/** Starts a server, turning a failure to listen into one line for the user. */
export function listenOrFail<T>(what: string, host: string, port: number, start: () => T): T {
  try {
    return start();
  } catch (err) {
    const message = (err as Error)?.message ?? String(err);
    throw new ProcessFailure(
      `${what}: cannot listen on ${host}:${port} (${message}); check that ${host} is an address of this machine and that the port is free`,
    );
  }
}

/**
 * Announces readiness on stdout and runs until the parent stops it:
 * SIGTERM, or its stdin closing (the parent died). Ctrl-C reaches the whole
 * process group; children ignore it and let the parent decide when to stop.
 */
export async function serveAsChild(port: number, stop: () => unknown, announce: Record<string, unknown> = {}): Promise<void> {
  process.on("SIGINT", () => {
    // The parent drains and stops us; see above.
  });
  process.stdout.write(`${READY_PREFIX}${JSON.stringify({ port, pid: process.pid, ...announce })}\n`);
  const stdinClosed = (async () => {
    for await (const _ of Bun.stdin.stream()) {
      // Nothing is expected on stdin; it only signals that the parent lives.
    }
  })();
  const terminated = new Promise<void>((r) => process.once("SIGTERM", () => r()));
  await Promise.race([stdinClosed, terminated]);
  await stop();
  process.exit(0);
}
