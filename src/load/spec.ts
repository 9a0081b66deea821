// One load phase as plain data (it crosses to worker threads and processes
// as it is), and what every share of it needs: each worker takes an
// interleaved share of the arrivals (open loop) or of the connections
// (closed loop), so every share keeps the load's shape, and the recorders
// and timelines of the shares merge exactly (HDR histograms add bucket by
// bucket). The messages between a load and its workers are here too.
import { Recorder, type RecorderData } from "../metrics/recorder.ts";
import { Timeline, type TimelineData } from "../metrics/timeline.ts";
import type { PreparedRequest } from "./client.ts";
import { ClosedLoop } from "./closed-loop.ts";
import type { CommonOptions, LoadPhase } from "./dispatch.ts";
import { OpenLoop } from "./open-loop.ts";
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

export const noCounts = (): LiveCounts => ({ sent: 0, inFlight: 0, ok: 0, failed: 0, p99Ms: -1, measured: { total: 0, ok: 0, dropped: 0, errors: [] } });

/** The live counts of several workers as one. */
export function sumCounts(a: LiveCounts, c: LiveCounts): LiveCounts {
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
  return {
    sent,
    inFlight,
    ok,
    failed: total - ok,
    p99Ms: p99Of(r),
    measured: { total: r.total, ok: r.ok, dropped: r.dropped, errors: Array.from(r.errorCounts) },
  };
}

/** A worker's share of the spec. Arrivals are interleaved; connections, requests and the in-flight cap are divided. */
export function shareOf(spec: LoadSpec, k: number): { mode: LoadMode; stride: number; offset: number; direct?: DirectSpec } {
  const n = spec.workers;
  const part = (total: number): number => (Number.isFinite(total) ? Math.floor(total / n) + (k < total % n ? 1 : 0) : total);
  if (spec.mode.kind === "open") {
    const connections = spec.mode.connections;
    return {
      mode: {
        ...spec.mode,
        maxInFlight: Math.max(1, part(spec.mode.maxInFlight)),
        ...(connections !== undefined ? { connections: Math.max(1, part(connections)) } : {}),
      },
      stride: n,
      offset: k,
      direct: spec.direct,
    };
  }
  return { mode: { ...spec.mode, concurrency: part(spec.mode.concurrency), requests: part(spec.mode.requests) }, stride: n, offset: k, direct: spec.direct };
}

/** The dispatcher for one share of a load (what a worker runs, or the whole load in this thread). */
export function dispatcherFor(share: { mode: LoadMode; stride: number; offset: number; direct?: DirectSpec }, common: CommonOptions): OpenLoop | ClosedLoop {
  const m = share.mode;
  if (m.kind === "open") {
    const shape = new Shape(m.segments);
    const d = share.direct;
    const schedule = d
      ? d.order === "interleaved"
        ? new Interleaved(shape, m.arrival, m.seed, d.sliceMs, LANE.gateway, share.stride, share.offset)
        : new Interleaved(shape, m.arrival, m.seed, shape.durationMs, LANE.direct, share.stride, share.offset)
      : new Schedule(shape, m.arrival, m.seed, share.stride, share.offset);
    return new OpenLoop({ ...common, schedule, maxInFlight: m.maxInFlight, maxConnections: m.connections });
  }
  // -c N: N connections, one loop each
  return new ClosedLoop({ ...common, concurrency: m.concurrency, requests: m.requests, durationMs: m.durationMs, maxConnections: m.concurrency });
}

/** One share's lanes and dispatcher, on this thread's clock from `startAtMs` (the whole load in this thread, or a worker's share). */
export function shareRun(
  spec: LoadSpec,
  k: number,
  startAtMs: number,
  hooks: Omit<CommonOptions, keyof ReturnType<typeof laneOptions> | "direct" | "warmupMs" | "startAtMs">,
) {
  const gw = newLane(startAtMs);
  const direct = spec.direct ? newLane(startAtMs) : undefined;
  const lanes = direct ? [gw, direct] : [gw];
  const dispatcher = dispatcherFor(shareOf(spec, k), {
    ...laneOptions(spec.request, gw),
    direct: direct && spec.direct ? laneOptions(spec.direct.request, direct) : undefined,
    warmupMs: spec.warmupMs,
    startAtMs,
    ...hooks,
  });
  return { gw, direct, lanes, dispatcher };
}

/** Messages from main to a worker. */
export type ToWorker = { type: "start"; spec: LoadSpec; k: number; startAtEpochMs: number } | { type: "stop" } | { type: "abort" };

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
