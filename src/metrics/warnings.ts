// Plain-language warnings about a run whose figures need a caveat. Pure:
// from the summary and a few facts about the run, to sentences.
import type { Summary } from "./summary.ts";

export interface WarningFacts {
  /** Length of the load phase that actually ran. */
  loadMs: number;
  sampleIntervalMs: number;
  maxInFlight: number;
}

/** Schedule lag (p99) above this means the generator, not the gateway, set the pace. */
export const LAG_WARN_MS = 5;

export function warningsFor(s: Summary, f: WarningFacts): string[] {
  const w: string[] = [];
  const q = s.requests;
  if (q.dropped > 0) {
    w.push(`${q.dropped} arrivals were dropped: ${f.maxInFlight} requests were already open when they were due. The gateway (or the machine) cannot keep up with this rate.`);
  }
  const lag = s.schedule_lag_ms;
  if (lag && lag.p99 > LAG_WARN_MS) {
    w.push(
      `gatebench fell behind its own schedule (schedule lag p99 ${lag.p99} ms, max ${lag.max} ms): latency includes that delay. Lower the rate, or give gatebench more CPU than the gateway and the mock leave it.`,
    );
  }
  if (q.total + q.dropped > 0 && q.success_ratio < 1) {
    w.push(`success ${(q.success_ratio * 100).toFixed(2)} %: see the status codes and errors above; latency percentiles cover successful requests only.`);
  }
  const load = s.resources.gateway?.load;
  const expected = Math.floor(f.loadMs / f.sampleIntervalMs);
  if (load && expected >= 4 && load.samples < expected / 2) {
    w.push(`only ${load.samples} resource samples in the load phase (about ${expected} expected): gatebench was too busy to sample on time, so CPU and RSS figures are rough.`);
  }
  return w;
}
