import { describe, expect, test } from "bun:test";
import { drawFault, jitterOf, Prng, sampleJitter, type Jitter } from "../../src/mock/model.ts";

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

describe("Prng", () => {
  test("the same seed gives the same sequence; another seed another one", () => {
    const a = new Prng(42);
    const b = new Prng(42);
    const c = new Prng(43);
    const sa = Array.from({ length: 100 }, () => a.next());
    expect(Array.from({ length: 100 }, () => b.next())).toEqual(sa);
    expect(Array.from({ length: 100 }, () => c.next())).not.toEqual(sa);
    for (const x of sa) {
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
    }
  });

  test("uniform: mean 0.5, each decile about 10 %", () => {
    const r = new Prng(7);
    const bins = new Array(10).fill(0);
    let sum = 0;
    for (let i = 0; i < 100_000; i++) {
      const x = r.next();
      sum += x;
      bins[Math.floor(x * 10)]++;
    }
    expect(sum / 100_000).toBeCloseTo(0.5, 2);
    for (const n of bins) expect(Math.abs(n - 10_000)).toBeLessThan(400);
  });
});

describe("jitter distributions hit the p50 and p99 they are given", () => {
  test.each([[{ kind: "normal", p50Ms: 10, p99Ms: 20 }], [{ kind: "lognormal", p50Ms: 2, p99Ms: 20 }], [{ kind: "lognormal", p50Ms: 5, p99Ms: 6 }]] as [
    Jitter,
  ][])("%p", (j) => {
    const rng = new Prng(1);
    const xs = Array.from({ length: 200_000 }, () => sampleJitter(j, rng)).sort((a, b) => a - b);
    expect(Math.abs(percentile(xs, 50) - j.p50Ms) / j.p50Ms).toBeLessThan(0.02);
    expect(Math.abs(percentile(xs, 99) - j.p99Ms) / j.p99Ms).toBeLessThan(0.03);
    expect(xs[0]!).toBeGreaterThanOrEqual(0);
  });

  test.each([
    ["uniform", 1, 2, 'unknown distribution "uniform" (normal or lognormal)'],
    ["normal", 5, 2, "the p99 must be at least the p50"],
    ["lognormal", 0, 2, "a lognormal jitter needs a p50 above 0"],
  ])("%p %p %p is refused", (kind, p50, p99, message) => {
    expect(jitterOf(kind, p50, p99)).toBe(message);
  });
});

describe("drawFault", () => {
  test("rates are honoured, and no rate means no fault", () => {
    const rng = new Prng(3);
    const counts: Record<string, number> = {};
    const n = 100_000;
    for (let i = 0; i < n; i++) {
      const f = drawFault({ "429": 0.1, cut: 0.05 }, rng) ?? "none";
      counts[f] = (counts[f] ?? 0) + 1;
    }
    expect(Math.abs(counts["429"]! / n - 0.1)).toBeLessThan(0.005);
    expect(Math.abs(counts.cut! / n - 0.05)).toBeLessThan(0.004);
    expect(Object.keys(counts).sort()).toEqual(["429", "cut", "none"]);
    expect(drawFault({}, rng)).toBeUndefined();
  });

  test("the same seed draws the same faults", () => {
    const draw = (seed: number) => {
      const rng = new Prng(seed);
      return Array.from({ length: 1000 }, () => drawFault({ "500": 0.3, hang: 0.1 }, rng));
    };
    expect(draw(9)).toEqual(draw(9));
  });
});
