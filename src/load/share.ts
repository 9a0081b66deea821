// One worker's share of a load, whatever carries its messages: it runs the
// dispatcher for its interleaved share, reports live counts every 250 ms,
// and sends its recorders (times relative to the shared start) when done.
import { liveOf, shareRun, type FromWorker, type LaneRecords, type ToWorker } from "./spec.ts";

export type StartMessage = Extract<ToWorker, { type: "start" }>;

export async function runShare(m: StartMessage, send: (m: FromWorker) => void, stop: AbortSignal, abort: AbortSignal): Promise<void> {
  // the shared start (an epoch time) on this process's clock
  const startAtMs = m.startAtEpochMs - performance.timeOrigin;
  const {
    gw,
    direct,
    lanes,
    dispatcher: d,
  } = shareRun(m.spec, m.k, startAtMs, {
    stopSending: stop,
    abortInFlight: abort,
    onPhase: (phase) => send({ type: "phase", phase }),
    onSendingDone: () => send({ type: "sending-done", atMs: performance.now() - startAtMs }),
  });
  const live = setInterval(() => send({ type: "live", counts: liveOf(lanes, d.progress.sent, d.progress.inFlight) }), 250);
  try {
    await d.run();
  } finally {
    clearInterval(live);
  }
  const data = (l: LaneRecords) => {
    l.recorder.close();
    l.warmup.close();
    return { recorder: l.recorder.toData(startAtMs), warmup: l.warmup.toData(startAtMs), timeline: l.timeline.toData() };
  };
  send({
    type: "done",
    ...data(gw),
    direct: direct && data(direct),
    sendingDoneMs: d.progress.sendingDoneMs - startAtMs,
    nextDueMs: d.progress.nextDueMs,
    directNextDueMs: d.progress.directNextDueMs,
    inFlightPeak: d.progress.inFlightPeak,
  });
}
