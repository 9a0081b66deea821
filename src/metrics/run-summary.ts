// A run's summary from what it recorded: the figures of each lane over its
// own window, the overhead against the baseline, what the upstream
// counted, the figures derived from resource samples, warnings, and the
// verdicts of the gates and targets. Pure: the run hands in plain facts.
import type { Slo } from "./gates/expr.ts";
import { mockLimit } from "./mock-bound.ts";
import type { Recorder } from "./recorder.ts";
import type { ResourceAccumulator } from "./resources.ts";
import { derivedFigures, summarize, upstreamFigures, withBaseline, type Summary } from "./summary.ts";
import { judge } from "./targets.ts";
import { translationCheck, type ApiCounts } from "./translation.ts";
import type { Api } from "../apis.ts";
import type { TargetPreset } from "./verdicts.ts";
import { warningsFor, type WarningFacts } from "./warnings.ts";

/** What one lane of the load recorded. */
export interface LaneOutcome {
  recorder: Recorder;
  /** Open loop: offset in the shape of the first arrival not handled (its end when all were). */
  nextDueMs: number;
}

export interface RunRecords extends LaneOutcome {
  /** Requests of the warm-up (sent on the same path, left out of the figures). */
  warmupTotal: number;
  inFlightPeak: number;
  /** The baseline lane, when there was one. */
  direct?: LaneOutcome;
}

/** What the mock counted (its /__stats), as far as the summary needs it. */
export interface UpstreamCounts {
  requests: number;
  connections: number;
  streams_completed: number;
  streams_aborted: number;
  /** Requests received by API (a mock that does not count them: absent). */
  by_api?: Record<string, ApiCounts>;
}

export interface RunFacts extends Omit<WarningFacts, "closedLoop" | "sliceMs"> {
  closedLoop: boolean;
  /** A closed loop's connections (-c). */
  concurrency?: number;
  /** The baseline was interleaved: each lane's requests were sent in slices. */
  sliced: boolean;
  sliceMs: number;
  /** The measured schedule's length (the warm-up excluded), and the warm-up's. */
  scheduledMs: number;
  warmupMs: number;
  stream: boolean;
  gates: Slo[];
  /** `reference`: the gateway is the built-in proxy, whose memory the seed targets do not judge. */
  targets: { preset: TargetPreset; strict: boolean; reference?: boolean };
  /** --abort-on-fail stopped the load on this gate. */
  gateStop?: { expr: string; why: string };
  /** The mock's processes (undefined: no mock was started), and the machine's CPUs. */
  mockProcs?: number;
  cpus?: number;
  /** A translation run: the client's API and the one the gateway was to call the mock in (they differ). */
  translation?: { client: Api; upstream: Api };
}

/**
 * The measured window of a lane. Open loop: the part of the shape it ran,
 * up to its first arrival not sent (the whole shape when it ran to the
 * end), so the rate is the schedule's even when stopped early. Closed loop:
 * from its first send to its last answer.
 */
export function laneWindowMs(lane: LaneOutcome, f: Pick<RunFacts, "closedLoop" | "scheduledMs" | "warmupMs">): number {
  if (!f.closedLoop) return Math.min(f.scheduledMs, Math.max(0, lane.nextDueMs - f.warmupMs));
  const r = lane.recorder;
  return Number.isFinite(r.lastEndMs - r.firstSentMs) ? Math.max(0, r.lastEndMs - r.firstSentMs) : 0;
}

export function summariseRun(load: RunRecords, acc: ResourceAccumulator, upstream: UpstreamCounts | undefined, f: RunFacts): Summary {
  const rec = load.recorder;
  const summary = summarize(rec, laneWindowMs(load, f), acc.summary(), f.sliced);
  summary.requests.in_flight_peak = load.inFlightPeak;
  summary.memory = acc.memory();
  // a closed loop's requests in flight together are not independent: its connections count as one (overheadOf)
  const together = f.closedLoop ? Math.max(1, f.concurrency ?? 1) : 1;
  if (load.direct) withBaseline(summary, rec, load.direct.recorder, laneWindowMs(load.direct, f), f.sliced, together);
  if (upstream) summary.upstream = upstreamFigures(upstream, rec.total + load.warmupTotal, summary.errors);
  // interleaved, the gateway also finishes its requests during the baseline's slices
  summary.derived = derivedFigures(summary, acc, rec.total, f.stream, f.sliced ? ["load", "baseline"] : ["load"]);
  summary.warnings = warningsFor(summary, { ...f, sliceMs: f.sliced ? f.sliceMs : undefined });
  const bound = f.mockProcs === undefined ? undefined : mockLimit(summary, f.mockProcs, f.cpus ?? f.mockProcs);
  if (bound) summary.mock_bound = bound;
  const verdicts = judge(f.gates, summary, { ...f.targets, stream: f.stream });
  if (f.translation) {
    // what the gateway sent upstream, from the mock's counts: passthrough fails the run like a gate
    const t = translationCheck(f.translation.client, f.translation.upstream, upstream?.by_api);
    summary.translation = t;
    verdicts.push({ expr: `translated ${t.client_api} → ${t.upstream_api}`, value: null, pass: t.verdict === "translated", unit: "", note: t.note });
  }
  const stop = f.gateStop;
  if (stop) {
    const v = verdicts.find((x) => x.expr === stop.expr);
    const note = `could no longer pass: ${stop.why}; the load was stopped (--abort-on-fail)`;
    // the other gates saw only the requests sent before the stop
    for (const x of verdicts)
      if (x !== v && x.pass) x.note = `judged on the ${summary.requests.total} requests sent before the stop${x.note ? `; ${x.note}` : ""}`;
    if (v) Object.assign(v, { pass: false, note });
    else verdicts.push({ expr: stop.expr, value: null, pass: false, unit: "", note });
  }
  if (verdicts.length > 0) summary.slo = verdicts;
  return summary;
}
