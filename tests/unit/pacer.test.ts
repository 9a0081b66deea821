import { describe, expect, test } from "bun:test";
import { constantShape, Interleaved, LANE, rampShape, Schedule, Shape, stepsShape, withWarmup } from "../../src/load/pacer.ts";

/** Every arrival of a schedule, in ms offsets. */
function all(s: Schedule): number[] {
  const out: number[] = [];
  for (let t = s.next(); t !== Number.POSITIVE_INFINITY; t = s.next()) out.push(t);
  return out;
}

describe("constant arrivals", () => {
  test.each([
    // rate, duration ms, total
    [50, 10_000, 500],
    [20, 2_000, 40],
    [3, 2_500, 8], // due at 0, 333, …, 2333 ms
    [0.5, 10_000, 5],
    [0.1, 30_000, 3], // 0.1 * 30 is 3.0000000000000004 in floating point
    [7, 1, 1],
    [1, 999, 1],
  ])("%p req/s for %p ms holds %p requests, all before the end", (rate, durationMs, total) => {
    const s = new Schedule(constantShape(rate, durationMs));
    expect(s.total).toBe(total);
    const t = all(s);
    expect(t.length).toBe(total);
    expect(t[t.length - 1]!).toBeLessThan(durationMs);
  });

  test("1,000,000 req/s for 1 s: exactly a million arrivals", () => {
    const s = new Schedule(constantShape(1_000_000, 1_000));
    let n = 0;
    while (s.next() !== Number.POSITIVE_INFINITY) n++;
    expect(n).toBe(1_000_000);
  });

  test("deadlines are absolute: request i is due at i / rate", () => {
    const t = all(new Schedule(constantShape(50, 10_000)));
    expect([0, 1, 2, 499].map((i) => t[i])).toEqual([0, 20, 40, 9980]);
  });

  test("after a stall, everything missed is due at once (catch-up, no drift)", () => {
    // the dispatcher sends every arrival whose offset is <= elapsed: after a 250 ms stall at 100 req/s, 26 are due
    const t = all(new Schedule(constantShape(100, 10_000)));
    expect(t.filter((x) => x <= 250).length).toBe(26);
    expect(t[25]).toBeCloseTo(250, 9);
    // and the arrivals after it keep their places: no drift
    expect(t[26]).toBeCloseTo(260, 9);
  });

  test.each([
    [0, 1000],
    [-1, 1000],
    [Number.NaN, 1000],
    [Number.POSITIVE_INFINITY, 1000],
    [10, 0],
  ])("rate %p, duration %p is refused", (rate, duration) => {
    expect(() => constantShape(rate, duration)).toThrow(RangeError);
  });
});

describe("shapes", () => {
  test("a ramp from 10 to 500 req/s over 10 s holds (10+500)/2*10 = 2550 arrivals, denser at the end", () => {
    const shape = rampShape(10, 500, 10_000);
    expect(shape.expected).toBeCloseTo(2550, 9);
    const t = all(new Schedule(shape));
    expect(t.length).toBe(2550);
    // arrivals in the first and the last second: 10→59 req/s averages 34.5, 451→500 averages 475.5
    expect(t.filter((x) => x < 1000).length).toBeGreaterThanOrEqual(34);
    expect(t.filter((x) => x < 1000).length).toBeLessThanOrEqual(36);
    expect(t.filter((x) => x >= 9000).length).toBeGreaterThanOrEqual(474);
    expect(t.filter((x) => x >= 9000).length).toBeLessThanOrEqual(477);
    // increasing, and inside the run
    for (let i = 1; i < t.length; i++) expect(t[i]!).toBeGreaterThan(t[i - 1]!);
    expect(t[t.length - 1]!).toBeLessThan(10_000);
  });

  test("a ramp down works too, and from zero", () => {
    expect(all(new Schedule(rampShape(500, 10, 10_000))).length).toBe(2550);
    const up = all(new Schedule(rampShape(0, 100, 2_000)));
    expect(up.length).toBe(100);
    expect(up[1]!).toBeGreaterThan(100); // the rate starts at zero: the second arrival comes late
  });

  test("steps 50,100,200 at 1 s each: 50, 100 and 200 arrivals in their seconds", () => {
    const t = all(new Schedule(stepsShape([50, 100, 200], 1000)));
    expect(t.length).toBe(350);
    expect(t.filter((x) => x < 1000).length).toBe(50);
    expect(t.filter((x) => x >= 1000 && x < 2000).length).toBe(100);
    expect(t.filter((x) => x >= 2000).length).toBe(200);
    expect(t[50]).toBeCloseTo(1000, 9);
    expect(t[150]).toBeCloseTo(2000, 9);
  });

  test("countAt and timeAt are inverses across segments", () => {
    const shape = new Shape([
      { durationMs: 1000, fromRps: 10, toRps: 10 },
      { durationMs: 2000, fromRps: 10, toRps: 300 },
      { durationMs: 500, fromRps: 40, toRps: 40 },
    ]);
    for (const n of [0, 1, 9.5, 10, 11, 100, 250, 319, shape.expected - 1]) {
      expect(shape.countAt(shape.timeAt(n))).toBeCloseTo(n, 6);
    }
    expect(shape.rateAt(2000)).toBeCloseTo(155, 9);
  });

  test("a warm-up runs at the starting rate in front of the shape", () => {
    const s = withWarmup(rampShape(20, 100, 1000), 500);
    expect(s.durationMs).toBe(1500);
    expect(s.countAt(500)).toBeCloseTo(10, 9);
    expect(s.expected).toBeCloseTo(10 + 60, 9);
  });
});

describe("Poisson arrivals", () => {
  test("the same seed gives the same arrivals; another seed, others", () => {
    const a = all(new Schedule(constantShape(100, 2000), "poisson", 42));
    const b = all(new Schedule(constantShape(100, 2000), "poisson", 42));
    const c = all(new Schedule(constantShape(100, 2000), "poisson", 43));
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  test("100 req/s for 100 s: count near 10,000, gaps exponential (mean 10 ms, P(gap > 20 ms) = e^-2)", () => {
    const t = all(new Schedule(constantShape(100, 100_000), "poisson", 7));
    // sd of the count is sqrt(10000) = 100: 4 sd
    expect(Math.abs(t.length - 10_000)).toBeLessThan(400);
    const gaps = t.slice(1).map((x, i) => x - t[i]!);
    const mean = gaps.reduce((s, g) => s + g, 0) / gaps.length;
    expect(mean).toBeGreaterThan(9.6);
    expect(mean).toBeLessThan(10.4);
    const over20 = gaps.filter((g) => g > 20).length / gaps.length;
    expect(Math.abs(over20 - Math.exp(-2))).toBeLessThan(0.015);
    // coefficient of variation 1 (constant arrivals would give 0)
    const sd = Math.sqrt(gaps.reduce((s, g) => s + (g - mean) ** 2, 0) / gaps.length);
    expect(sd / mean).toBeGreaterThan(0.95);
    expect(sd / mean).toBeLessThan(1.05);
  });

  test("Poisson follows a ramp: about five times the arrivals in the last tenth as in the first", () => {
    const t = all(new Schedule(rampShape(50, 350, 20_000), "poisson", 3));
    const first = t.filter((x) => x < 2000).length; // 50→80 req/s over 2 s: 130 expected (sd 11)
    const last = t.filter((x) => x >= 18_000).length; // 320→350 req/s: 670 expected (sd 26)
    expect(first).toBeGreaterThan(130 - 50);
    expect(first).toBeLessThan(130 + 50);
    expect(last).toBeGreaterThan(670 - 110);
    expect(last).toBeLessThan(670 + 110);
  });
});

describe("worker shares", () => {
  test.each([["constant"], ["poisson"]] as const)("%s: interleaved shares partition the arrivals exactly", (kind) => {
    const whole = all(new Schedule(rampShape(10, 300, 3000), kind, 9));
    const shares = [0, 1, 2].map((k) => all(new Schedule(rampShape(10, 300, 3000), kind, 9, 3, k)));
    expect(shares.flat().sort((a, b) => a - b)).toEqual(whole);
    // each share keeps the shape: a third of each second's arrivals, give or take one
    for (const sh of shares) expect(Math.abs(sh.length - whole.length / 3)).toBeLessThanOrEqual(1);
  });

  test("index is the global arrival number", () => {
    const s = new Schedule(constantShape(10, 1000), "constant", 1, 4, 3);
    s.next();
    expect(s.index).toBe(3);
    s.next();
    expect(s.index).toBe(7);
  });
});

describe("interleaved baseline", () => {
  /** Every arrival of an interleaved schedule: real offset, lane, shape offset, index. */
  function walk(s: Interleaved): { t: number; lane: number; v: number; i: number }[] {
    const out: { t: number; lane: number; v: number; i: number }[] = [];
    for (let t = s.next(); t !== Number.POSITIVE_INFINITY; t = s.next()) out.push({ t, lane: s.lane, v: s.shapeMs, i: s.index });
    return out;
  }

  test("each lane gets the whole schedule, the same arrivals at the same offsets in the shape", () => {
    for (const arrival of ["constant", "poisson"] as const) {
      const shape = rampShape(20, 80, 5_000);
      const plain = all(new Schedule(shape, arrival, 9));
      const a = walk(new Interleaved(shape, arrival, 9, 1000, LANE.gateway));
      for (const lane of [0, 1]) {
        const mine = a.filter((x) => x.lane === lane);
        expect(mine.map((x) => x.v)).toEqual(plain);
        // the body picked by arrival number is the same on both lanes
        expect(mine.map((x) => x.i)).toEqual(plain.map((_, k) => k));
      }
    }
  });

  test("slices alternate A B, B A, …; the run lasts twice the shape; real times only go forward", () => {
    const a = walk(new Interleaved(constantShape(10, 4_000), "constant", 1, 1000, LANE.gateway));
    expect(a.length).toBe(80);
    for (let k = 1; k < a.length; k++) expect(a[k]!.t).toBeGreaterThanOrEqual(a[k - 1]!.t);
    // which lane owns each real second: gateway, direct, direct, gateway, gateway, direct, direct, gateway
    const laneOfSecond = (sec: number): number[] => [...new Set(a.filter((x) => Math.floor(x.t / 1000) === sec).map((x) => x.lane))];
    expect([0, 1, 2, 3, 4, 5, 6, 7].map(laneOfSecond)).toEqual([[0], [1], [1], [0], [0], [1], [1], [0]]);
    // an arrival keeps its place within the slice: shape offset 1,100 ms → real 2,100 (first half of slice 1 is direct) and 3,100
    expect(a.filter((x) => x.v === 1100).map((x) => [x.lane, x.t])).toEqual([
      [1, 2100],
      [0, 3100],
    ]);
  });

  test("a last slice shorter than the others is split in two halves of its own length", () => {
    const a = walk(new Interleaved(constantShape(10, 1_500), "constant", 1, 1000, LANE.gateway));
    // slice 0: [0, 1000) gateway, [1000, 2000) direct; slice 1 (500 ms): direct [2000, 2500), gateway [2500, 3000)
    expect(a.filter((x) => x.v === 1200).map((x) => [x.lane, x.t])).toEqual([
      [1, 2200],
      [0, 2700],
    ]);
    expect(Math.max(...a.map((x) => x.t))).toBeLessThan(3000);
  });

  test("sequential: one slice as long as the shape, the direct lane first", () => {
    const shape = constantShape(5, 2_000);
    const a = walk(new Interleaved(shape, "constant", 1, shape.durationMs, LANE.direct));
    expect(a.slice(0, 10).every((x) => x.lane === 1 && x.t === x.v)).toBe(true);
    expect(a.slice(10).every((x) => x.lane === 0 && x.t === x.v + 2000)).toBe(true);
  });

  test("worker shares: each worker's lanes are its share of both", () => {
    const shape = constantShape(30, 3_000);
    const whole = walk(new Interleaved(shape, "constant", 1, 1000, LANE.gateway));
    const parts = [0, 1, 2].flatMap((k) => walk(new Interleaved(shape, "constant", 1, 1000, LANE.gateway, 3, k)));
    const key = (x: { t: number; lane: number }): string => `${x.lane}@${x.t}`;
    expect(parts.map(key).sort()).toEqual(whole.map(key).sort());
  });
});
