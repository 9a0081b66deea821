// One load phase, started: in this thread, or split across worker threads
// or processes (workers.ts). Live counts while it runs, the outcome when
// it is over.
import { liveOf, loadLeadMs, type LoadHandle, type LoadHooks, type LoadSpec, shareRun } from "./spec.ts";
import { inWorkers } from "./workers.ts";

export { loadLeadMs } from "./spec.ts";
export type { LiveCounts, LoadHandle, LoadHooks, LoadMode, LoadOutcome, LoadSpec } from "./spec.ts";

export function startLoad(spec: LoadSpec, hooks: LoadHooks): LoadHandle {
  return spec.workers <= 1 ? inThread(spec, hooks) : inWorkers(spec, hooks);
}

function inThread(spec: LoadSpec, hooks: LoadHooks): LoadHandle {
  const startAtMs = performance.now() + loadLeadMs(1);
  const { gw, direct, lanes, dispatcher: d } = shareRun({ ...spec, workers: 1 }, 0, startAtMs, hooks);
  const done = d.run().then(() => {
    for (const l of lanes) {
      l.recorder.close();
      l.warmup.close();
    }
    return {
      ...gw,
      direct,
      startedMs: d.progress.startedMs,
      sendingDoneMs: d.progress.sendingDoneMs,
      nextDueMs: d.progress.nextDueMs,
      directNextDueMs: d.progress.directNextDueMs,
      inFlightPeak: d.progress.inFlightPeak,
    };
  });
  return {
    pids: () => [],
    live: () => liveOf(lanes, d.progress.sent, d.progress.inFlight),
    done,
  };
}
