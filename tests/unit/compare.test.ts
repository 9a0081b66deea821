// gatebench compare's maths and table, from synthetic results with known
// differences: a shift beyond noise is flagged, the same data is not, too
// few requests cannot tell, each metric has its direction, and the
// --fail-on-regression bound decides what fails.
import { describe, expect, test } from "bun:test";
import { regressionBoundPct } from "../../src/cli/commands/compare.ts";
import { UsageError } from "../../src/cli/errors.ts";
import { compareRuns, NOISE_FLOOR, okPerSecond, proportionBand, tCritical95, welchBand, type CompareRow } from "../../src/metrics/compare.ts";
import { encodeHistogram, newHistogram, recordMs, statsOf } from "../../src/metrics/histogram.ts";
import { Prng } from "../../src/random.ts";
import type { SecondRow } from "../../src/metrics/timeline.ts";
import { compareDoc, compareText, settingDifferences } from "../../src/report/compare.ts";
import type { ResultDoc } from "../../src/metrics/document.ts";
import { smallResult } from "./result-fixture.ts";

interface Shape {
  /** Requests (one latency each). */
  n?: number;
  /** Latency: base + exponential(2 ms), times `scale`. */
  scale?: number;
  seed?: number;
  /** Successful requests of n. */
  ok?: number;
  /** Successful responses in each second of the load. */
  perSecond?: number[];
  /** The gateway's load-phase CPU % samples (RSS samples: 50 MB + CPU/10). */
  cpu?: number[];
  /** Also a TTFT histogram (a streaming run). */
  stream?: boolean;
  /** Overhead p50 in ms, with its band. */
  overhead?: [number, number];
}

/** A result document with latencies drawn from a seeded distribution. */
function result(s: Shape = {}): ResultDoc {
  const n = s.n ?? 2_000;
  const doc = smallResult("synthetic");
  const rng = new Prng(s.seed ?? 1);
  const latency = newHistogram();
  const ttft = newHistogram();
  for (let i = 0; i < n; i++) {
    const ms = (10 - 2 * Math.log(1 - rng.next())) * (s.scale ?? 1);
    recordMs(latency, ms);
    recordMs(ttft, ms / 2);
  }
  const ok = s.ok ?? n;
  const perSecond = s.perSecond ?? [100, 100, 100, 100];
  const cpu = s.cpu ?? [];
  doc.summary.requests = {
    total: n,
    ok,
    failed: n - ok,
    dropped: 0,
    rate: 100,
    throughput: perSecond.reduce((a, x) => a + x, 0) / perSecond.length,
    success_ratio: ok / n,
  };
  doc.summary.latency_ms = statsOf(latency);
  doc.histograms = { latency: encodeHistogram(latency), ...(s.stream ? { ttft: encodeHistogram(ttft) } : {}) };
  doc.timeline = perSecond.map(
    (c, t): SecondRow => ({ t, phase: "load", sent: 100, completed: c, errors: 0, dropped: 0, in_flight: 0, p50_ms: null, p99_ms: null }),
  );
  doc.resources_series = { gateway: cpu.map((c, i) => ({ t_ms: 250 * i, phase: "load", cpu_pct: c, rss_mb: 50 + c / 10 })) };
  if (cpu.length > 0) {
    const avg = cpu.reduce((a, x) => a + x, 0) / cpu.length;
    const load = {
      samples: cpu.length,
      cpu_pct_avg: avg,
      cpu_pct_p95: null,
      cpu_pct_max: null,
      rss_mb_start: 50,
      rss_mb_avg: 50 + avg / 10,
      rss_mb_max: 60,
      rss_mb_end: 50,
    };
    doc.summary.resources = { gateway: { load } };
  }
  if (s.overhead) {
    const [v, band] = s.overhead;
    doc.summary.overhead_ms = { latency: { p50: v, p90: v, p99: v, p999: v } };
    doc.summary.overhead_band_ms = { latency: { p50: band, p90: band, p99: null, p999: null } };
  }
  return doc;
}

const rowOf = (rows: CompareRow[], key: string): CompareRow => {
  const r = rows.find((x) => x.key === key);
  if (!r) throw new Error(`no row ${key} in ${rows.map((x) => x.key).join(", ")}`);
  return r;
};

describe("statistics", () => {
  test.each([
    [1, 12.706],
    [2, 4.303],
    [2.5, 3.575], // Welch's df need not be whole
    [5, 2.571],
    [30, 2.042],
    [120, 1.98],
    [1e7, 1.96],
  ])("t critical value (95 %%, two-sided) for df %d is %d", (df, t) => {
    expect(tCritical95(df)).toBeCloseTo(t, 3);
  });

  test("Welch's band: t(df) × standard error of the difference of the means", () => {
    // variances 1 and 1, n = 3 each: se = √(2/3), df = 4, t = 2.776
    expect(welchBand([1, 2, 3], [4, 5, 6])!).toBeCloseTo(2.7764 * Math.sqrt(2 / 3), 3);
    expect(welchBand([1, 2], [4, 5, 6])).toBeNull();
    expect(welchBand([5, 5, 5], [5, 5, 5])).toBe(0);
  });

  test("two-proportion band: a few failures in a large run are within it, many are not", () => {
    const band = proportionBand(10_000, 10_000, 9_995, 10_000)!;
    expect(0.0005).toBeLessThanOrEqual(band);
    expect(0.01).toBeGreaterThan(proportionBand(1_000, 1_000, 990, 1_000)!);
    expect(proportionBand(1, 0, 1, 1)).toBeNull();
  });

  test("per-second throughput leaves out the warm-up, the drain and a partial last second", () => {
    const row = (t: number, phase: "warmup" | "load", sent: number, completed: number, errors = 0): SecondRow => ({
      t,
      phase,
      sent,
      completed,
      errors,
      dropped: 0,
      in_flight: 0,
      p50_ms: null,
      p99_ms: null,
    });
    const rows = [row(0, "warmup", 50, 50), row(1, "load", 100, 99, 2), row(2, "load", 100, 100), row(3, "load", 40, 41), row(4, "load", 0, 3)];
    expect(okPerSecond(rows)).toEqual([97, 100]);
    expect(okPerSecond([row(0, "load", 100, 99), row(1, "load", 100, 100), row(2, "load", 0, 1)])).toEqual([99, 100]);
    expect(okPerSecond(undefined)).toEqual([]);
  });
});

describe("compare two runs", () => {
  test("a 20 % slower latency is worse beyond noise, and a regression at a 10 % bound but not at 30 %", () => {
    const a = result({ seed: 1 });
    const b = result({ seed: 2, scale: 1.2 });
    const rows = compareRuns(a, b, 10);
    for (const key of ["latency.p50", "latency.p90", "latency.p99"]) {
      const r = rowOf(rows, key);
      expect(r.verdict).toBe("worse");
      expect(r.change_pct!).toBeGreaterThan(10);
      expect(r.regression).toBe(true);
    }
    expect(compareRuns(a, b, 30).some((r) => r.regression)).toBe(false);
    // and without a bound nothing is a regression, whatever the verdict
    expect(compareRuns(a, b).some((r) => r.regression)).toBe(false);
  });

  test("the same data is within noise everywhere; two draws of the same distribution too", () => {
    const a = result({ seed: 1, cpu: [4, 8, 4, 4, 8, 4] });
    for (const r of compareRuns(a, result({ seed: 1, cpu: [4, 8, 4, 4, 8, 4] }), 0)) {
      expect([r.key, r.verdict]).toEqual([r.key, r.band === null ? "n/a" : "noise"]);
    }
    const other = compareRuns(a, result({ seed: 3, cpu: [8, 4, 4, 8, 4, 4] }), 10);
    for (const key of ["latency.p50", "latency.p90", "latency.p99", "throughput", "success_ratio", "gateway.cpu_pct_avg"])
      expect(rowOf(other, key).verdict).toBe("noise");
    expect(other.some((r) => r.regression)).toBe(false);
  });

  test("too few requests beyond a percentile: cannot tell, never a regression", () => {
    // 200 requests: 2 beyond p99, none beyond p99.9
    const rows = compareRuns(result({ n: 200, seed: 1 }), result({ n: 200, seed: 2, scale: 2 }), 10);
    for (const key of ["latency.p99", "latency.p999"]) {
      expect(rowOf(rows, key).verdict).toBe("n/a");
      expect(rowOf(rows, key).band).toBeNull();
      expect(rowOf(rows, key).regression).toBe(false);
    }
    expect(rowOf(rows, "latency.p50").regression).toBe(true);
  });

  test("too short or missing series: throughput, CPU and RSS cannot tell", () => {
    const rows = compareRuns(result({ perSecond: [100, 100], cpu: [4, 4] }), result({ perSecond: [50, 50], cpu: [40, 40] }), 10);
    for (const key of ["throughput", "gateway.cpu_pct_avg", "gateway.rss_mb_avg"]) expect([key, rowOf(rows, key).verdict]).toEqual([key, "n/a"]);
    // no resource samples at all: no resource rows
    expect(compareRuns(result(), result()).some((r) => r.key.startsWith("gateway."))).toBe(false);
  });

  test("an honest floor: throughput that barely varies within a run has a band of its run-to-run noise, not ±0", () => {
    // an open loop's per-second counts are all but constant: Welch's band alone is 0
    const a = result({ perSecond: [50, 50, 50, 50, 50, 50] });
    const b = result({ perSecond: [50, 50, 50, 50, 50, 49.94] });
    const r = rowOf(compareRuns(a, b, 0), "throughput");
    expect(r.change_pct!).toBeCloseTo(-0.02, 2);
    expect(r.band!).toBeGreaterThanOrEqual(NOISE_FLOOR.throughput * 50);
    expect(r).toMatchObject({ verdict: "noise", regression: false });
    // beyond the floor, still told
    expect(rowOf(compareRuns(a, result({ perSecond: [47, 47, 47, 47, 47, 47] }), 0), "throughput").verdict).toBe("worse");
    // a percentile: the same draws scaled by 5 % are within the noise of separate runs; by 30 %, not
    expect(rowOf(compareRuns(result({ n: 20_000 }), result({ n: 20_000, scale: 1.05 })), "latency.p50").verdict).toBe("noise");
    expect(rowOf(compareRuns(result({ n: 20_000 }), result({ n: 20_000, scale: 1.3 })), "latency.p50").verdict).toBe("worse");
  });

  test("direction: latency down is better, throughput down is worse, throughput up better", () => {
    const base = result({ seed: 1, perSecond: [100, 101, 99, 100, 100] });
    const faster = compareRuns(base, result({ seed: 2, scale: 0.8 }), 10);
    expect(rowOf(faster, "latency.p50").verdict).toBe("better");
    expect(rowOf(faster, "latency.p50").regression).toBe(false);
    const fewer = compareRuns(base, result({ perSecond: [80, 79, 81, 80, 80] }), 10);
    expect(rowOf(fewer, "throughput").verdict).toBe("worse");
    expect(rowOf(fewer, "throughput").regression).toBe(true);
    expect(rowOf(fewer, "throughput").change_pct!).toBeCloseTo(-20, 0);
    expect(rowOf(compareRuns(base, result({ perSecond: [120, 121, 119, 120, 120] }), 10), "throughput").verdict).toBe("better");
  });

  test("success: 90 % against 100 % is a regression at a 5 % bound; 999 of 1000 is noise", () => {
    const a = result({ n: 1_000 });
    expect(rowOf(compareRuns(a, result({ n: 1_000, ok: 900 }), 5), "success_ratio").regression).toBe(true);
    expect(rowOf(compareRuns(a, result({ n: 1_000, ok: 999 }), 5), "success_ratio").verdict).toBe("noise");
  });

  test("CPU: Welch's test on the load-phase samples; RSS max shown, not tested", () => {
    const rows = compareRuns(result({ cpu: [10, 12, 11, 10, 12, 11, 10, 12] }), result({ cpu: [20, 22, 21, 20, 22, 21, 20, 22] }), 10);
    expect(rowOf(rows, "gateway.cpu_pct_avg").regression).toBe(true);
    expect(rowOf(rows, "gateway.rss_mb_max")).toMatchObject({ verdict: "n/a", test: "none", gated: false });
  });

  test("overhead: compared in ms against both runs' bands and the run-to-run noise of the latency, never gated", () => {
    const [a, b] = [result({ overhead: [0.2, 0.05] }), result({ overhead: [1.2, 0.05] })];
    const rows = compareRuns(a, b, 10);
    const r = rowOf(rows, "overhead.latency.p50");
    expect(r).toMatchObject({ verdict: "worse", gated: false, regression: false, relative: false });
    const floor = NOISE_FLOOR.overhead * Math.max(a.summary.latency_ms!.p50, b.summary.latency_ms!.p50);
    expect(r.band!).toBeCloseTo(Math.hypot(0.05, 0.05, floor), 6);
    expect(rowOf(rows, "overhead.latency.p99").verdict).toBe("n/a");
    expect(rowOf(compareRuns(result({ overhead: [0.2, 0.05] }), result({ overhead: [0.25, 0.05] })), "overhead.latency.p50").verdict).toBe("noise");
  });

  test("TTFT only when both runs streamed", () => {
    expect(compareRuns(result({ stream: true }), result()).some((r) => r.key.startsWith("ttft."))).toBe(false);
    const rows = compareRuns(result({ stream: true, seed: 1 }), result({ stream: true, seed: 2, scale: 1.5 }), 10);
    expect(rowOf(rows, "ttft.p50").regression).toBe(true);
  });
});

describe("the comparison as a table", () => {
  const files = (b: ResultDoc, c?: ResultDoc) => [
    { path: "a.json", doc: result({ seed: 1 }) },
    { path: "b.json", doc: b },
    ...(c ? [{ path: "c.json", doc: c }] : []),
  ];

  test("a regression is marked and named in the verdict line", () => {
    const out = compareText(compareDoc(files(result({ seed: 2, scale: 1.2 })), 10));
    expect(out).toMatch(/latency p50 .* worse ✗/);
    expect(out).toMatch(/FAIL: B \(b\.json\) is worse than A beyond noise by more than 10 % in latency p50 \(\+\d+\.\d %\)/);
    expect(out).not.toContain("\x1b[");
  });

  test("no regression: OK per file; each later file gets its columns", () => {
    const cmp = compareDoc(files(result({ seed: 3 }), result({ seed: 4, scale: 0.8 })), 10);
    expect(cmp.regressions).toEqual([]);
    const out = compareText(cmp, { verbose: true });
    expect(out).toContain("B vs A");
    expect(out).toContain("C vs A");
    expect(out).toContain("noise (95 %)");
    expect(out).toContain("OK: no gated metric of B (b.json)");
    expect(out).toContain("OK: no gated metric of C (c.json)");
  });

  test("colour only when asked: ✗ red, worse yellow, better green; the same table without it", () => {
    const cmp = compareDoc(files(result({ seed: 2, scale: 1.2 }), result({ seed: 3, scale: 0.8 })), 10);
    const plain = compareText(cmp);
    const coloured = compareText(cmp, { color: true });
    expect(coloured).toContain("\x1b[31mworse ✗\x1b[39m");
    expect(coloured).toContain("\x1b[32mbetter\x1b[39m");
    expect(coloured.replace(/\x1b\[\d+m/g, "")).toBe(plain);
  });

  test("settings and tool versions that differ are noted; ports and seeds are not", () => {
    const b = result({ seed: 2 });
    b.config = { ...b.config, seed: 99, port: 1234, stream: true, mock: { flags: { latency: "12ms" }, seed: 5 } };
    b.tool = { ...b.tool, version: "0.2.0", commit: "def" };
    expect(settingDifferences(result(), b)).toEqual(["stream: false → true", "mock latency: default → 12ms"]);
    // Poisson arrivals drawn from another seed are the same load
    const poisson = (seed: number): ResultDoc => ({
      ...result(),
      run: { ...result().run, load: `open loop, poisson (seed ${seed}) arrivals, 100 req/s for 4 s` },
    });
    expect(settingDifferences(poisson(1), poisson(2))).toEqual([]);
    const notes = compareDoc(files(b)).notes.join("\n");
    expect(notes).toContain("the runs' settings differ (stream: false → true; mock latency: default → 12ms)");
    expect(notes).toContain("different gatebench versions (gatebench 0.0.0 (abc) → gatebench 0.2.0 (def))");
  });
});

describe("--fail-on-regression", () => {
  test.each([
    ["10%", 10],
    [" 2.5 % ", 2.5],
    ["0%", 0],
    ["150%", 150],
  ])("%p → %d", (v, pct) => {
    expect(regressionBoundPct(v)).toBe(pct);
  });

  test.each(["10", "0.1", "ten%", "-5%", ""])("%p is refused with an example", (v) => {
    expect(() => regressionBoundPct(v)).toThrow(UsageError);
    expect(() => regressionBoundPct(v)).toThrow(/--fail-on-regression ".*": expected a percentage with %, e.g. --fail-on-regression 10%/);
  });
});
