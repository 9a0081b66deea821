// The statistics gatebench compare decides noise with: Welch's t-test and
// a two-proportion z-test, each as a 95 % band on a difference.

const Z95 = 1.96;

/**
 * The noise a metric's band adds to what it measured within the runs (as
 * independent), as a share of the larger of its two values: the noise between two separate runs with the same settings on
 * one machine, which no test within a run can see (the machine's other
 * load, CPU frequency, where the scheduler and the allocator put things).
 * In an open loop throughput barely varies within a run, so its band alone
 * would collapse to ±0 and call a −0.01 % change worse. Measured with A/A
 * runs (same settings, separate runs) on a shared 2-CPU machine: latency
 * p50 differed by up to 8 %, the overhead p50 by up to 5 % of the latency,
 * RSS by under 1 %, throughput by under 0.2 %; tests/e2e/compare-aa.test.ts
 * checks that A/A pairs are called noise.
 */
export const NOISE_FLOOR = {
  /** latency, TTFT, ITL percentiles */
  percentile: 0.1,
  /** the overhead at a percentile, as a share of the latency at that percentile */
  overhead: 0.05,
  throughput: 0.01,
  cpu: 0.1,
  rss: 0.05,
} as const;

/** `share` of the larger magnitude of a and b. */
export const floorOf = (share: number, a: number, b: number): number => share * Math.max(Math.abs(a), Math.abs(b));
/** Values needed on each side for a t-test. */
export const MIN_SAMPLES = 3;

const mean = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;
const variance = (xs: number[]): number => {
  const m = mean(xs);
  return xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1);
};

/** ∫₀^θ cosᵏ(x) dx by Simpson's rule. */
function cosPowerIntegral(k: number, theta: number, steps = 512): number {
  const h = theta / steps;
  let sum = 1 + Math.cos(theta) ** k;
  for (let i = 1; i < steps; i++) sum += (i % 2 === 1 ? 4 : 2) * Math.cos(i * h) ** k;
  return (sum * h) / 3;
}

/**
 * The two-sided 95 % critical value of Student's t with `df` degrees of
 * freedom (any real df ≥ 1, as Welch's test gives). With x = √df·tan θ the
 * t density becomes proportional to cos^(df−1) θ on (−π/2, π/2), so
 * P(|T| ≤ √df·tan θ) = ∫₀^θ cos^(df−1) / ∫₀^(π/2) cos^(df−1): no gamma
 * function needed. θ is found by bisection.
 */
export function tCritical95(df: number): number {
  if (!(df >= 1)) return Number.POSITIVE_INFINITY;
  if (df > 1e5) return Z95;
  const k = df - 1;
  // cos^k θ ≈ exp(−k θ²/2): beyond 12/√k it is below e^(−72), so the integral stops there
  const top = k > 0 ? Math.min(Math.PI / 2, 12 / Math.sqrt(k)) : Math.PI / 2;
  const target = 0.95 * cosPowerIntegral(k, top);
  let lo = 0;
  let hi = top;
  for (let i = 0; i < 50; i++) {
    const mid = (lo + hi) / 2;
    if (cosPowerIntegral(k, mid) < target) lo = mid;
    else hi = mid;
  }
  return Math.sqrt(df) * Math.tan((lo + hi) / 2);
}

/** Welch's t-test as a band: the half-width of the 95 % interval of mean(b) − mean(a); null with under MIN_SAMPLES values on a side. */
export function welchBand(a: number[], b: number[]): number | null {
  if (a.length < MIN_SAMPLES || b.length < MIN_SAMPLES) return null;
  const va = variance(a) / a.length;
  const vb = variance(b) / b.length;
  const se2 = va + vb;
  // no spread on either side: any difference of the means is beyond it
  if (se2 === 0) return 0;
  const df = se2 ** 2 / (va ** 2 / (a.length - 1) + vb ** 2 / (b.length - 1));
  return tCritical95(df) * Math.sqrt(se2);
}

/** Two-proportion z-test (pooled, continuity-corrected) as a band on the difference of the ratios; null when a side has no requests. */
export function proportionBand(okA: number, nA: number, okB: number, nB: number): number | null {
  if (nA <= 0 || nB <= 0) return null;
  const p = (okA + okB) / (nA + nB);
  const se = Math.sqrt(p * (1 - p) * (1 / nA + 1 / nB));
  return Z95 * se + 0.5 * (1 / nA + 1 / nB);
}
