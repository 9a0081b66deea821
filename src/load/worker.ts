// A load worker: runs its share of a load spec in its own thread and posts
// live counts every 250 ms and its recorders when it is done.
import { Recorder } from "../metrics/recorder.ts";
import { Timeline } from "../metrics/timeline.ts";
import { dispatcherFor, shareOf, type FromWorker, type ToWorker } from "./run.ts";

declare const self: Worker;

const stop = new AbortController();
const abort = new AbortController();
const send = (m: FromWorker): void => self.postMessage(m);

self.onmessage = (ev: MessageEvent<ToWorker>) => {
  const m = ev.data;
  if (m.type === "stop") stop.abort();
  else if (m.type === "abort") {
    stop.abort();
    abort.abort();
  } else if (m.type === "start") {
    run(m).catch((err: unknown) => send({ type: "error", message: String((err as Error)?.stack ?? err) }));
  }
};

async function run(m: Extract<ToWorker, { type: "start" }>): Promise<void> {
  // the shared start on this thread's clock
  const startAtMs = m.startAtEpochMs - performance.timeOrigin;
  const timeline = new Timeline(startAtMs);
  const recorder = new Recorder(timeline);
  const warmup = new Recorder(timeline);
  const d = dispatcherFor(shareOf(m.spec, m.k), {
    request: m.spec.request,
    recorder,
    warmupRecorder: warmup,
    warmupMs: m.spec.warmupMs,
    startAtMs,
    stopSending: stop.signal,
    abortInFlight: abort.signal,
    onMeasureStart: () => send({ type: "measure-start" }),
    onSendingDone: () => send({ type: "sending-done", atMs: performance.now() - startAtMs }),
  });
  const live = setInterval(() => {
    const p = d.progress;
    send({ type: "live", counts: { sent: p.sent, inFlight: p.inFlight, ok: recorder.ok + warmup.ok, failed: recorder.total - recorder.ok + warmup.total - warmup.ok } });
  }, 250);
  try {
    await d.run();
  } finally {
    clearInterval(live);
  }
  recorder.close();
  warmup.close();
  send({
    type: "done",
    recorder: recorder.toData(startAtMs),
    warmup: warmup.toData(startAtMs),
    timeline: timeline.toData(),
    sendingDoneMs: d.progress.sendingDoneMs - startAtMs,
    nextDueMs: d.progress.nextDueMs,
    inFlightPeak: d.progress.inFlightPeak,
  });
}
