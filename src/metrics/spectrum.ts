// The percentile spectrum of a histogram: the value at each percentile on a
// ladder that climbs towards 100 % (50, 75, 90, 95, 98, 99, 99.5, …), for a
// plot whose x axis is 1/(1−p) on a log scale, so the tail gets the room.
import { decodeFromCompressedBase64 } from "hdr-histogram-js";
import type { Histogram } from "./histogram.ts";

export interface SpectrumPoint {
  /** The percentile, 0 to 100. */
  percentile: number;
  /** 1/(1−p), p as a fraction: 1 at the minimum, 2 at the median, 100 at p99. */
  x: number;
  /** The value at that percentile, in ms (the top of its bucket, never above the max seen). */
  ms: number;
}

/** Each decade of the tail is split at 1, 1/2 and 1/5 of it: 90, 95, 98, then 99, 99.5, 99.8 … */
const DECADE_STEPS = [1, 0.5, 0.2] as const;
/** Far enough for any run: 10^-12 of the requests is beyond a trillion. */
const MAX_DECADES = 12;

/**
 * The tails (fractions of values above the percentile) of the ladder, from
 * 1 (p0) down; exact decimals, so 99.9 is 99.9 and not 99.90000000000001.
 */
export function spectrumTails(): number[] {
  const tails = [1, 0.5, 0.25];
  for (let d = 1; d <= MAX_DECADES; d++) for (const s of DECADE_STEPS) tails.push(Number((s * 10 ** -d).toPrecision(3)));
  return tails;
}

const msOf = (us: number): number => Math.round(us) / 1000;

/**
 * The spectrum of a histogram of integer microseconds. The ladder stops at
 * the first percentile whose value is the maximum (beyond it every
 * percentile is the maximum); an empty histogram has no points.
 */
export function spectrumOf(h: Histogram): SpectrumPoint[] {
  if (h.totalCount === 0) return [];
  const min = h.getValueAtPercentile(0);
  const max = h.maxValue;
  const points: SpectrumPoint[] = [];
  for (const tail of spectrumTails()) {
    const percentile = Number((100 - tail * 100).toPrecision(15));
    const us = Math.min(max, Math.max(min, h.getValueAtPercentile(percentile)));
    points.push({ percentile, x: Number((1 / tail).toPrecision(15)), ms: msOf(us) });
    if (us >= max) return points;
  }
  const last = points[points.length - 1]!;
  points.push({ percentile: 100, x: last.x * 2, ms: msOf(max) });
  return points;
}

/** The spectrum of a histogram in HdrHistogram's compressed base64 form, as the JSON result carries it. */
export function spectrumOfEncoded(encoded: string): SpectrumPoint[] {
  return spectrumOf(decodeFromCompressedBase64(encoded));
}
