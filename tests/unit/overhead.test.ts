import { describe, expect, test } from "bun:test";
import { newHistogram, recordMs, statsOf } from "../../src/metrics/histogram.ts";
import { overheadOf, quantileInterval, withinNoise } from "../../src/metrics/overhead.ts";
import { Prng } from "../../src/random.ts";

/** A histogram of n values drawn from base + exponential(mean) ms, seeded. */
function drawn(n: number, baseMs: number, meanMs: number, seed: number) {
  const h = newHistogram();
  const rng = new Prng(seed);
  for (let i = 0; i < n; i++) recordMs(h, baseMs - meanMs * Math.log(1 - rng.next()));
  return h;
}

describe("overhead per percentile", () => {
  test.each([
    // n, shift (ms): the gateway side is the direct side's distribution shifted by a known amount
    [2_000, 5],
    [20_000, 5],
    [20_000, 0.5],
    [20_000, 0],
  ])("n=%d, shift %d ms: the overhead is the shift, within its band", (n, shift) => {
    const direct = drawn(n, 10, 2, 1);
    const gateway = drawn(n, 10 + shift, 2, 2);
    const o = overheadOf(gateway, direct)!;
    for (const k of ["p50", "p90", "p99"] as const) {
      const band = o.band[k]!;
      expect(band).toBeGreaterThan(0);
      // the true difference lies in the 95 % interval (a fixed seed: this is not a flaky draw)
      expect(Math.abs(o.value[k] - shift)).toBeLessThanOrEqual(band);
    }
    // a shift well above the band is not "within noise"; no shift is
    expect(withinNoise(o.value.p50, o.band.p50)).toBe(shift === 0);
  });

  test("the band narrows as requests grow (about 1/√n)", () => {
    const small = overheadOf(drawn(1_000, 15, 2, 3), drawn(1_000, 10, 2, 4))!;
    const large = overheadOf(drawn(100_000, 15, 2, 3), drawn(100_000, 10, 2, 4))!;
    expect(large.band.p50!).toBeLessThan(small.band.p50! / 4);
  });

  test("with under 5 requests beyond a percentile there is no band", () => {
    const o = overheadOf(drawn(300, 15, 2, 5), drawn(300, 10, 2, 6))!;
    expect(o.band.p50).not.toBeNull();
    expect(o.band.p99).toBeNull(); // 300 × 1 % = 3
    expect(o.band.p999).toBeNull();
    expect(withinNoise(o.value.p99, o.band.p99)).toBe(true);
  });

  test("the value is the difference of the percentiles the summary shows", () => {
    const g = drawn(5_000, 12, 3, 7);
    const d = drawn(5_000, 10, 3, 8);
    const o = overheadOf(g, d)!;
    const sg = statsOf(g)!;
    const sd = statsOf(d)!;
    expect(o.value.p50).toBeCloseTo(sg.p50 - sd.p50, 6);
    expect(o.value.p999).toBeCloseTo(sg.p999 - sd.p999, 6);
  });

  test("an empty side gives no overhead", () => {
    expect(overheadOf(newHistogram(), drawn(10, 1, 1, 1))).toBeUndefined();
  });

  test("the quantile interval brackets the percentile and is exact for a constant", () => {
    const h = newHistogram();
    for (let i = 0; i < 1000; i++) recordMs(h, 7);
    expect(quantileInterval(h, 50)).toEqual({ value: 7000, low: 7000, high: 7000 });
    const spread = drawn(10_000, 0, 10, 9);
    const q = quantileInterval(spread, 90);
    expect(q.low).toBeLessThanOrEqual(q.value);
    expect(q.high).toBeGreaterThanOrEqual(q.value);
    // exponential, mean 10 ms: p90 ≈ 23 ms where the density is 0.01/ms; ranks 9,000 ± 1.96·√900
    // = ± 59 requests, so the interval is about ± 59 / (10,000 × 0.01) = ± 0.59 ms wide
    expect(q.high - q.low).toBeGreaterThan(600);
    expect(q.high - q.low).toBeLessThan(2400);
  });

  test("the 95 % band covers the true difference in about 95 % of runs", () => {
    let covered = 0;
    const trials = 200;
    for (let t = 0; t < trials; t++) {
      const o = overheadOf(drawn(2_000, 11, 2, 1000 + t), drawn(2_000, 10, 2, 5000 + t))!;
      if (Math.abs(o.value.p90 - 1) <= o.band.p90!) covered++;
    }
    expect(covered / trials).toBeGreaterThan(0.9);
    expect(covered / trials).toBeLessThanOrEqual(1);
  });

  test("a closed loop: requests in flight together share their stalls; counted as one per connection, the band still covers the truth", () => {
    // c connections: in each round every request waits out the same stall of the machine (a shared exponential draw) and a little of its own
    const closedLoop = (c: number, rounds: number, baseMs: number, seed: number) => {
      const h = newHistogram();
      const rng = new Prng(seed);
      for (let r = 0; r < rounds; r++) {
        const stall = -2 * Math.log(1 - rng.next());
        for (let i = 0; i < c; i++) recordMs(h, baseMs + stall - 0.2 * Math.log(1 - rng.next()));
      }
      return h;
    };
    const coverage = (together: number): number => {
      let covered = 0;
      const trials = 200;
      for (let t = 0; t < trials; t++) {
        const o = overheadOf(closedLoop(10, 200, 11, 1000 + t), closedLoop(10, 200, 10, 5000 + t), together)!;
        if (Math.abs(o.value.p50 - 1) <= o.band.p50!) covered++;
      }
      return covered / trials;
    };
    // as if independent, the band is far too narrow
    expect(coverage(1)).toBeLessThan(0.75);
    expect(coverage(10)).toBeGreaterThan(0.9);
  });
});
