// A load worker thread (--workers N with threads): its own event loop, its
// own socket client, its share of the load. The same messages as a worker
// process, carried by postMessage.
import type { ToWorker } from "./spec.ts";
import { runShare } from "./share.ts";

declare const self: Worker;

const stop = new AbortController();
const abort = new AbortController();
self.onmessage = (e: MessageEvent<ToWorker>) => {
  const m = e.data;
  if (m.type === "stop") stop.abort();
  else if (m.type === "abort") {
    stop.abort();
    abort.abort();
  } else if (m.type === "start") {
    void runShare(m, (out) => self.postMessage(out), stop.signal, abort.signal).catch((err: unknown) =>
      self.postMessage({ type: "error", message: String((err as Error)?.stack ?? err) }),
    );
  }
};
