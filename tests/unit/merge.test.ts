// gatebench merge's maths: two halves of one synthetic load, merged, must
// give the figures of the whole (exact counts; percentiles within the
// histogram's resolution), and parts of different loads are refused.
import { describe, expect, test } from "bun:test";
import { encodeHistogram, newHistogram, recordMs, resolutionUs, statsOf, type Histogram } from "../../src/metrics/histogram.ts";
import { MergeError, mergeResults, mergeTimelines, type MergeInput } from "../../src/metrics/merge/merge.ts";
import { overheadOf } from "../../src/metrics/overhead.ts";
import { Prng } from "../../src/random.ts";
import type { Summary } from "../../src/metrics/summary.ts";
import type { SecondRow } from "../../src/metrics/timeline.ts";
import { SCHEMA, type ResultDoc } from "../../src/metrics/document.ts";
import { textReport } from "../../src/report/text.ts";

/** One request of the synthetic load: its latency, and whether it failed (a 502). */
interface Req {
  latencyMs: number;
  directMs: number;
  failed: boolean;
}

/** n requests; the second half is slower with a longer tail, so averaging the halves' percentiles would be wrong. */
function draw(n: number, seed: number): Req[] {
  const rng = new Prng(seed);
  return Array.from({ length: n }, (_, i) => {
    const slow = i >= n / 2;
    const directMs = (slow ? 20 : 10) - (slow ? 8 : 2) * Math.log(1 - rng.next());
    return { latencyMs: directMs + 1.5 + rng.next(), directMs, failed: rng.next() < 0.01 };
  });
}

const histOf = (ms: number[]): Histogram => {
  const h = newHistogram();
  for (const x of ms) recordMs(h, x);
  return h;
};

const row = (t: number, sent: number): SecondRow => ({ t, phase: "load", sent, completed: sent, errors: 0, dropped: 0, in_flight: 1, p50_ms: 12, p99_ms: 30 });

/** A result document of `reqs`, sent at `rateRps` over `seconds`, as instance `instance` (undefined: none). */
function resultOf(reqs: Req[], o: { instance?: string; rateRps: number; seconds: number; startedAt?: string; config?: Record<string, unknown> }): ResultDoc {
  const ok = reqs.filter((r) => !r.failed);
  const latency = histOf(ok.map((r) => r.latencyMs));
  const direct = histOf(reqs.map((r) => r.directMs));
  const failed = reqs.length - ok.length;
  const requests = (total: number, okN: number): Summary["requests"] => ({
    total,
    ok: okN,
    failed: total - okN,
    dropped: 0,
    rate: total / o.seconds,
    throughput: okN / o.seconds,
    success_ratio: okN / total,
    in_flight_peak: 3,
  });
  const usage = { samples: 4, cpu_pct_avg: 10, cpu_pct_p95: 12, cpu_pct_max: 15, rss_mb_start: 40, rss_mb_avg: 41, rss_mb_max: 42, rss_mb_end: 41 };
  return {
    schema: SCHEMA,
    tool: { version: "0.1.0", commit: "abc", bun: "1.4.5", os: "linux-x64", cpus: 2 },
    config: {
      rateRps: o.rateRps,
      durationMs: o.seconds * 1000,
      stream: false,
      workers: 1,
      seed: 7,
      port: 0,
      mockPort: 0,
      jsonPath: `${o.instance}.json`,
      mock: { flags: {}, seed: 7 },
      ...(o.instance ? { instance: o.instance } : {}),
      ...o.config,
    },
    run: {
      started_at: o.startedAt ?? "2026-01-01T00:00:00.000Z",
      load_model: "open",
      load: `open loop, constant arrivals, ${o.rateRps} req/s for ${o.seconds} s`,
      target: "http://127.0.0.1:8081/v1/chat/completions",
      gateway: { kind: "built-in proxy", pid: 10, port: 8081 },
      load_ms: o.seconds * 1000,
      completed: true,
    },
    summary: {
      requests: requests(reqs.length, ok.length),
      latency_ms: statsOf(latency),
      status_codes: failed > 0 ? { "200": ok.length, "502": failed } : { "200": ok.length },
      errors: failed > 0 ? { http_5xx: failed } : {},
      resources: { gateway: { load: usage }, gatebench: { load: usage } },
      derived: { gateway_cpu_ms_per_request: 0.5, gateway_rss_growth_mb_per_min: 1 },
      direct: { requests: requests(reqs.length, reqs.length), latency_ms: statsOf(direct), status_codes: { "200": reqs.length }, errors: {} },
      warnings: ["something to note"],
    },
    histograms: { latency: encodeHistogram(latency), "direct.latency": encodeHistogram(direct) },
    timeline: Array.from({ length: o.seconds }, (_, t) => row(t, reqs.length / o.seconds)),
    resources_series: { gateway: [{ t_ms: 250, phase: "load", cpu_pct: 10, rss_mb: 41 }] },
  };
}

const N = 20_000;
const all = draw(N, 42);
const whole = resultOf(all, { rateRps: 100, seconds: 100 });
const parts: MergeInput[] = [
  { file: "a.json", doc: resultOf(all.slice(0, N / 2), { instance: "a", rateRps: 50, seconds: 100 }) },
  {
    file: "b.json",
    doc: resultOf(all.slice(N / 2), {
      instance: "b",
      rateRps: 50,
      seconds: 100,
      startedAt: "2026-01-01T00:00:02.300Z",
      config: { seed: 8, mock: { flags: {}, seed: 8 }, port: 9000, jsonPath: "/elsewhere/b.json" },
    }),
  },
];

describe("merging two halves of one load", () => {
  const merged = mergeResults(parts);
  const s = merged.summary;

  test("counts are the whole's exactly; rates add up", () => {
    const w = whole.summary.requests;
    expect(s.requests).toMatchObject({ total: w.total, ok: w.ok, failed: w.failed, dropped: w.dropped, rate: 200, in_flight_peak: 6 });
    expect(s.requests.success_ratio).toBeCloseTo(w.success_ratio, 6);
    expect(s.status_codes).toEqual(whole.summary.status_codes);
    expect(s.errors).toEqual(whole.summary.errors);
    expect(s.latency_ms!.count).toBe(whole.summary.latency_ms!.count);
    expect(Object.keys(merged.histograms).sort()).toEqual(["direct.latency", "latency"]);
  });

  test.each(["min", "p50", "p90", "p95", "p99", "p999", "max", "mean"] as const)("latency %s is the whole's, within the histogram's resolution", (k) => {
    for (const [got, want] of [
      [s.latency_ms!, whole.summary.latency_ms!],
      [s.direct!.latency_ms!, whole.summary.direct!.latency_ms!],
    ] as const) {
      expect(Math.abs(got[k] - want[k])).toBeLessThanOrEqual(resolutionUs(want[k] * 1000) / 1000);
    }
  });

  test("the average of the halves' percentiles would not do (the test can tell)", () => {
    const [a, b] = parts.map((p) => p.doc.summary.latency_ms!);
    const want = whole.summary.latency_ms!.p99;
    expect(Math.abs((a!.p99 + b!.p99) / 2 - want)).toBeGreaterThan(100 * (resolutionUs(want * 1000) / 1000));
  });

  test("the overhead is recomputed from the merged histograms", () => {
    const wholeOverhead = overheadOf(histOf(all.filter((r) => !r.failed).map((r) => r.latencyMs)), histOf(all.map((r) => r.directMs)))!;
    expect(s.overhead_ms!.latency).toEqual(wholeOverhead.value);
    expect(s.overhead_band_ms!.latency).toEqual(wholeOverhead.band);
  });

  test("resources stay per instance; CPU per request over all requests; warnings prefixed", () => {
    expect(Object.keys(s.resources)).toEqual(["gateway@a", "gateway@b", "gatebench@a", "gatebench@b"]);
    expect(Object.keys(merged.resources_series)).toEqual(["gateway@a", "gateway@b"]);
    expect(s.derived).toEqual({ gateway_cpu_ms_per_request: 0.5 });
    expect(merged.run.parts.map((p) => p.derived?.gateway_rss_growth_mb_per_min)).toEqual([1, 1]);
    expect(s.warnings).toContain("a: something to note");
    expect(s.warnings).toContain("b: something to note");
    expect(s.warnings!.some((w) => w.includes("2.3 s apart"))).toBe(true);
  });

  test("config: the total rate, every seed, no instance or output paths; run: the parts", () => {
    expect(merged.config).toMatchObject({ rateRps: 100, seed: [7, 8], instances: ["a", "b"], mockPort: 0, mock: { flags: {}, seed: [7, 8] } });
    for (const k of ["instance", "jsonPath", "port"]) expect(merged.config).not.toHaveProperty(k);
    expect(merged.run.started_at).toBe("2026-01-01T00:00:00.000Z");
    expect(merged.run.completed).toBe(true);
    expect(merged.run.load).toBe("2 instances (a, b), each open loop, constant arrivals, 50 req/s for 100 s: 100 req/s in all");
    expect(merged.run.parts.map((p) => [p.instance, p.file, p.rate_rps, p.requests])).toEqual([
      ["a", "a.json", 50, N / 2],
      ["b", "b.json", 50, N / 2],
    ]);
  });

  test("the timeline: rows added, b shifted by its later start; per-second percentiles dropped", () => {
    const t = merged.timeline;
    expect(t).toHaveLength(102);
    expect(t.map((r) => r.sent).slice(0, 4)).toEqual([100, 100, 200, 200]);
    expect(t.reduce((a, r) => a + r.sent, 0)).toBe(N);
    expect(t.every((r) => r.p50_ms === null && r.p99_ms === null)).toBe(true);
  });

  test("the terminal report renders it", () => {
    const text = textReport(merged);
    expect(text).toContain("2 instances (a, b)");
    expect(text).toContain("gateway@b");
    expect(text).toContain(String(N));
  });
});

describe("merge edge cases", () => {
  test("a part that did not complete is merged, the result marked incomplete", () => {
    const b = structuredClone(parts[1]!.doc);
    b.run.completed = false;
    b.run.ended_early = "interrupted";
    const m = mergeResults([parts[0]!, { file: "b.json", doc: b }]);
    expect(m.run.completed).toBe(false);
    expect(m.run.ended_early).toBe("b: interrupted");
    expect(m.summary.warnings![0]).toContain("not every instance completed");
  });

  test("only some parts with a baseline: no direct figures, no overhead, a warning", () => {
    const b = structuredClone(parts[1]!.doc);
    delete b.summary.direct;
    delete b.histograms["direct.latency"];
    const m = mergeResults([parts[0]!, { file: "b.json", doc: b }]);
    expect(m.summary.direct).toBeUndefined();
    expect(m.summary.overhead_ms).toBeUndefined();
    expect(Object.keys(m.histograms)).toEqual(["latency"]);
    expect(m.summary.warnings![0]).toContain("only some instances have a baseline (a)");
  });

  test("timelines: warm-up only where every part was warming up", () => {
    const warm = (t: number): SecondRow => ({ ...row(t, 5), phase: "warmup" });
    const rows = mergeTimelines([
      { rows: [warm(0), warm(1), row(2, 5)], offsetS: 0 },
      { rows: [warm(0), row(1, 5)], offsetS: 1 },
    ]);
    expect(rows.map((r) => r.phase)).toEqual(["warmup", "warmup", "load"]);
    expect(rows.map((r) => r.in_flight)).toEqual([1, 2, 2]);
  });
});

describe("merge refuses parts that are not one load", () => {
  const refusal = (ps: MergeInput[]): string => {
    try {
      mergeResults(ps);
    } catch (err) {
      expect(err).toBeInstanceOf(MergeError);
      return (err as Error).message;
    }
    throw new Error("merged");
  };
  const withConfig = (p: MergeInput, config: Record<string, unknown>, file = p.file): MergeInput => ({
    file,
    doc: { ...p.doc, config: { ...p.doc.config, ...config } },
  });

  test("a config that differs names the key and both values", () => {
    const msg = refusal([parts[0]!, withConfig(parts[1]!, { stream: true })]);
    expect(msg).toStartWith('cannot merge "a.json" (instance a) and "b.json" (instance b): their configs differ in stream (false vs true);');
  });

  test("every key that differs is named, in the config's order", () => {
    expect(refusal([parts[0]!, withConfig(parts[1]!, { stream: true, durationMs: 5000 })])).toContain(
      "differ in durationMs (100000 vs 5000), stream (false vs true);",
    );
  });

  test("a nested key is named by its path; one missing reads as not set", () => {
    expect(refusal([parts[0]!, withConfig(parts[1]!, { mock: { flags: { latency: "50ms" }, seed: 7 } })])).toContain(
      'differ in mock.flags.latency (not set vs "50ms")',
    );
  });

  test("a ramp does not add up with a constant rate", () => {
    expect(refusal([parts[0]!, withConfig(parts[1]!, { rateToRps: 100 })])).toContain("differ in rateToRps (not set vs 100)");
  });

  test("duplicate instances", () => {
    expect(refusal([parts[0]!, withConfig(parts[1]!, { instance: "a" })])).toContain('"a.json" and "b.json" are both instance "a"');
  });

  test("the same run twice, under any file names: refused by its instance and its load start", () => {
    const twice = refusal([parts[0]!, { ...parts[0]!, file: "copy-of-a.json" }]);
    expect(twice).toStartWith('cannot merge: "a.json" and "copy-of-a.json" are the same run (instance "a", its load started at ');
    // no --instance: the load start alone tells them apart
    const anon = (p: MergeInput, file: string): MergeInput => ({ file, doc: { ...p.doc, config: { ...p.doc.config, instance: undefined } } });
    expect(refusal([anon(parts[0]!, "x.json"), anon(parts[0]!, "y.json")])).toContain('"x.json" and "y.json" are the same run (its load started at');
    expect(() => mergeResults([anon(parts[0]!, "x.json"), anon(parts[1]!, "y.json")])).not.toThrow();
  });

  test("fewer than 2 parts", () => {
    expect(refusal([parts[0]!])).toContain("cannot merge 1 result: give at least 2");
    expect(refusal([])).toContain("cannot merge 0 results");
  });

  test("different schemas", () => {
    const odd = { file: "b.json", doc: { ...parts[1]!.doc, schema: "gatebench/v2" } } as unknown as MergeInput;
    expect(refusal([parts[0]!, odd])).toContain('"b.json" has schema "gatebench/v2"');
  });
});

describe("aligning the parts: by when each load began, when every part says", () => {
  const at = (doc: ResultDoc, started: string, load?: string): ResultDoc => ({
    ...doc,
    run: { ...doc.run, started_at: started, ...(load ? { load_started_at: load } : {}) },
  });
  const a = parts[0]!.doc;
  const b = parts[1]!.doc;

  test("processes started 10 s apart whose loads began together (--start-at): one timeline, no warning", () => {
    const m = mergeResults([
      { file: "a.json", doc: at(a, "2026-01-01T00:00:00.000Z", "2026-01-01T00:00:30.000Z") },
      { file: "b.json", doc: at(b, "2026-01-01T00:00:10.000Z", "2026-01-01T00:00:30.000Z") },
    ]);
    expect(m.timeline).toHaveLength(100);
    expect(m.timeline[0]!.sent).toBe(200);
    expect((m.summary.warnings ?? []).join("\n")).not.toContain("apart");
    expect(m.run.started_at).toBe("2026-01-01T00:00:00.000Z");
    expect(m.run.load_started_at).toBe("2026-01-01T00:00:30.000Z");
  });

  test("loads that began 10 s apart: shifted, and a warning naming the field", () => {
    const m = mergeResults([
      { file: "a.json", doc: at(a, "2026-01-01T00:00:00.000Z", "2026-01-01T00:00:20.000Z") },
      { file: "b.json", doc: at(b, "2026-01-01T00:00:00.000Z", "2026-01-01T00:00:30.000Z") },
    ]);
    expect(m.timeline).toHaveLength(110);
    expect((m.summary.warnings ?? []).join("\n")).toContain("began up to 10 s apart (run.load_started_at");
  });

  test("a part without load_started_at (an older gatebench): every part aligned by started_at, one clock", () => {
    const m = mergeResults([
      { file: "a.json", doc: at(a, "2026-01-01T00:00:00.000Z", "2026-01-01T00:00:30.000Z") },
      { file: "b.json", doc: at(b, "2026-01-01T00:00:00.000Z") },
    ]);
    expect(m.timeline).toHaveLength(100);
    expect(m.run.load_started_at).toBeUndefined();
  });

  test("the earliest start compares instants, not strings: zones may differ", () => {
    const m = mergeResults([
      { file: "a.json", doc: at(a, "2026-01-01T01:00:00.000+02:00") },
      { file: "b.json", doc: at(b, "2026-01-01T00:00:00.000Z") },
    ]);
    expect(m.run.started_at).toBe("2026-01-01T01:00:00.000+02:00");
  });
});
