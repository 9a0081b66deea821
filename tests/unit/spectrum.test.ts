import { describe, expect, test } from "bun:test";
import { encodeHistogram, newHistogram, recordMs } from "../../src/metrics/histogram.ts";
import { spectrumOf, spectrumOfEncoded, spectrumTails } from "../../src/metrics/spectrum.ts";

/** 1, 2, …, n ms: the value at percentile p is p % of n (within HDR's 0.1 %). */
function uniform(n: number) {
  const h = newHistogram();
  for (let ms = 1; ms <= n; ms++) recordMs(h, ms);
  return h;
}

describe("spectrum ladder", () => {
  test("starts at p0, halves, then splits each decade at 1, 1/2 and 1/5", () => {
    const percentiles = spectrumTails()
      .slice(0, 12)
      .map((t) => Number((100 - t * 100).toPrecision(15)));
    expect(percentiles).toEqual([0, 50, 75, 90, 95, 98, 99, 99.5, 99.8, 99.9, 99.95, 99.98]);
  });
});

describe("spectrumOf", () => {
  test("an empty histogram has no points", () => {
    expect(spectrumOf(newHistogram())).toEqual([]);
  });

  test("1..10000 ms: each point is its percentile of the range, x is 1/(1-p)", () => {
    const pts = spectrumOf(uniform(10_000));
    const table: [number, number, number][] = [
      // percentile, x, ms
      [0, 1, 1],
      [50, 2, 5000],
      [75, 4, 7500],
      [90, 10, 9000],
      [99, 100, 9900],
      [99.9, 1000, 9990],
    ];
    for (const [percentile, x, ms] of table) {
      const p = pts.find((q) => q.percentile === percentile);
      expect(p, `p${percentile}`).toBeDefined();
      expect(p!.x).toBe(x);
      expect(Math.abs(p!.ms - ms) / ms).toBeLessThan(0.001);
    }
    // the ladder stops where it reaches the max: at the latest at p99.99, where
    // 1 value in 10 000 is left (earlier when the top bucket holds several)
    const last = pts[pts.length - 1]!;
    expect(last.percentile).toBeGreaterThan(99.9);
    expect(last.percentile).toBeLessThanOrEqual(99.99);
    expect(last.ms).toBe(10_000);
  });

  test("values never fall, never pass the max, and x grows", () => {
    const pts = spectrumOf(uniform(1234));
    for (let i = 1; i < pts.length; i++) {
      expect(pts[i]!.ms).toBeGreaterThanOrEqual(pts[i - 1]!.ms);
      expect(pts[i]!.x).toBeGreaterThan(pts[i - 1]!.x);
    }
    expect(pts[pts.length - 1]!.ms).toBeLessThanOrEqual(1234);
  });

  test("one slow request in a hundred shows at p99 and not at p98", () => {
    const h = newHistogram();
    for (let i = 0; i < 99; i++) recordMs(h, 10);
    recordMs(h, 500);
    const pts = spectrumOf(h);
    expect(pts.find((p) => p.percentile === 98)!.ms).toBeCloseTo(10, 1);
    expect(pts.find((p) => p.percentile === 99.5)!.ms).toBeCloseTo(500, 0);
    expect(pts[pts.length - 1]!.ms).toBeCloseTo(500, 0);
  });

  test("a single value: the bottom of its bucket at p0 (as the summary's min), the max at p50", () => {
    const h = newHistogram();
    recordMs(h, 42);
    const pts = spectrumOf(h);
    expect(pts.map((p) => p.percentile)).toEqual([0, 50]);
    expect(pts[0]!.ms).toBeCloseTo(42, 1);
    expect(pts[1]!.ms).toBe(42);
  });

  test("the JSON result's base64 form gives the same points (the decoded max is its bucket's top, within 0.1 %)", () => {
    const h = uniform(500);
    const live = spectrumOf(h);
    const decoded = spectrumOfEncoded(encodeHistogram(h));
    expect(decoded.map((p) => p.percentile)).toEqual(live.map((p) => p.percentile));
    for (const [i, p] of decoded.entries()) expect(Math.abs(p.ms - live[i]!.ms) / live[i]!.ms).toBeLessThan(0.001);
  });
});
