// HdrHistogram percentile-distribution files (.hgrm): the text format
// HdrHistogram's own tools print and its plotter reads, values in ms.
import { decodeFromCompressedBase64 } from "hdr-histogram-js";

/** Percentile ticks per half-distance to 100 %: 5 gives rows at 0, 10, 20 … 50, 55 … 90, 91 … and on into the tail. */
const TICKS_PER_HALF = 5;
/** Histograms hold µs; the file shows ms. */
const US_PER_MS = 1000;

/** The .hgrm text of one histogram of the result (HdrHistogram compressed base64, µs). */
export function hgrmOf(encoded: string): string {
  return decodeFromCompressedBase64(encoded).outputPercentileDistribution(TICKS_PER_HALF, US_PER_MS);
}

/** File name for a histogram of the result: "latency" → latency.hgrm, "direct.ttft" → direct.ttft.hgrm. */
export const hgrmName = (metric: string): string => `${metric.replace(/[^A-Za-z0-9._-]/g, "_")}.hgrm`;
