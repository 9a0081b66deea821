import { describe, expect, test } from "bun:test";
import type { PhaseUsage } from "../../src/metrics/resources.ts";
import type { Summary } from "../../src/metrics/summary.ts";
import { warningsFor } from "../../src/metrics/warnings.ts";
import { answerMs, sliceFor } from "../../src/run/config.ts";

const usage = (start: number, max: number, end: number, cpu = 10): PhaseUsage => ({
  samples: 240,
  cpu_pct_avg: cpu,
  cpu_pct_p95: cpu,
  cpu_pct_max: cpu,
  rss_mb_start: start,
  rss_mb_avg: (start + max) / 2,
  rss_mb_max: max,
  rss_mb_end: end,
});

function summary(extra: Partial<Summary> = {}): Summary {
  return {
    requests: { total: 100, ok: 100, failed: 0, dropped: 0, rate: 10, throughput: 10, success_ratio: 1, in_flight_peak: 5 },
    schedule_lag_ms: { count: 100, min: 0, mean: 0.1, p50: 0.05, p90: 0.1, p95: 0.2, p99: 0.4, p999: 0.5, max: 0.5 },
    status_codes: { "200": 100 },
    errors: {},
    resources: {},
    ...extra,
  };
}

const facts = { loadMs: 60_000, sampleIntervalMs: 250, maxInFlight: 10_000 };

describe("warnings", () => {
  test("a clean run has none", () => {
    expect(warningsFor(summary(), facts)).toEqual([]);
  });

  test("memory that grows under load and stays up after the cool-down: a possible leak", () => {
    const s = summary({
      resources: { gateway: { load: usage(50, 110, 110), cooldown: usage(110, 110, 108) } },
      derived: { gateway_rss_growth_mb_per_min: 60 },
    });
    expect(warningsFor(s, facts).join(" ")).toContain("grew 60 MB/min under load (50 → 110 MB) and was still 108 MB after the cool-down: a leak is possible");
  });

  test("growth that comes back in the cool-down, or a short run, is not called a leak", () => {
    const back = summary({
      resources: { gateway: { load: usage(50, 110, 110), cooldown: usage(110, 110, 55) } },
      derived: { gateway_rss_growth_mb_per_min: 60 },
    });
    expect(warningsFor(back, facts)).toEqual([]);
    const short = summary({ resources: { gateway: { load: usage(50, 110, 110) } }, derived: { gateway_rss_growth_mb_per_min: 60 } });
    expect(warningsFor(short, { ...facts, loadMs: 20_000, sampleIntervalMs: 250 }).filter((w) => w.includes("leak"))).toEqual([]);
  });

  test("open requests near the open-file limit, and past fetch's connection pool", () => {
    const s = summary({ requests: { ...summary().requests, in_flight_peak: 900 } });
    const w = warningsFor(s, { ...facts, fdLimit: 1024, poolSize: 64 }).join(" ");
    expect(w).toContain("close to the open-file limit of 1024 (ulimit -n)");
    expect(w).toContain("at most 64 idle connections");
  });

  test("schedule lag, next to the latencies measured: over a tenth of the latency p99 reported, over half as the generator setting the pace", () => {
    const latency = (p99: number) => ({ count: 100, min: 1, mean: p99 / 2, p50: p99 / 2, p90: p99, p95: p99, p99, p999: p99, max: p99 });
    const lag = (p99: number, latencyP99: number) =>
      summary({ schedule_lag_ms: { ...summary().schedule_lag_ms!, p99, max: p99 }, latency_ms: latency(latencyP99) });
    // 2 ms next to a stream of 800 ms: noise, not a warning (the old fixed 1 ms threshold warned on nearly every run)
    expect(warningsFor(lag(2, 800), facts)).toEqual([]);
    expect(warningsFor(lag(8, 800), facts)).toEqual([]);
    expect(warningsFor(lag(2, 12), facts).join(" ")).toContain(
      "1 % of requests left more than 2 ms after they were due (schedule lag p99, 17 % of the latency p99 of 12 ms; max 2 ms)",
    );
    expect(warningsFor(lag(8, 12), facts).join(" ")).toContain(
      "gatebench fell behind its own schedule (schedule lag p99 8 ms, 67 % of the latency p99 of 12 ms",
    );
    // under 1 ms is the figures' resolution, whatever the latency
    expect(warningsFor(lag(0.9, 2), facts)).toEqual([]);
    expect(warningsFor(lag(8, 12), { ...facts, closedLoop: true })).toEqual([]);
    // nothing succeeded: nothing to compare the lag with
    expect(warningsFor(lag(8, 12), facts).length).toBe(1);
    expect(warningsFor(summary({ schedule_lag_ms: { ...summary().schedule_lag_ms!, p99: 8, max: 8 } }), facts)).toEqual([]);
  });
});

describe("baseline slices", () => {
  test("the default slice is 1 s, or 5 answers of the mock when longer, in whole seconds", () => {
    const mock = { latencyMs: 10, ttftMs: 80, itlMs: 30, tokens: 25, tokensPerChunk: 1 };
    expect(answerMs(mock, false, undefined)).toBe(10);
    expect(answerMs(mock, true, undefined)).toBe(800);
    expect(answerMs(mock, true, 5)).toBe(200);
    expect(answerMs({ ...mock, tokensPerChunk: 5 }, true, undefined)).toBe(200);
    expect(sliceFor(10)).toBe(1000);
    expect(sliceFor(800)).toBe(4000);
    expect(sliceFor(3000)).toBe(15_000);
  });

  test("answers long next to the slice are reported", () => {
    const s = summary({ latency_ms: { count: 100, min: 790, mean: 801, p50: 800, p90: 805, p95: 806, p99: 810, p999: 812, max: 812 } });
    expect(warningsFor(s, { ...facts, sliceMs: 1000 }).join(" ")).toContain("long next to the 1 s slices of the interleaved baseline");
    // the default slice for an 800 ms answer is 4 s: a hair over 800 ms there is no warning
    expect(warningsFor(s, { ...facts, sliceMs: 4000 }).join(" ")).not.toContain("slices");
    expect(warningsFor(s, { ...facts, sliceMs: 3000 }).join(" ")).toContain("slices");
    expect(warningsFor(s, facts).join(" ")).not.toContain("slices");
  });
});

describe("too few resource samples", () => {
  const withSamples = (phases: Record<string, number>) =>
    summary({ resources: { gateway: Object.fromEntries(Object.entries(phases).map(([p, n]) => [p, { ...usage(50, 50, 50), samples: n }])) } });
  const f = { ...facts, loadMs: 8_750, sampleIntervalMs: 250 }; // 35 samples due while the load ran

  test("an interleaved baseline splits the load's samples between the gateway's slices and the direct ones: not too few", () => {
    expect(warningsFor(withSamples({ load: 17, baseline: 16, drain: 2 }), f).join(" ")).not.toContain("resource samples");
  });

  test("fewer than half of those due, over every phase of the load: warned", () => {
    expect(warningsFor(withSamples({ load: 8, baseline: 8 }), f).join(" ")).toContain("only 16 resource samples while the load ran (about 35 expected)");
  });
});
