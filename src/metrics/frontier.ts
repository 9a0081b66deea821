// A throughput frontier, as gateway leaderboards report capacity: from one
// ladder of rungs (closed-loop concurrency 1, 2, 4, … or open-loop rates),
// the throughput the gateway carries at each tail bound (p99 under 1, 5,
// 10, 50, 100 ms, and unbounded). Pure: a rung is the summary of one run;
// what is read from the rungs is decided here.
//
// A reading at a bound is the highest throughput (successful requests per
// second) of any rung whose p99 stayed under the bound with no failed
// request. The p99 is the latency's, or for streams the time to the first
// token's: what a streaming client waits for, and where the gateway's
// queueing shows (a whole stream lasts as long as the mock makes it). A rung at which the rig, not the gateway, set the pace (the
// generator fell behind or dropped arrivals, the mock was at its ceiling,
// this machine ran out of sockets) is never counted: not as a reading, and
// not as the rung that broke the bound either.
import { MIN_TAIL } from "./overhead.ts";
import type { Summary } from "./summary.ts";
import { generatorLimit } from "./sweep.ts";

export type LadderKind = "concurrency" | "rate";

/** What the bounds are read on: the latency's p99, or (streams) the time to the first token's. */
export type BoundMetric = "latency" | "ttft";

/** The metric a frontier's bounds are read on; a document without one was read on the latency. */
export const boundMetricOf = (stream: boolean): BoundMetric => (stream ? "ttft" : "latency");

/** The metric in words, as a prefix of "p99": "TTFT p99", "p99". */
export const p99Words = (metric: BoundMetric | undefined): string => (metric === "ttft" ? "TTFT p99" : "p99");

/** A rung's level in words: "c=8" or "400 req/s". */
export const levelLabel = (kind: LadderKind, level: number): string => (kind === "concurrency" ? `c=${level}` : `${level} req/s`);

/** The tail bounds read by default, ms; the unbounded reading always follows them. */
export const DEFAULT_BOUNDS_MS = [1, 5, 10, 50, 100] as const;

/** Rungs of a concurrency ladder by default: 1, 2, 4, … up to this. */
export const DEFAULT_MAX_CONCURRENCY = 256;

/** 1, 2, 4, … while at most `max`; `max` itself last when it is not a power of two (the cap is a rung too). */
export function doublingLadder(max: number): number[] {
  const out: number[] = [];
  for (let c = 1; c <= max; c *= 2) out.push(c);
  if (out.at(-1) !== max) out.push(max);
  return out;
}

/** What set a rung's pace when the rig did: gatebench's sending, the mock, or this machine's sockets. */
export type RigKind = "generator" | "dropped" | "mock" | "sockets";

/** One rung of the ladder, as the frontier's table and JSON show it. */
export interface FrontierRung {
  /** The rung's level: connections of a closed loop, or an open loop's rate (req/s). */
  concurrency?: number;
  rate?: number;
  /** Successful answers per second. */
  throughput: number;
  /** The latency (a stream: to its last byte), ms. */
  p50_ms: number | null;
  p99_ms: number | null;
  p999_ms: number | null;
  /** Streams: the time to the first token, ms, what the bounds are read on. */
  ttft_p50_ms?: number | null;
  ttft_p99_ms?: number | null;
  ttft_p999_ms?: number | null;
  /** Requests sent (those that could not leave this machine are not), and how they ended. */
  requests: number;
  ok: number;
  failed: number;
  dropped: number;
  /** Set when the rig, not the gateway, set this rung's pace: never read as the gateway's. */
  rig?: { kind: RigKind; why: string };
  /** Why the rung's run ended before its end, when it did (the gateway died, it was interrupted). */
  ended_early?: string;
  /** How long the rung took, start-up and phases included (ms). */
  wall_ms: number;
  /** The run's summary; absent when the rung could not start on this machine (its open-file limit). */
  summary?: Summary;
}

/** The level of a rung on its ladder. */
export const levelOf = (r: FrontierRung): number => r.concurrency ?? r.rate ?? 0;

/**
 * Whether the rig set a rung's pace, and why: requests that could not
 * leave this machine (descriptors, ephemeral ports), the generator's own
 * limit as a sweep detects it (late sends, its CPU), arrivals dropped at
 * --max-in-flight, or the mock at its ceiling.
 */
export function rigLimit(s: Summary, workers: number): FrontierRung["rig"] {
  const local = s.errors.load_generator ?? 0;
  if (local > 0) return { kind: "sockets", why: `${local} requests could not be sent: this machine ran out of descriptors or ports` };
  const generator = generatorLimit(s, workers);
  if (generator) return { kind: "generator", why: generator };
  if (s.requests.dropped > 0) return { kind: "dropped", why: `gatebench dropped ${s.requests.dropped} arrivals at its --max-in-flight cap` };
  if (s.mock_bound) return { kind: "mock", why: s.mock_bound };
  return undefined;
}

/** A rung's figures from its run's summary; a stream's with its time to the first token. */
export function rungOf(
  level: { kind: LadderKind; value: number },
  s: Summary,
  o: { workers: number; wallMs: number; endedEarly?: string; stream?: boolean },
): FrontierRung {
  const rig = rigLimit(s, o.workers);
  const lat = s.latency_ms;
  const ttft = s.ttft_ms;
  return {
    ...(level.kind === "concurrency" ? { concurrency: level.value } : { rate: level.value }),
    throughput: s.requests.throughput,
    p50_ms: lat?.p50 ?? null,
    p99_ms: lat?.p99 ?? null,
    p999_ms: lat?.p999 ?? null,
    ...(o.stream ? { ttft_p50_ms: ttft?.p50 ?? null, ttft_p99_ms: ttft?.p99 ?? null, ttft_p999_ms: ttft?.p999 ?? null } : {}),
    requests: s.requests.total,
    ok: s.requests.ok,
    failed: s.requests.failed,
    dropped: s.requests.dropped,
    ...(rig ? { rig } : {}),
    ...(o.endedEarly ? { ended_early: o.endedEarly } : {}),
    wall_ms: Math.round(o.wallMs),
    summary: s,
  };
}

/** A rung this machine could not hold (its open-file limit): the rig's limit, with no figures. */
export function refusedRung(level: { kind: LadderKind; value: number }, why: string): FrontierRung {
  return {
    ...(level.kind === "concurrency" ? { concurrency: level.value } : { rate: level.value }),
    throughput: 0,
    p50_ms: null,
    p99_ms: null,
    p999_ms: null,
    requests: 0,
    ok: 0,
    failed: 0,
    dropped: 0,
    rig: { kind: "sockets", why },
    wall_ms: 0,
  };
}

/** Why a rung does not count at a bound: over it, failures, or the rig's limit. */
export type Miss = { kind: "over" | "failures" | "rig"; why: string };

/** The p99 a rung's bounds are read on (ms): its latency's, or its time to the first token's. */
export const boundP99 = (r: FrontierRung, metric: BoundMetric = "latency"): number | null => (metric === "ttft" ? (r.ttft_p99_ms ?? null) : r.p99_ms);

/** Whether a rung counts at `boundMs` (null: unbounded) of `metric`'s p99; the miss when it does not. */
export function missAt(r: FrontierRung, boundMs: number | null, metric: BoundMetric = "latency"): Miss | undefined {
  if (r.rig) return { kind: "rig", why: `rig limit: ${r.rig.why}` };
  if (r.ok === 0) return { kind: "failures", why: r.requests > 0 ? `all ${r.requests} requests failed` : "no request was sent" };
  const failed = r.failed + r.dropped;
  if (failed > 0) return { kind: "failures", why: `${failed} of ${r.requests + r.dropped} requests failed` };
  if (r.ended_early) return { kind: "failures", why: `the run ended early: ${r.ended_early}` };
  const p99 = boundP99(r, metric);
  if (boundMs !== null && !(p99 !== null && p99 < boundMs))
    return { kind: "over", why: `${p99Words(metric)} ${+(p99 ?? 0).toPrecision(3)} ms is over ${boundMs} ms` };
  return undefined;
}

/** The throughput at one bound, with its evidence (a JSON contract of gatebench/frontier-v1). */
export interface Reading {
  /** What the bound is on: the latency's p99, or the time to the first token's (streams). */
  metric: BoundMetric;
  /** The bound on p99, ms; null: unbounded (any rung without a failure). */
  bound_ms: number | null;
  /** The highest throughput of a rung that met the bound (req/s); null: no rung did. */
  rps: number | null;
  /** The level of that rung; with no reading, the lowest rung's. */
  rung: number | null;
  /** The p99 of `metric` that rung produced (ms); with no reading, the lowest rung's. */
  p99_ms: number | null;
  /** The first rung above the reading's that did not count, and why; with no reading, why the lowest did not. */
  next: ({ rung: number } & Miss) | null;
  /**
   * The highest rung above the reading's that met the bound too, with less
   * throughput (the gateway peaked at the reading's rung); null: none did.
   */
  met_above: number | null;
  /** No rung above the reading's was tried (the ladder ended there, or at the rig's limit): the gateway may carry more. */
  floor: boolean;
}

/** The reading at each bound of `metric`'s p99, from the rungs in ladder order. */
export function readingsOf(rungs: FrontierRung[], bounds: (number | null)[], metric: BoundMetric = "latency"): Reading[] {
  return bounds.map((bound) => {
    let best = -1;
    rungs.forEach((r, i) => {
      if (missAt(r, bound, metric) === undefined && (best < 0 || r.throughput > rungs[best]!.throughput)) best = i;
    });
    if (best < 0) {
      const low = rungs[0];
      const miss = low ? missAt(low, bound, metric) : undefined;
      return {
        metric,
        bound_ms: bound,
        rps: null,
        rung: low ? levelOf(low) : null,
        p99_ms: low ? boundP99(low, metric) : null,
        next: low && miss ? { rung: levelOf(low), ...miss } : null,
        met_above: null,
        floor: false,
      };
    }
    const r = rungs[best]!;
    let next: Reading["next"] = null;
    let metAbove: number | null = null;
    for (const above of rungs.slice(best + 1)) {
      const miss = missAt(above, bound, metric);
      if (!miss) metAbove = levelOf(above);
      else {
        next = { rung: levelOf(above), ...miss };
        break;
      }
    }
    const floor = (next === null || next.kind === "rig") && metAbove === null;
    return { metric, bound_ms: bound, rps: r.throughput, rung: levelOf(r), p99_ms: boundP99(r, metric), next, met_above: metAbove, floor };
  });
}

/** Why the ladder stopped climbing. */
export type FrontierEnd = "ladder-done" | "all-failed" | "rig" | "budget" | "interrupted" | "run-failed" | "only-added";

/** Whether the ladder climbs on after this rung: not past a rung that failed everything, nor past the rig's limit. */
export function stopAfter(r: FrontierRung): FrontierEnd | undefined {
  if (r.rig) return "rig";
  if (r.ok === 0) return "all-failed";
  return undefined;
}

/**
 * The added latency: what the gateway adds to each request at concurrency
 * 1, read from a run with the baseline (the same arrivals straight to a
 * mock) as gateway − direct at p50 and p99, with the 95 % interval of the
 * overhead (metrics/overhead.ts). In µs. Streams: the time to the first
 * token, what a streaming client waits for.
 */
export interface Added {
  metric: BoundMetric;
  /** The rate of that run (req/s), spaced so that one request is open at a time. */
  rate: number;
  /** Its measured load through the gateway (ms; the baseline sends the same again): a rung's, or longer for ADDED_MIN_REQUESTS. */
  duration_ms?: number;
  /** Requests sent through the gateway. */
  requests: number;
  /** Most requests open at once through the gateway: 1 is what was meant. */
  in_flight_peak: number | null;
  p50_us: number;
  /** Half-width of the 95 % interval, µs; null when too few requests lie beyond the percentile. */
  p50_band_us: number | null;
  p99_us: number;
  p99_band_us: number | null;
  /** The same percentile straight to the mock, µs. */
  direct_p50_us: number | null;
  /** Set when the rig, not the gateway, set that run's pace. */
  rig?: string;
}

const us = (ms: number): number => Math.round(ms * 1000);
const usOrNull = (ms: number | null | undefined): number | null => (ms === null || ms === undefined ? null : us(ms));

/** The added latency from a run with the baseline; undefined when it had none. */
export function addedOf(s: Summary, o: { stream: boolean; rate: number; workers: number; durationMs?: number }): Added | undefined {
  const metric = boundMetricOf(o.stream);
  const value = s.overhead_ms?.[metric];
  const band = s.overhead_band_ms?.[metric];
  if (!value) return undefined;
  const rig = rigLimit(s, o.workers);
  return {
    metric,
    rate: o.rate,
    ...(o.durationMs !== undefined ? { duration_ms: o.durationMs } : {}),
    requests: s.requests.total,
    in_flight_peak: s.requests.in_flight_peak ?? null,
    p50_us: us(value.p50),
    p50_band_us: usOrNull(band?.p50),
    p99_us: us(value.p99),
    p99_band_us: usOrNull(band?.p99),
    direct_p50_us: usOrNull(s.direct?.[metric === "ttft" ? "ttft_ms" : "latency_ms"]?.p50),
    ...(rig ? { rig: rig.why } : {}),
  };
}

/** The added latency's run at most this fast: about 2,000 requests a side in 10 s, enough for a p99 interval. */
export const ADDED_MAX_RPS = 200;
/** Unary arrivals of the added latency's run are this many of the first rung's p99 apart, so that they do not overlap. */
export const ADDED_SPACING = 4;
/** Stream arrivals are this many of the first rung's whole-stream p99 apart: a stream lasts as long as the mock makes it. */
export const ADDED_STREAM_SPACING = 1.2;
/** The added latency's run at least this fast (req/s): unary, and streams (one of up to 8 s open at a time). */
export const ADDED_MIN_RPS = 1;
export const ADDED_MIN_STREAM_RPS = 0.1;
/** The added latency's run lasts long enough for this many requests through the gateway, when the budget allows. */
export const ADDED_MIN_REQUESTS = 50;

/**
 * The rate of the added latency's run, from the first rung's p99 latency
 * (ms; a stream's: to its last byte): one request open at a time, between
 * the floor (ADDED_MIN_RPS, streams ADDED_MIN_STREAM_RPS) and ADDED_MAX_RPS.
 * Rounded down, so that the spacing is never shorter than meant.
 */
export function addedRate(p99Ms: number | null, stream = false): number {
  const spacing = stream ? ADDED_STREAM_SPACING : ADDED_SPACING;
  const spaced = p99Ms !== null && p99Ms > 0 ? 1000 / (spacing * p99Ms) : ADDED_MAX_RPS;
  const rate = Math.min(ADDED_MAX_RPS, Math.max(stream ? ADDED_MIN_STREAM_RPS : ADDED_MIN_RPS, spaced));
  return rate >= 10 ? Math.floor(rate) : Math.floor(rate * 10 + 1e-9) / 10;
}

/**
 * The added latency's measured load (ms): a rung's, or long enough for
 * ADDED_MIN_REQUESTS at `rateRps` when that is longer, as far as `leftMs`
 * of the budget allows (the baseline sends the same again: half of it),
 * in tenths of a second.
 */
export function addedDurationMs(rateRps: number, rungMs: number, leftMs: number): number {
  const wanted = Math.ceil((ADDED_MIN_REQUESTS / rateRps) * 10) * 100;
  return Math.max(rungMs, Math.min(wanted, Math.floor(leftMs / 200) * 100));
}

/** Requests a side needed for a percentile's 95 % interval: MIN_TAIL beyond it (p50: 10, p99: 500). */
export const requestsForBand = (p: number): number => Math.ceil(MIN_TAIL / Math.min(p / 100, 1 - p / 100) - 1e-9);
