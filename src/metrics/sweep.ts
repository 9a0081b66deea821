// A capacity sweep's logic: which rate to try next, whether a step's
// figures are the gateway's or the generator's, and one row per step.
//
// Automatic search: start at a rate and double it while every gate passes;
// at the first failure, bisect between the highest rate that passed and the
// lowest that failed until the two are within the precision (a share of the
// passing rate). The answer is the highest rate that passed.
import type { Summary } from "./summary.ts";
import { GENERATOR_CPU_WARN_PCT, LAG_SEVERE_MS } from "./warnings.ts";

export interface SearchOptions {
  startRps: number;
  maxRps: number;
  /** Stop bisecting when (lowest failing − highest passing) ≤ precision × highest passing. */
  precision: number;
}

/** Why a sweep ended. */
export type SweepEnd = "bracketed" | "max-rate" | "all-rates" | "first-failed" | "none-passed" | "generator" | "mock" | "budget" | "interrupted" | "run-failed";

export class RateSearch {
  highestPass: number | undefined;
  lowestFail: number | undefined;
  private next_: number | undefined;
  private ended: SweepEnd | undefined;

  constructor(private readonly o: SearchOptions) {
    this.next_ = Math.min(o.startRps, o.maxRps);
  }

  /** The rate to run next, or undefined when the search is over (see end). */
  next(): number | undefined {
    return this.ended ? undefined : this.next_;
  }

  get end(): SweepEnd | undefined {
    return this.ended;
  }

  record(rate: number, pass: boolean): void {
    if (pass) this.highestPass = Math.max(this.highestPass ?? 0, rate);
    else this.lowestFail = Math.min(this.lowestFail ?? Number.POSITIVE_INFINITY, rate);
    const hi = this.highestPass;
    const lo = this.lowestFail;
    if (lo === undefined) {
      // still doubling
      if (rate >= this.o.maxRps) this.ended = "max-rate";
      else this.next_ = Math.min(this.o.maxRps, rate * 2);
      return;
    }
    if (hi === undefined) {
      this.ended = "none-passed";
      return;
    }
    if (lo - hi <= this.o.precision * hi) {
      this.ended = "bracketed";
      return;
    }
    const mid = roundRate((hi + lo) / 2);
    // rates are rounded; when rounding leaves nothing between the two, the bracket is as tight as it gets
    if (mid <= hi || mid >= lo) this.ended = "bracketed";
    else this.next_ = mid;
  }

  stop(why: SweepEnd): void {
    this.ended ??= why;
  }
}

/** Rates are whole numbers from 10 req/s up, one decimal below. */
export function roundRate(r: number): number {
  return r >= 10 ? Math.round(r) : Math.round(r * 10) / 10;
}

/**
 * Whether gatebench, not the gateway, set the pace of a step: half of its
 * requests left late (schedule lag p50 over LAG_SEVERE_MS: a lasting
 * backlog, not the pauses of a busy machine, which show in the tail), or
 * its own CPU was near what its workers can use. The reason in words, or
 * undefined.
 */
export function generatorLimit(s: Summary, workers: number): string | undefined {
  const lag = s.schedule_lag_ms?.p50;
  if (lag !== undefined && lag > LAG_SEVERE_MS) return `gatebench sent late (schedule lag p50 ${lag} ms)`;
  const cpu = s.resources.gatebench?.load?.cpu_pct_avg;
  if (cpu != null && cpu >= GENERATOR_CPU_WARN_PCT * workers) return `gatebench used ${cpu.toFixed(0)} % CPU (${workers} worker${workers === 1 ? "" : "s"})`;
  return undefined;
}

/** One step of a sweep, as the sweep's table and JSON show it. */
export interface SweepStep {
  /** The offered rate (req/s). */
  rate: number;
  pass: boolean;
  /** The gates that failed at this rate. */
  failed: string[];
  /** Why the generator, not the gateway, was the limit at this rate. */
  generator_limited?: string;
  /** Why the mock, not the gateway, was the limit at this rate. */
  mock_limited?: string;
  /** Why the step's run ended early, when it did. */
  ended_early?: string;
  /** How long the step took, start-up and phases included (ms). */
  wall_ms: number;
  summary: Summary;
}

/** The figures of one step's row: offered rate → what came out. */
export function stepFigures(st: SweepStep): {
  rate: number;
  throughput: number;
  p50?: number;
  p99?: number;
  overheadP50?: number;
  success: number;
  cpu?: number;
  rss?: number;
} {
  const s = st.summary;
  const load = s.resources.gateway?.load;
  return {
    rate: st.rate,
    throughput: s.requests.throughput,
    p50: s.latency_ms?.p50,
    p99: s.latency_ms?.p99,
    overheadP50: s.overhead_ms?.latency?.p50,
    success: s.requests.success_ratio,
    cpu: load?.cpu_pct_avg ?? undefined,
    rss: load?.rss_mb_max,
  };
}
