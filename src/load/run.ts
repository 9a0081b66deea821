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
import { ClosedLoopRun, LoadRun, threadUrl, type CommonOptions, type LoadPhase } from "./engine.ts";
import { Interleaved, LANE, Schedule, Shape, type ArrivalKind, type Segment } from "./pacer.ts";

export type LoadMode =
  | { kind: "open"; segments: Segment[]; arrival: ArrivalKind; seed: number; maxInFlight: number; connections?: number }
  | { kind: "closed"; concurrency: number; requests: number; durationMs: number };

/**
 * The baseline: the same load sent straight to the mock. Interleaved: the
 * shape is played in slices, each slice once through the gateway and once
 * direct; sequential: the whole load direct first, then through the gateway.
 */
export interface DirectSpec {
  request: PreparedRequest;
  order: "interleaved" | "sequential";
  sliceMs: number;
}

export interface LoadSpec {
  request: PreparedRequest;
  direct?: DirectSpec;
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
  /** p99 latency of the measured requests through the gateway so far, ms (with workers: the highest of theirs); -1 before any. */
  p99Ms: number;
  /** The measured requests through the gateway so far (no warm-up, no baseline): what gates are decided on. */
  measured: { total: number; ok: number; dropped: number; errors: number[] };
}

const noCounts = (): LiveCounts => ({ sent: 0, inFlight: 0, ok: 0, failed: 0, p99Ms: -1, measured: { total: 0, ok: 0, dropped: 0, errors: [] } });

/** The live counts of several workers as one. */
function sumCounts(a: LiveCounts, c: LiveCounts): LiveCounts {
  const m = a.measured;
  const n = c.measured;
  return {
    sent: a.sent + c.sent,
    inFlight: a.inFlight + c.inFlight,
    ok: a.ok + c.ok,
    failed: a.failed + c.failed,
    p99Ms: Math.max(a.p99Ms, c.p99Ms),
    measured: { total: m.total + n.total, ok: m.ok + n.ok, dropped: m.dropped + n.dropped, errors: n.errors.map((x, i) => x + (m.errors[i] ?? 0)) },
  };
}

/** What one lane recorded. */
export interface LaneRecords {
  recorder: Recorder;
  /** The warm-up's requests (not part of the figures). */
  warmup: Recorder;
  timeline: Timeline;
}

export interface LoadOutcome extends LaneRecords {
  /** The baseline lane (straight to the mock), when there was one. */
  direct?: LaneRecords;
  /** Start of the run (warm-up included) on this thread's performance.now() clock. */
  startedMs: number;
  /** When sending stopped, on the same clock. */
  sendingDoneMs: number;
  /** Open loop: offset from the start of the first arrival not handled (the schedule's end when all were); -1 for a closed loop. */
  nextDueMs: number;
  /** The same for the baseline lane. */
  directNextDueMs: number;
  /** Most requests open at once (with workers: the sum of each worker's peak, an upper bound). */
  inFlightPeak: number;
}

export interface LoadHooks {
  stopSending: AbortSignal;
  abortInFlight: AbortSignal;
  /** The command that starts a load worker process (gatebench's own `__load`); needed for more than one worker process. */
  workerArgv?: string[];
  /** What a worker of several is: a process (the default) or a thread of this process. */
  workerKind?: "process" | "thread";
  /** The phase of what is being sent changed (warm-up, load through the gateway, baseline). */
  onPhase?: (phase: LoadPhase) => void;
  onSendingDone?: () => void;
}

export const newLane = (originMs: number): LaneRecords => {
  const timeline = new Timeline(originMs);
  return { recorder: new Recorder(timeline), warmup: new Recorder(timeline, true), timeline };
};

export const laneOptions = (request: PreparedRequest, l: LaneRecords) => ({ request, recorder: l.recorder, warmupRecorder: l.warmup });

/** The measured p99 so far, ms; -1 before any. */
const p99Of = (r: Recorder): number => (r.histograms.latency.totalCount > 0 ? r.histograms.latency.getValueAtPercentile(99) / 1000 : -1);

/** The requests sent, finished well and not, by the lanes of a run so far. */
export function liveOf(lanes: LaneRecords[], sent: number, inFlight: number): LiveCounts {
  let ok = 0;
  let total = 0;
  for (const l of lanes) {
    ok += l.recorder.ok + l.warmup.ok;
    total += l.recorder.total + l.warmup.total;
  }
  const r = lanes[0]!.recorder;
  return { sent, inFlight, ok, failed: total - ok, p99Ms: p99Of(r), measured: { total: r.total, ok: r.ok, dropped: r.dropped, errors: Array.from(r.errorCounts) } };
}

/** A worker's share of the spec. Arrivals are interleaved; connections, requests and the in-flight cap are divided. */
export function shareOf(spec: LoadSpec, k: number): { mode: LoadMode; stride: number; offset: number; direct?: DirectSpec } {
  const n = spec.workers;
  const part = (total: number): number => (Number.isFinite(total) ? Math.floor(total / n) + (k < total % n ? 1 : 0) : total);
  if (spec.mode.kind === "open") {
    const connections = spec.mode.connections;
    return { mode: { ...spec.mode, maxInFlight: Math.max(1, part(spec.mode.maxInFlight)), ...(connections !== undefined ? { connections: Math.max(1, part(connections)) } : {}) }, stride: n, offset: k, direct: spec.direct };
  }
  return { mode: { ...spec.mode, concurrency: part(spec.mode.concurrency), requests: part(spec.mode.requests) }, stride: n, offset: k, direct: spec.direct };
}

/** The dispatcher for one share of a load (what a worker runs, or the whole load in this thread). */
export function dispatcherFor(
  share: { mode: LoadMode; stride: number; offset: number; direct?: DirectSpec },
  common: CommonOptions,
): LoadRun | ClosedLoopRun {
  const m = share.mode;
  if (m.kind === "open") {
    const shape = new Shape(m.segments);
    const d = share.direct;
    const schedule = d
      ? d.order === "interleaved"
        ? new Interleaved(shape, m.arrival, m.seed, d.sliceMs, LANE.gateway, share.stride, share.offset)
        : new Interleaved(shape, m.arrival, m.seed, shape.durationMs, LANE.direct, share.stride, share.offset)
      : new Schedule(shape, m.arrival, m.seed, share.stride, share.offset);
    return new LoadRun({ ...common, schedule, maxInFlight: m.maxInFlight, maxConnections: m.connections });
  }
  // -c N: N connections, one loop each
  return new ClosedLoopRun({ ...common, concurrency: m.concurrency, requests: m.requests, durationMs: m.durationMs, maxConnections: m.concurrency });
}

/** A running load: live counts while it runs, the outcome when it is over. */
export interface LoadHandle {
  live(): LiveCounts;
  done: Promise<LoadOutcome>;
  /** The worker processes' pids (none when the load runs in this process). */
  pids(): number[];
}

/**
 * How long after startLoad is called its first arrival is due: a moment for
 * the ticker thread to start and the client to warm up, or for the worker
 * processes, so that the first send is not late.
 */
export const loadLeadMs = (workers: number): number => (workers <= 1 ? 100 : 300 + 50 * workers);

export function startLoad(spec: LoadSpec, hooks: LoadHooks): LoadHandle {
  return spec.workers <= 1 ? inThread(spec, hooks) : inWorkers(spec, hooks);
}

function inThread(spec: LoadSpec, hooks: LoadHooks): LoadHandle {
  const startAtMs = performance.now() + loadLeadMs(1);
  const gw = newLane(startAtMs);
  const direct = spec.direct ? newLane(startAtMs) : undefined;
  const lanes = direct ? [gw, direct] : [gw];
  const d = dispatcherFor(shareOf({ ...spec, workers: 1 }, 0), {
    ...laneOptions(spec.request, gw),
    direct: direct && spec.direct ? laneOptions(spec.direct.request, direct) : undefined,
    warmupMs: spec.warmupMs,
    startAtMs,
    ...hooks,
  });
  const done = d.run().then(() => {
    for (const l of lanes) {
      l.recorder.close();
      l.warmup.close();
    }
    return { ...gw, direct, startedMs: d.progress.startedMs, sendingDoneMs: d.progress.sendingDoneMs, nextDueMs: d.progress.nextDueMs, directNextDueMs: d.progress.directNextDueMs, inFlightPeak: d.progress.inFlightPeak };
  });
  return {
    pids: () => [],
    live: () => liveOf(lanes, d.progress.sent, d.progress.inFlight),
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
  | { type: "phase"; phase: LoadPhase }
  | { type: "sending-done"; atMs: number }
  | {
      type: "done";
      recorder: RecorderData;
      warmup: RecorderData;
      timeline: TimelineData;
      direct?: { recorder: RecorderData; warmup: RecorderData; timeline: TimelineData };
      sendingDoneMs: number;
      nextDueMs: number;
      directNextDueMs: number;
      inFlightPeak: number;
    }
  | { type: "error"; message: string };

/** One worker, a process or a thread, as inWorkers talks to it. */
interface WorkerLink {
  send(m: ToWorker): void;
  alive(): boolean;
  /** Resolves when the worker is gone, with how it went ("exited with code 1"). */
  ended: Promise<string>;
  /** Ends it now, if it is still there. */
  end(): void;
  /** A process's pid (its CPU and memory are sampled with gatebench's). */
  pid?: number;
}

/** A worker process: gatebench's own `__load`, messages over IPC, its stdin the lifeline. */
function processLink(argv: string[], onMessage: (m: FromWorker) => void): WorkerLink {
  const w: Subprocess = Bun.spawn([...argv], { stdin: "pipe", stdout: "inherit", stderr: "inherit", ipc: (m: FromWorker) => onMessage(m) });
  return {
    send: (m) => w.send(m),
    alive: () => w.exitCode === null,
    ended: w.exited.then((code) => `(pid ${w.pid}) exited with ${w.signalCode ?? `code ${code}`}`),
    end: () => w.exitCode === null && w.kill("SIGKILL"),
    pid: w.pid,
  };
}

/** A worker thread of this process (load/thread.ts), messages by postMessage. */
function threadLink(onMessage: (m: FromWorker) => void): WorkerLink {
  const w = new Worker(threadUrl("thread"));
  let gone = false;
  let ended: (how: string) => void = () => {};
  w.onmessage = (e: MessageEvent<FromWorker>) => onMessage(e.data);
  w.onerror = (e) => {
    gone = true;
    ended(`(a thread) failed: ${e.message}`);
  };
  w.addEventListener("close", () => {
    gone = true;
    ended("(a thread) stopped");
  });
  return {
    send: (m) => w.postMessage(m),
    alive: () => !gone,
    ended: new Promise<string>((resolve) => (ended = resolve)),
    end: () => {
      gone = true;
      w.terminate();
    },
  };
}

/**
 * Workers start together at an agreed epoch time (each converts it to its
 * own performance.now() clock); their times come back relative to it, and
 * are placed on this process's clock at the same start. A worker is a
 * child process with an IPC channel; its stdin is its lifeline.
 */
function inWorkers(spec: LoadSpec, hooks: LoadHooks): LoadHandle {
  const n = spec.workers;
  const argv = hooks.workerArgv;
  if (!argv && hooks.workerKind !== "thread") throw new Error("more than one load worker process needs the command that starts one (workerArgv)");
  const startAtMs = performance.now() + loadLeadMs(n);
  const startAtEpochMs = performance.timeOrigin + startAtMs;
  const gw = newLane(startAtMs);
  const direct = spec.direct ? newLane(startAtMs) : undefined;
  const counts: LiveCounts[] = [];
  const workers: WorkerLink[] = [];
  let sendingDone = 0;
  let sendingDoneMs = -1;
  let peak = 0;
  let nextDueMs = Number.POSITIVE_INFINITY;
  let directNextDueMs = Number.POSITIVE_INFINITY;
  const post = (m: ToWorker): void => {
    for (const w of workers) if (w.alive()) w.send(m);
  };
  const onStop = (): void => post({ type: "stop" });
  const onAbort = (): void => post({ type: "abort" });
  hooks.stopSending.addEventListener("abort", onStop, { once: true });
  hooks.abortInFlight.addEventListener("abort", onAbort, { once: true });

  const done = new Promise<LoadOutcome>((resolve, reject) => {
    let finished = 0;
    const reported: boolean[] = [];
    for (let k = 0; k < n; k++) {
      counts.push(noCounts());
      const onMessage = (m: FromWorker): void => {
        if (m.type === "live") counts[k] = m.counts;
        // every worker runs the same phases; the first one's changes are the run's
        else if (m.type === "phase") {
          if (k === 0) hooks.onPhase?.(m.phase);
        } else if (m.type === "sending-done") {
          sendingDoneMs = Math.max(sendingDoneMs, startAtMs + m.atMs);
          if (++sendingDone === n) hooks.onSendingDone?.();
        } else if (m.type === "error") {
          reject(new Error(`load worker ${k}: ${m.message}`));
        } else if (m.type === "done") {
          const merge = (l: LaneRecords, data: { recorder: RecorderData; warmup: RecorderData; timeline: TimelineData }): void => {
            l.recorder.addData(data.recorder, startAtMs);
            l.warmup.addData(data.warmup, startAtMs);
            l.timeline.addData(data.timeline);
          };
          merge(gw, m);
          if (direct && m.direct) merge(direct, m.direct);
          sendingDoneMs = Math.max(sendingDoneMs, startAtMs + m.sendingDoneMs);
          peak += m.inFlightPeak;
          // the earliest arrival any worker left unsent is the first one the run did not handle
          nextDueMs = Math.min(nextDueMs, m.nextDueMs);
          directNextDueMs = Math.min(directNextDueMs, m.directNextDueMs);
          counts[k] = { ...counts[k]!, inFlight: 0 };
          reported[k] = true;
          if (++finished === n) {
            for (const l of direct ? [gw, direct] : [gw]) {
              l.recorder.close();
              l.warmup.close();
            }
            resolve({ ...gw, direct, startedMs: startAtMs, sendingDoneMs, nextDueMs, directNextDueMs, inFlightPeak: peak });
          }
        }
      };
      const w = hooks.workerKind === "thread" ? threadLink(onMessage) : processLink(argv!, onMessage);
      void w.ended.then((how) => {
        if (!reported[k]) reject(new Error(`load worker ${k} ${how} before it finished`));
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
    // a worker process that is done exits on its own; the others (and threads) are ended here
    for (const w of workers) w.end();
  });
  return {
    pids: () => workers.flatMap((w) => (w.pid !== undefined && w.alive() ? [w.pid] : [])),
    live: () =>
      counts.reduce(sumCounts, noCounts()),
    done,
  };
}
