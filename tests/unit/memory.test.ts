// The memory figures on synthetic RSS series whose answer is known: flat,
// growing linearly, a step then flat, flat with noise; the idle and
// recovered medians; what is null when a phase did not run; and how the
// reports word them.
import { describe, expect, test } from "bun:test";
import {
  memoryFigures,
  RECOVERED_SAMPLES,
  STEADY_BAND_PCT,
  STEADY_MIN_SAMPLES,
  STEADY_MIN_SHARE,
  steadyState,
  steadyTail,
  type RssPoint,
} from "../../src/metrics/memory.ts";
import { ResourceAccumulator } from "../../src/metrics/resources.ts";
import { Prng } from "../../src/random.ts";
import { htmlReport } from "../../src/report/html.ts";
import { memoryLine } from "../../src/report/rows.ts";
import { textReport } from "../../src/report/text.ts";
import { smallResult } from "./result-fixture.ts";

const EVERY_MS = 250;
/** `n` samples every 250 ms from `t0Ms`, RSS by `mb(i)`. */
const series = (n: number, mb: (i: number) => number, t0Ms = 0): RssPoint[] => Array.from({ length: n }, (_, i) => ({ atMs: t0Ms + i * EVERY_MS, mb: mb(i) }));

describe("steady state under load", () => {
  test("flat: settled at its level, no growth rate", () => {
    const r = steadyState(series(40, () => 120));
    expect(r).toEqual({ settled: true, steady_mb: 120, growth_mb_per_min: null });
  });

  test("linear: never settles; the growth rate is the slope in MB/min", () => {
    // 3 MB per 250 ms sample = 720 MB/min
    const perMin = (3 * 60_000) / EVERY_MS;
    const r = steadyState(series(40, (i) => 80 + 3 * i));
    expect(r.settled).toBe(false);
    expect(r.steady_mb).toBeNull();
    expect(r.growth_mb_per_min).toBeCloseTo(perMin, 6);
  });

  test("a slow growth that stays inside the band over the whole load reads as settled (the band is the resolution)", () => {
    // 0.01 MB per sample on 100 MB: 0.4 MB over 40 samples, within 5 %
    expect(steadyState(series(40, (i) => 100 + 0.01 * i)).settled).toBe(true);
  });

  test("a step, then flat: settled at the level after the step, whichever way it stepped", () => {
    const up = steadyState(series(40, (i) => (i < 15 ? 60 : 95)));
    expect(up).toEqual({ settled: true, steady_mb: 95, growth_mb_per_min: null });
    expect(steadyTail(series(40, (i) => (i < 15 ? 60 : 95)))).toBe(25);
    // a cache dropped halfway
    expect(steadyState(series(40, (i) => (i < 20 ? 150 : 110))).steady_mb).toBe(110);
  });

  test("a step too near the end: the level after it is too short to count, so the last half's slope is given", () => {
    // flat for the last 6 of 40 samples: fewer than the minimum and than a quarter of the load
    const late = series(40, (i) => (i < 34 ? 60 : 95));
    expect(steadyTail(late)).toBe(6);
    expect(6).toBeLessThan(Math.max(STEADY_MIN_SAMPLES, STEADY_MIN_SHARE * 40));
    const r = steadyState(late);
    expect(r.settled).toBe(false);
    expect(r.growth_mb_per_min).toBeGreaterThan(0);
  });

  test("noisy flat (±2 %, seeded): settled, at the median of the noise", () => {
    const rng = new Prng(11);
    const noisy = series(80, () => 200 * (1 + (rng.next() - 0.5) * 0.04));
    const r = steadyState(noisy);
    expect(r.settled).toBe(true);
    expect(Math.abs(r.steady_mb! - 200)).toBeLessThan(2);
  });

  test("noise wider than the band around a flat level does not settle", () => {
    // alternating ±4 %: a range of 8 %, over the 5 % band
    expect(STEADY_BAND_PCT).toBeLessThan(8);
    const r = steadyState(series(40, (i) => (i % 2 === 0 ? 96 : 104)));
    expect(r.settled).toBe(false);
    // the slope says "no trend": over the last half it was fitted on (20 samples), it moves less than the noise's 8 MB
    expect(Math.abs(r.growth_mb_per_min!) * ((20 * EVERY_MS) / 60_000)).toBeLessThan(8);
  });

  test("a small process: the 1 MB floor of the band keeps page-sized moves from unsettling it", () => {
    // 10 MB moving by 0.8 MB is 8 %, but under 1 MB
    expect(steadyState(series(40, (i) => (i % 2 === 0 ? 10 : 10.8))).settled).toBe(true);
  });

  test("too few samples to tell: every figure null, never 0", () => {
    expect(steadyState(series(STEADY_MIN_SAMPLES - 1, () => 50))).toEqual({ settled: null, steady_mb: null, growth_mb_per_min: null });
    expect(steadyState([])).toEqual({ settled: null, steady_mb: null, growth_mb_per_min: null });
  });
});

describe("idle and recovered", () => {
  test("idle is the median of the idle phase; recovered the median of the cool-down's last samples", () => {
    const idle = series(9, (i) => (i === 4 ? 500 : 40 + (i % 3)), 0);
    const load = series(20, () => 90, 3000);
    // the cool-down falls from 90 to 60, then holds: its end is 60 whatever came before
    const cool = series(12, (i) => Math.max(60, 90 - 5 * i), 8000);
    const m = memoryFigures(idle, load, cool);
    expect(m.idle_mb).toBe(41);
    expect(m.steady_mb).toBe(90);
    expect(m.recovered_mb).toBe(60);
    expect(RECOVERED_SAMPLES).toBeLessThan(12 - 6);
  });

  test("phases that did not run are null", () => {
    expect(memoryFigures([], [], [])).toEqual({ idle_mb: null, settled: null, steady_mb: null, growth_mb_per_min: null, recovered_mb: null });
  });

  test("the accumulator gives every sampled process its figures from its own phases", () => {
    const acc = new ResourceAccumulator();
    const MB = 1024 * 1024;
    const add = (proc: string, phase: string, n: number, t0: number, mb: (i: number) => number) => {
      for (let i = 0; i < n; i++) acc.add(proc, phase, { cpuPct: 0, rssBytes: mb(i) * MB, intervalMs: EVERY_MS, atMs: t0 + i * EVERY_MS });
    };
    add("gateway", "idle", 4, 0, () => 30);
    add("gateway", "load", 40, 1000, (i) => 30 + 2 * i);
    add("mock", "idle", 4, 0, () => 20);
    add("mock", "load", 40, 1000, () => 25);
    add("mock", "cooldown", 4, 11_000, () => 22);
    const mem = acc.memory();
    expect(mem.gateway).toMatchObject({ idle_mb: 30, settled: false, steady_mb: null, recovered_mb: null });
    expect(mem.gateway!.growth_mb_per_min).toBeCloseTo((2 * 60_000) / EVERY_MS, 3);
    expect(mem.mock).toEqual({ idle_mb: 20, settled: true, steady_mb: 25, growth_mb_per_min: null, recovered_mb: 22 });
  });
});

describe("as the reports word them", () => {
  test("settled, growing, undecided", () => {
    expect(memoryLine({ idle_mb: 30, settled: true, steady_mb: 41.5, growth_mb_per_min: null, recovered_mb: 33 })).toBe(
      "idle 30.0 MB · steady 41.5 MB under load · recovered 33.0 MB after the cool-down",
    );
    expect(memoryLine({ idle_mb: null, settled: false, steady_mb: null, growth_mb_per_min: 480, recovered_mb: null })).toBe(
      "idle - · never settled under load: growing 480 MB/min at its end · no cool-down",
    );
    expect(memoryLine({ idle_mb: 30, settled: null, steady_mb: null, growth_mb_per_min: null, recovered_mb: null })).toContain("too few load samples");
  });

  test("the text and HTML reports show the gateway's line in their resources, and the pinning in their header", () => {
    const doc = smallResult("memory");
    doc.summary.memory = {
      gateway: { idle_mb: 30, settled: false, steady_mb: null, growth_mb_per_min: 480, recovered_mb: null },
      mock: { idle_mb: 20, settled: true, steady_mb: 21, growth_mb_per_min: null, recovered_mb: null },
    };
    doc.run.cpu_pinning = { gateway_cpus: "0", harness_cpus: "1", overlap: null, processes: [{ name: "gateway", pid: 5, cpus_allowed: "0" }] };
    const line = memoryLine(doc.summary.memory.gateway!);
    const text = textReport(doc);
    expect(text).toContain(`Memory        gateway: ${line}`);
    expect(text).toContain("cpus      gateway on 0 (--gateway-cpus 0)");
    const html = htmlReport(doc);
    expect(html).toContain(`<strong>Memory</strong> ${line}`);
    expect(html).toContain("<dt>cpus</dt><dd>gateway on 0 (--gateway-cpus 0)</dd>");
    // a result from before these figures: no line, no header entry
    const old = smallResult("old");
    expect(textReport(old)).not.toContain("Memory ");
    expect(htmlReport(old)).not.toContain("<dt>cpus</dt>");
  });
});
