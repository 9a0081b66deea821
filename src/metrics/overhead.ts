// Overhead: a percentile through the gateway minus the same percentile
// straight to the mock, for the same workload and schedule, with a 95 %
// uncertainty band.
//
// The band comes from the order statistics of each side. Of n independent
// requests, the number at or below the true p-quantile is Binomial(n, p),
// so the ranks n·p ± 1.96·√(n·p·(1−p)) bracket it with 95 % confidence;
// the values at those ranks, read from the histogram, give that side's
// interval. Each interval is turned into a standard error (its width /
// 3.92), the two are combined as independent (√(a² + b²)), and the
// histograms' own resolution (the width of the larger value's bucket, at
// most 0.1 % of it) is added. Requests that stall together (a pause of the gateway or of the
// machine) are not independent, so the band is a lower bound on the real
// uncertainty; the interleaved baseline keeps such drift off the
// difference itself.
//
// A closed loop of c connections is the plain case of such stalls: the c
// requests in flight together are served in the same moment of the
// gateway and the machine, and each loop's next request waits for its
// last. Its requests are counted as n / c independent ones (`together` =
// c), which widens each rank interval by √c. Six A/A runs at -c 10 showed
// the overhead p50 varying between runs about 3.5 times more than the band
// for independent requests allowed (±0.035 ms against values from 0.46 to
// 0.64 ms); the widened band covers that.
import { resolutionUs, type Histogram } from "./histogram.ts";

const Z95 = 1.96;

export const OVERHEAD_PERCENTILES = { p50: 50, p90: 90, p99: 99, p999: 99.9 } as const;
export type OverheadKey = keyof typeof OVERHEAD_PERCENTILES;

/** Per percentile: gateway − direct, in ms. */
export type OverheadRow = Record<OverheadKey, number>;
/** Per percentile: the half-width of the difference's 95 % interval in ms; null when too few requests lie beyond the percentile to tell. */
export type BandRow = Record<OverheadKey, number | null>;

/** Requests needed on each side of a percentile for its interval. */
export const MIN_TAIL = 5;

export interface Overhead {
  /** gateway − direct per percentile (ms). */
  value: OverheadRow;
  band: BandRow;
}

const ms = (us: number): number => Math.round(us) / 1000;

/** The value at percentile p in µs, kept within the recorded range (as the summary reads it). */
const valueAt = (h: Histogram, p: number): number => Math.min(h.maxValue, Math.max(h.getValueAtPercentile(0), h.getValueAtPercentile(p)));

/** The value at rank r (1-based) of the histogram's n values, in µs. */
const valueAtRank = (h: Histogram, rank: number): number => valueAt(h, (100 * Math.min(h.totalCount, Math.max(1, rank))) / h.totalCount);

/** The p-quantile (µs) and the values bracketing it with 95 % confidence; `together`: requests that depend on each other (a closed loop's connections), counted as one. */
export function quantileInterval(h: Histogram, p: number, together = 1): { value: number; low: number; high: number } {
  const n = h.totalCount;
  const q = p / 100;
  const center = n * q;
  const half = Z95 * Math.sqrt(n * q * (1 - q) * together);
  return {
    value: valueAt(h, p),
    low: valueAtRank(h, Math.floor(center - half)),
    high: valueAtRank(h, Math.ceil(center + half)),
  };
}

/** Overhead of `gateway` over `direct` at each reported percentile; undefined when either side is empty. `together`: as quantileInterval's. */
export function overheadOf(gateway: Histogram, direct: Histogram, together = 1): Overhead | undefined {
  if (gateway.totalCount === 0 || direct.totalCount === 0) return undefined;
  const value = {} as OverheadRow;
  const band = {} as BandRow;
  for (const [key, p] of Object.entries(OVERHEAD_PERCENTILES) as [OverheadKey, number][]) {
    value[key] = ms(valueAt(gateway, p) - valueAt(direct, p));
    const spread = differenceBandUs(gateway, direct, p, together);
    band[key] = spread === null ? null : ms(spread);
  }
  return { value, band };
}

/**
 * Half-width (µs) of the 95 % interval of percentile p of `a` minus the
 * same of `b`: each side's order-statistic interval as a standard error,
 * combined as independent, plus the larger value's bucket width. Null when
 * fewer than MIN_TAIL (independent) requests lie beyond p on either side.
 */
export function differenceBandUs(a: Histogram, b: Histogram, p: number, together = 1): number | null {
  const q = p / 100;
  const enough = (h: Histogram): boolean => (h.totalCount / together) * Math.min(q, 1 - q) >= MIN_TAIL;
  if (!enough(a) || !enough(b)) return null;
  const ia = quantileInterval(a, p, together);
  const ib = quantileInterval(b, p, together);
  const se = (x: { low: number; high: number }): number => (x.high - x.low) / (2 * Z95);
  return Z95 * Math.hypot(se(ia), se(ib)) + resolutionUs(Math.max(ia.value, ib.value));
}

/** Whether a difference is within its band: no overhead can be told from noise. */
export const withinNoise = (value: number, band: number | null): boolean => band === null || Math.abs(value) <= band;
