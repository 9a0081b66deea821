// HDR histograms of durations in integer microseconds, 3 significant digits.
// Memory is bounded by the value range, never by the number of requests.
import { build, encodeIntoCompressedBase64, type Histogram } from "hdr-histogram-js";

export type { Histogram };

/** One hour: the longest duration a histogram tracks without resizing. */
const HIGHEST_US = 3_600_000_000;

export function newHistogram(): Histogram {
  return build({
    bitBucketSize: 32,
    autoResize: true,
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_US,
    numberOfSignificantValueDigits: 3,
    useWebAssembly: false,
  });
}

/**
 * Width (µs) of the histogram bucket holding `us`: what a value read back
 * may be off by. 3 significant digits: 1 µs below 2,048 µs, then 2^(k−10)
 * for values in [2^k, 2^(k+1)) (at most 0.1 % of the value).
 */
export function resolutionUs(us: number): number {
  return us < 2048 ? 1 : 2 ** (Math.floor(Math.log2(us)) - 10);
}

/** Records a duration given in milliseconds (fractional) as whole microseconds. */
export function recordMs(h: Histogram, ms: number): void {
  const us = Math.round(ms * 1000);
  h.recordValue(us > 0 ? us : 0);
}

/** The statistics the report and the JSON contract show for one metric, in ms. */
export interface Stats {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  p999: number;
  max: number;
}

const msOf = (us: number): number => Math.round(us) / 1000;

/**
 * Percentile p of a histogram that holds values, in ms, as every figure
 * reads it: the top of its bucket (within 0.1 %), never above the largest
 * value seen nor below the smallest. Each reading walks the histogram's
 * buckets: read only the percentiles needed.
 */
export function percentileMs(h: Histogram, p: number): number {
  return msOf(Math.min(h.maxValue, Math.max(h.getValueAtPercentile(0), h.getValueAtPercentile(p))));
}

/** Summarises a histogram; undefined when it holds no value. */
export function statsOf(h: Histogram): Stats | undefined {
  if (h.totalCount === 0) return undefined;
  const min = h.getValueAtPercentile(0);
  const max = h.maxValue;
  const at = (p: number): number => percentileMs(h, p);
  return {
    count: h.totalCount,
    min: msOf(min),
    mean: Math.round(h.mean) / 1000,
    p50: at(50),
    p90: at(90),
    p95: at(95),
    p99: at(99),
    p999: at(99.9),
    max: msOf(max),
  };
}

/** The histogram in HdrHistogram's compressed base64 form (readable by every HdrHistogram port). */
export function encodeHistogram(h: Histogram): string {
  return encodeIntoCompressedBase64(h);
}
