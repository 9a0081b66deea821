import { describe, expect, test } from "bun:test";
import { constantPacer } from "../../src/load/pacer.ts";

describe("constantPacer", () => {
  test.each([
    // rate, duration ms, total
    [50, 10_000, 500],
    [20, 2_000, 40],
    [3, 2_500, 8], // due at 0, 333, …, 2333 ms
    [0.5, 10_000, 5],
    [0.1, 30_000, 3], // 0.1 * 30 is 3.0000000000000004 in floating point
    [1_000_000, 1_000, 1_000_000],
    [7, 1, 1],
    [1, 999, 1],
  ])("%p req/s for %p ms holds %p requests", (rate, durationMs, total) => {
    const p = constantPacer(rate, durationMs);
    expect(p.total).toBe(total);
    expect(p.dueAtMs(p.total - 1)).toBeLessThan(durationMs);
    expect(p.dueBy(durationMs * 10)).toBe(total);
  });

  test("deadlines are absolute: request i is due at i / rate", () => {
    const p = constantPacer(50, 10_000);
    expect([0, 1, 2, 499].map((i) => p.dueAtMs(i))).toEqual([0, 20, 40, 9980]);
  });

  test.each([
    // elapsed ms → requests due by then, at 50 req/s
    [-1, 0],
    [0, 1],
    [19.999, 1],
    [20, 2],
    [20.001, 2],
    [1000, 51],
    [9980, 500],
    [1e12, 500],
  ])("at %p ms, %p requests are due", (elapsed, due) => {
    expect(constantPacer(50, 10_000).dueBy(elapsed)).toBe(due);
  });

  test("after a stall, everything missed is due at once (catch-up, no drift)", () => {
    const p = constantPacer(100, 10_000);
    expect(p.dueBy(0)).toBe(1);
    // the loop was blocked for 250 ms: 25 more requests are due immediately
    expect(p.dueBy(250)).toBe(26);
    expect(p.dueAtMs(25)).toBe(250);
  });

  test("dueBy and dueAtMs agree for every index", () => {
    for (const rate of [3, 7, 50, 333.3, 1000]) {
      const p = constantPacer(rate, 3_000);
      for (let i = 0; i < p.total; i++) {
        expect(p.dueBy(p.dueAtMs(i))).toBe(i + 1);
      }
    }
  });

  test.each([
    [0, 1000],
    [-1, 1000],
    [Number.NaN, 1000],
    [Number.POSITIVE_INFINITY, 1000],
    [10, 0],
  ])("rate %p, duration %p is refused", (rate, duration) => {
    expect(() => constantPacer(rate, duration)).toThrow(RangeError);
  });
});
