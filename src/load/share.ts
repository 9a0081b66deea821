// One worker's share of a load, whatever carries its messages: it runs the
// dispatcher for its interleaved share, reports live counts every 250 ms,
// and sends its recorders (times relative to the shared start) when done.
import { Recorder } from "../metrics/recorder.ts";
import { Timeline } from "../metrics/timeline.ts";
import { dispatcherFor, shareOf, type FromWorker, type ToWorker } from "./run.ts";

export type StartMessage = Extract<ToWorker, { type: "start" }>;

export async function runShare(m: StartMessage, send: (m: FromWorker) => void, stop: AbortSignal, abort: AbortSignal): Promise<void> {
  // the shared start (an epoch time) on this process's clock
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
    stopSending: stop,
    abortInFlight: abort,
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
