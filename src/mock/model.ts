// The mock's behaviour model: delays with seeded jitter, token counts, and
// faults. Pure: a seeded PRNG, no timers, no I/O, so it is tested by tables
// and the same seed always gives the same sequence.

import { Prng } from "../random.ts";

export { Prng };

/** z such that P(Z < z) = 0.99 for a standard normal Z. */
const Z99 = 2.326347874;

/**
 * Extra delay on top of a fixed one, described by its median and 99th
 * percentile, as people state latencies. "normal": symmetric around the
 * median (clamped at 0); "lognormal": the long right tail real services show.
 */
export interface Jitter {
  kind: "normal" | "lognormal";
  p50Ms: number;
  p99Ms: number;
}

export function sampleJitter(j: Jitter, rng: Prng): number {
  const z = rng.normal();
  if (j.kind === "normal") {
    const sd = (j.p99Ms - j.p50Ms) / Z99;
    return Math.max(0, j.p50Ms + sd * z);
  }
  if (j.p50Ms <= 0) return 0;
  const sigma = Math.log(j.p99Ms / j.p50Ms) / Z99;
  return Math.exp(Math.log(j.p50Ms) + sigma * z);
}

/** "lognormal:2ms:20ms" style, already split; validated by the caller's flag parser. */
export function jitterOf(kind: string, p50Ms: number, p99Ms: number): Jitter | string {
  if (kind !== "normal" && kind !== "lognormal") return `unknown distribution "${kind}" (normal or lognormal)`;
  if (!(p50Ms >= 0) || !(p99Ms >= p50Ms)) return "the p99 must be at least the p50";
  if (kind === "lognormal" && p50Ms === 0 && p99Ms > 0) return "a lognormal jitter needs a p50 above 0";
  return { kind, p50Ms, p99Ms };
}

export const FAULTS = ["429", "500", "503", "hang", "cut", "slow"] as const;
export type Fault = (typeof FAULTS)[number];

/** Probability of each fault per request; at most one fault happens to a request. */
export type FaultRates = Partial<Record<Fault, number>>;

export function isFault(s: string): s is Fault {
  return (FAULTS as readonly string[]).includes(s);
}

/** Draws the fault (if any) for one request: one uniform number against the cumulative rates. */
export function drawFault(rates: FaultRates, rng: Prng): Fault | undefined {
  let total = 0;
  for (const f of FAULTS) total += rates[f] ?? 0;
  if (total <= 0) return undefined;
  const u = rng.next();
  let acc = 0;
  for (const f of FAULTS) {
    acc += rates[f] ?? 0;
    if (u < acc) return f;
  }
  return undefined;
}
