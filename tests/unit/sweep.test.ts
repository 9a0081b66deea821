import { describe, expect, test } from "bun:test";
import { generatorLimit, RateSearch, roundRate } from "../../src/metrics/sweep.ts";
import type { Summary } from "../../src/metrics/summary.ts";
import { SWEEP_SCHEMA, sweepPlots, sweepText, verdictLine, type SweepDoc } from "../../src/report/sweep.ts";

/** Runs the search against a gateway that passes every rate up to `capacity`; the rates tried, in order. */
function searchAgainst(capacity: number, o = { startRps: 50, maxRps: 5000, precision: 0.1 }) {
  const s = new RateSearch(o);
  const tried: number[] = [];
  for (let r = s.next(); r !== undefined; r = s.next()) {
    tried.push(r);
    s.record(r, r <= capacity);
    if (tried.length > 50) throw new Error("the search does not end");
  }
  return { tried, hi: s.highestPass, lo: s.lowestFail, end: s.end };
}

describe("RateSearch", () => {
  test("doubles, then bisects until the bracket is within the precision", () => {
    const r = searchAgainst(150, { startRps: 40, maxRps: 400, precision: 0.1 });
    expect(r.tried).toEqual([40, 80, 160, 120, 140, 150]);
    expect([r.hi, r.lo, r.end]).toEqual([150, 160, "bracketed"]);
  });

  test.each([51, 99, 150, 777, 1234, 3999])("capacity %p: the answer is within one bisection step below it", (capacity) => {
    const r = searchAgainst(capacity);
    expect(r.end).toBe("bracketed");
    expect(r.hi!).toBeLessThanOrEqual(capacity);
    expect(r.lo!).toBeGreaterThan(capacity);
    expect(r.lo! - r.hi!).toBeLessThanOrEqual(0.1 * r.hi! + 1);
  });

  test("the cap: every rate passes up to --max-rate", () => {
    const r = searchAgainst(1e9, { startRps: 50, maxRps: 300, precision: 0.1 });
    expect(r.tried).toEqual([50, 100, 200, 300]);
    expect(r.end).toBe("max-rate");
    expect(r.hi).toBe(300);
  });

  test("nothing passes: the first rate fails and the search ends", () => {
    const r = searchAgainst(10);
    expect(r.tried).toEqual([50]);
    expect(r.end).toBe("none-passed");
  });

  test("rounding: whole rates from 10 req/s, tenths below", () => {
    expect([roundRate(123.4), roundRate(9.87), roundRate(0.44)]).toEqual([123, 9.9, 0.4]);
    const r = searchAgainst(3.3, { startRps: 1, maxRps: 100, precision: 0.05 });
    expect(r.hi!).toBeLessThanOrEqual(3.3);
    expect(r.lo!).toBeGreaterThan(3.3);
  });
});

const summary = (over: Partial<Summary> = {}): Summary => ({
  requests: { total: 100, ok: 100, failed: 0, dropped: 0, rate: 100, throughput: 100, success_ratio: 1 },
  status_codes: {},
  errors: {},
  resources: {},
  ...over,
});
const lag = (p99: number, p50 = p99) => ({ count: 100, min: 0, mean: 0, p50, p90: p99, p95: p99, p99, p999: p99, max: p99 });
const own = (cpu: number) => ({
  gatebench: { load: { samples: 10, cpu_pct_avg: cpu, cpu_pct_p95: cpu, cpu_pct_max: cpu, rss_mb_start: 50, rss_mb_avg: 50, rss_mb_max: 50, rss_mb_end: 50 } },
});

describe("generatorLimit", () => {
  test("late sends or a saturated generator make a step the generator's, not the gateway's", () => {
    expect(generatorLimit(summary({ schedule_lag_ms: lag(0.4), resources: own(40) }), 1)).toBeUndefined();
    expect(generatorLimit(summary({ schedule_lag_ms: lag(30, 12) }), 1)).toContain("schedule lag p50 12 ms");
    // pauses of a busy machine (a tail of late requests) are not a backlog
    expect(generatorLimit(summary({ schedule_lag_ms: lag(30, 0.5) }), 1)).toBeUndefined();
    expect(generatorLimit(summary({ resources: own(95) }), 1)).toContain("95 % CPU");
    // two workers can use two cores
    expect(generatorLimit(summary({ resources: own(150) }), 2)).toBeUndefined();
  });
});

function doc(over: Partial<SweepDoc>): SweepDoc {
  const step = (rate: number, pass: boolean, p99: number) => ({
    rate,
    pass,
    failed: pass ? [] : ["latency.p99 < 50ms"],
    wall_ms: 3000,
    summary: summary({ latency_ms: { ...lag(p99), p50: p99 / 2 }, requests: { ...summary().requests, rate, throughput: rate } }),
  });
  return {
    schema: SWEEP_SCHEMA,
    tool: { version: "0.0.0", commit: "abc", bun: "1.4.5", os: "linux-x64", cpus: 2 },
    config: {},
    sweep: { mode: "search", start_rps: 100, max_rps: 1000, precision: 0.1, budget_ms: 600_000, gates: ["latency.p99 < 50ms"] },
    started_at: "2026-01-01T00:00:00Z",
    target: "http://127.0.0.1:1/v1/chat/completions",
    gateway: "built-in proxy",
    load: "constant arrivals for 10 s",
    // tried out of order, as the search does
    steps: [step(100, true, 20), step(200, true, 30), step(400, false, 90), step(300, true, 45), step(350, false, 60), step(325, true, 48)],
    highest_passing_rps: 325,
    lowest_failing_rps: 350,
    end: "bracketed",
    end_note: "",
    ...over,
  };
}

describe("the sweep report", () => {
  test("rows by rate, the highest passing one marked, the answer last", () => {
    const text = sweepText(doc({}));
    const rates = [...text.matchAll(/│ +(\d+) req\/s │/g)].map((m) => Number(m[1]));
    expect(rates).toEqual([100, 200, 300, 325, 350, 400]);
    expect(text).toMatch(/325 req\/s .*pass ◀ highest/);
    expect(text).toMatch(/350 req\/s .*FAIL: latency\.p99 < 50ms/);
    expect(text.trimEnd().split("\n").at(-1)).toBe(
      "highest rate meeting all SLOs: 325 req/s; 350 req/s did not (failed: latency.p99 < 50ms), so the knee lies between them (within 10 %)",
    );
  });

  test.each([
    [{ end: "max-rate", highest_passing_rps: 1000, lowest_failing_rps: null }, "highest rate meeting all SLOs: 1000 req/s, the cap (--max-rate)"],
    [{ end: "none-passed", highest_passing_rps: null, lowest_failing_rps: 100 }, "no rate met all SLOs: the lowest tried, 100 req/s, failed"],
    [
      { end: "generator", end_note: "at 400 req/s the generator, not the gateway, set the pace" },
      "highest rate meeting all SLOs: at least 325 req/s; at 400 req/s the generator",
    ],
    [{ end: "budget", end_note: "the time budget (60 s) would be passed" }, "highest rate meeting all SLOs so far: 325 req/s; the time budget"],
  ] as const)("%p", (over, line) => {
    expect(verdictLine(doc(over as Partial<SweepDoc>))).toStartWith(line);
  });

  test("plots: latency and CPU against the offered rate, the knee shaded between 325 and 350", () => {
    const plots = sweepPlots(doc({}));
    expect(plots.map((p) => p.id)).toEqual(["sweep-latency", "sweep-cpu"]);
    expect(plots[0]!.xs).toEqual([100, 200, 300, 325, 350, 400]);
    expect(plots[0]!.series[1]!.values).toEqual([20, 30, 45, 48, 60, 90]);
    expect(plots[0]!.bands).toEqual([{ from: 325, to: 350, phase: "knee" }]);
    expect(sweepPlots(doc({ end: "max-rate", lowest_failing_rps: null }))[0]!.bands).toEqual([]);
  });
});
