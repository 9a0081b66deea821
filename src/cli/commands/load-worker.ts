// Hidden `__load`: a load worker process of `gatebench run --workers N`.
// Messages come and go over the IPC channel the parent opened; stdin is the
// lifeline (the parent gone, the worker aborts and exits).
import { defineCommand } from "citty";
import type { FromWorker, ToWorker } from "../../load/spec.ts";
import { runShare } from "../../load/share.ts";

export const loadWorkerCommand = defineCommand({
  meta: { name: "__load", description: "internal: a load worker process", hidden: true },
  args: {},
  async run() {
    const stop = new AbortController();
    const abort = new AbortController();
    const send = (m: FromWorker): void => void process.send?.(m);
    process.on("SIGINT", () => {
      // the parent decides when to stop, and says so over IPC
    });
    const finished = new Promise<void>((resolve) => {
      process.on("message", (m: ToWorker) => {
        if (m.type === "stop") stop.abort();
        else if (m.type === "abort") {
          stop.abort();
          abort.abort();
        } else if (m.type === "start") {
          runShare(m, send, stop.signal, abort.signal)
            .catch((err: unknown) => send({ type: "error", message: String((err as Error)?.stack ?? err) }))
            .finally(resolve);
        }
      });
    });
    const parentGone = (async () => {
      for await (const _ of Bun.stdin.stream()) {
        // nothing is expected on stdin
      }
      stop.abort();
      abort.abort();
    })();
    await Promise.race([finished, parentGone]);
    // let the last message leave before exiting
    await Bun.sleep(10);
    process.exit(0);
  },
});
