// One load phase, in this process or split across worker processes. The
// spec is plain data (it crosses to workers as it is); each worker takes an
// interleaved share of the arrivals (open loop) or of the connections
// (closed loop), so every share keeps the load's shape, and their recorders
// and timelines merge exactly (HDR histograms add bucket by bucket).
//
// Workers are processes, not threads: Bun's fetch has one HTTP client
// thread and one pool of 64 idle connections per process, shared by all of
// its Workers, so threads add no throughput (measured, 64 connections to
// the mock: 1 thread 25.9k req/s, 2 threads 25.2k); processes each bring
// their own.
import { Recorder, type RecorderData } from "../metrics/recorder.ts";
import { Timeline, type TimelineData } from "../metrics/timeline.ts";
import type { PreparedRequest } from "./client.ts";
import type { Subprocess } from "bun";
import { ClosedLoopRun, LoadRun, type CommonOptions } from "./engine.ts";
import { Schedule, Shape, type ArrivalKind, type Segment } from "./pacer.ts";

export type LoadMode =
  | { kind: "open"; segments: Segment[]; arrival: ArrivalKind; seed: number; maxInFlight: number }
  | { kind: "closed"; concurrency: number; requests: number; durationMs: number };

export interface LoadSpec {
  request: PreparedRequest;
  mode: LoadMode;
  /** Leading part of the load (included in `segments` / `durationMs`) recorded apart and left out of the figures. */
  warmupMs: number;
  workers: number;
}

export interface LiveCounts {
  sent: number;
  inFlight: number;
  ok: number;
  failed: number;
}

export interface LoadOutcome {
  recorder: Recorder;
  /** The warm-up's requests (not part of the figures). */
  warmup: Recorder;
  timeline: Timeline;
  /** Start of the run (warm-up included) on this thread's performance.now() clock. */
  startedMs: number;
  /** When sending stopped, on the same clock. */
  sendingDoneMs: number;
  /** Open loop: offset from the start of the first arrival not handled (the schedule's end when all were); -1 for a closed loop. */
  nextDueMs: number;
  /** Most requests open at once (with workers: the sum of each worker's peak, an upper bound). */
  inFlightPeak: number;
}

export interface LoadHooks {
  stopSending: AbortSignal;
  abortInFlight: AbortSignal;
  /** The command that starts a load worker process (gatebench's own `__load`); needed for more than one worker. */
  workerArgv?: string[];
  onMeasureStart?: () => void;
  onSendingDone?: () => void;
}

/** A worker's share of the spec. Arrivals are interleaved; connections, requests and the in-flight cap are divided. */
export function shareOf(spec: LoadSpec, k: number): { mode: LoadMode; stride: number; offset: number } {
  const n = spec.workers;
  const part = (total: number): number => (Number.isFinite(total) ? Math.floor(total / n) + (k < total % n ? 1 : 0) : total);
  if (spec.mode.kind === "open") return { mode: { ...spec.mode, maxInFlight: Math.max(1, part(spec.mode.maxInFlight)) }, stride: n, offset: k };
  return { mode: { ...spec.mode, concurrency: part(spec.mode.concurrency), requests: part(spec.mode.requests) }, stride: n, offset: k };
}

/** The dispatcher for one share of a load (what a worker runs, or the whole load in this thread). */
export function dispatcherFor(
  share: { mode: LoadMode; stride: number; offset: number },
  common: CommonOptions,
): LoadRun | ClosedLoopRun {
  const m = share.mode;
  if (m.kind === "open") {
    const schedule = new Schedule(new Shape(m.segments), m.arrival, m.seed, share.stride, share.offset);
    return new LoadRun({ ...common, schedule, maxInFlight: m.maxInFlight });
  }
  return new ClosedLoopRun({ ...common, concurrency: m.concurrency, requests: m.requests, durationMs: m.durationMs });
}

/** A running load: live counts while it runs, the outcome when it is over. */
export interface LoadHandle {
  live(): LiveCounts;
  done: Promise<LoadOutcome>;
  /** The worker processes' pids (none when the load runs in this process). */
  pids(): number[];
}

export function startLoad(spec: LoadSpec, hooks: LoadHooks): LoadHandle {
  return spec.workers <= 1 ? inThread(spec, hooks) : inWorkers(spec, hooks);
}

function inThread(spec: LoadSpec, hooks: LoadHooks): LoadHandle {
  // a moment for the ticker thread to start, so the first send is not late
  const startAtMs = performance.now() + 30;
  const timeline = new Timeline(startAtMs);
  const recorder = new Recorder(timeline);
  const warmup = new Recorder(timeline);
  const d = dispatcherFor({ mode: spec.mode, stride: 1, offset: 0 }, {
    request: spec.request,
    recorder,
    warmupRecorder: warmup,
    warmupMs: spec.warmupMs,
    startAtMs,
    ...hooks,
  });
  const done = d.run().then(() => {
    recorder.close();
    warmup.close();
    return { recorder, warmup, timeline, startedMs: d.progress.startedMs, sendingDoneMs: d.progress.sendingDoneMs, nextDueMs: d.progress.nextDueMs, inFlightPeak: d.progress.inFlightPeak };
  });
  return {
    pids: () => [],
    live: () => ({ sent: d.progress.sent, inFlight: d.progress.inFlight, ok: recorder.ok + warmup.ok, failed: recorder.total - recorder.ok + warmup.total - warmup.ok }),
    done,
  };
}

/** Messages from main to a worker. */
export type ToWorker =
  | { type: "start"; spec: LoadSpec; k: number; startAtEpochMs: number }
  | { type: "stop" }
  | { type: "abort" };

/** Messages from a worker to main. Times are ms relative to the shared start. */
export type FromWorker =
  | { type: "live"; counts: LiveCounts }
  | { type: "measure-start" }
  | { type: "sending-done"; atMs: number }
  | {
      type: "done";
      recorder: RecorderData;
      warmup: RecorderData;
      timeline: TimelineData;
      sendingDoneMs: number;
      nextDueMs: number;
      inFlightPeak: number;
    }
  | { type: "error"; message: string };

/**
 * Workers start together at an agreed epoch time (each converts it to its
 * own performance.now() clock); their times come back relative to it, and
 * are placed on this process's clock at the same start. A worker is a
 * child process with an IPC channel; its stdin is its lifeline.
 */
function inWorkers(spec: LoadSpec, hooks: LoadHooks): LoadHandle {
  const n = spec.workers;
  const argv = hooks.workerArgv;
  if (!argv) throw new Error("more than one load worker needs the command that starts one (workerArgv)");
  const lead = 300 + 50 * n; // time for the worker processes to start before the load does
  const startAtMs = performance.now() + lead;
  const startAtEpochMs = performance.timeOrigin + startAtMs;
  const timeline = new Timeline(startAtMs);
  const recorder = new Recorder(timeline);
  const warmup = new Recorder(timeline);
  const counts: LiveCounts[] = [];
  const workers: Subprocess[] = [];
  let measureStarts = 0;
  let sendingDone = 0;
  let sendingDoneMs = -1;
  let peak = 0;
  let nextDueMs = Number.POSITIVE_INFINITY;
  const post = (m: ToWorker): void => {
    for (const w of workers) if (w.exitCode === null) w.send(m);
  };
  const onStop = (): void => post({ type: "stop" });
  const onAbort = (): void => post({ type: "abort" });
  hooks.stopSending.addEventListener("abort", onStop, { once: true });
  hooks.abortInFlight.addEventListener("abort", onAbort, { once: true });

  const done = new Promise<LoadOutcome>((resolve, reject) => {
    let finished = 0;
    const reported: boolean[] = [];
    for (let k = 0; k < n; k++) {
      counts.push({ sent: 0, inFlight: 0, ok: 0, failed: 0 });
      const onMessage = (m: FromWorker): void => {
        if (m.type === "live") counts[k] = m.counts;
        else if (m.type === "measure-start") {
          if (++measureStarts === 1) hooks.onMeasureStart?.();
        } else if (m.type === "sending-done") {
          sendingDoneMs = Math.max(sendingDoneMs, startAtMs + m.atMs);
          if (++sendingDone === n) hooks.onSendingDone?.();
        } else if (m.type === "error") {
          reject(new Error(`load worker ${k}: ${m.message}`));
        } else if (m.type === "done") {
          recorder.addData(m.recorder, startAtMs);
          warmup.addData(m.warmup, startAtMs);
          timeline.addData(m.timeline);
          sendingDoneMs = Math.max(sendingDoneMs, startAtMs + m.sendingDoneMs);
          peak += m.inFlightPeak;
          // the earliest arrival any worker left unsent is the first one the run did not handle
          nextDueMs = Math.min(nextDueMs, m.nextDueMs);
          counts[k] = { ...counts[k]!, inFlight: 0 };
          reported[k] = true;
          if (++finished === n) {
            recorder.close();
            warmup.close();
            resolve({ recorder, warmup, timeline, startedMs: startAtMs, sendingDoneMs, nextDueMs, inFlightPeak: peak });
          }
        }
      };
      const w = Bun.spawn([...argv], {
        stdin: "pipe",
        stdout: "inherit",
        stderr: "inherit",
        ipc: (m: FromWorker) => onMessage(m),
      });
      void w.exited.then((code) => {
        if (!reported[k]) reject(new Error(`load worker ${k} (pid ${w.pid}) exited with ${w.signalCode ?? `code ${code}`} before it finished`));
      });
      workers.push(w);
      w.send({ type: "start", spec, k, startAtEpochMs } satisfies ToWorker);
    }
    // a stop that came before the workers existed
    if (hooks.abortInFlight.aborted) onAbort();
    else if (hooks.stopSending.aborted) onStop();
  }).finally(() => {
    hooks.stopSending.removeEventListener("abort", onStop);
    hooks.abortInFlight.removeEventListener("abort", onAbort);
    for (const w of workers) {
      // a worker that is done exits on its own; the others are ended here (the lifeline closes too)
      if (w.exitCode === null) w.kill("SIGKILL");
    }
  });
  return {
    pids: () => workers.filter((w) => w.exitCode === null).map((w) => w.pid),
    live: () => counts.reduce((a, c) => ({ sent: a.sent + c.sent, inFlight: a.inFlight + c.inFlight, ok: a.ok + c.ok, failed: a.failed + c.failed }), { sent: 0, inFlight: 0, ok: 0, failed: 0 }),
    done,
  };
}
