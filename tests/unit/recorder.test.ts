import { describe, expect, test } from "bun:test";
import { decodeFromCompressedBase64 } from "hdr-histogram-js";
import { encodeHistogram, newHistogram, recordMs, statsOf } from "../../src/metrics/histogram.ts";
import { emptyResult, ErrorKind, type RequestResult } from "../../src/metrics/outcome.ts";
import { Recorder } from "../../src/metrics/recorder.ts";
import { ResourceAccumulator, slope } from "../../src/metrics/resources.ts";
import { summarize } from "../../src/metrics/summary.ts";
import { Timeline } from "../../src/metrics/timeline.ts";

function ok(intendedMs: number, sentMs: number, endMs: number, extra: Partial<RequestResult> = {}): RequestResult {
  return { ...emptyResult(intendedMs), sentMs, headersMs: sentMs + 1, firstByteMs: sentMs + 1, endMs, status: 200, ...extra };
}

describe("histogram stats", () => {
  test("1..1000 ms: percentiles within HDR's 3 significant digits", () => {
    const h = newHistogram();
    for (let ms = 1; ms <= 1000; ms++) recordMs(h, ms);
    const s = statsOf(h)!;
    expect(s.count).toBe(1000);
    expect(s.min).toBe(1);
    expect(s.max).toBeCloseTo(1000, 0);
    for (const [got, want] of [
      [s.p50, 500],
      [s.p90, 900],
      [s.p99, 990],
      [s.p999, 999],
      [s.mean, 500.5],
    ] as const) {
      expect(Math.abs(got - want) / want).toBeLessThan(0.001);
    }
  });

  test("percentiles never read above the max", () => {
    const h = newHistogram();
    for (const ms of [800.3, 801.3, 803.2]) recordMs(h, ms);
    const s = statsOf(h)!;
    expect(s.p999).toBeLessThanOrEqual(s.max);
    expect(s.p50).toBeGreaterThanOrEqual(s.min);
  });

  test("empty histogram has no stats; negative durations clamp to zero", () => {
    expect(statsOf(newHistogram())).toBeUndefined();
    const h = newHistogram();
    recordMs(h, -3);
    expect(statsOf(h)!.max).toBe(0);
  });

  test("encoded histograms decode to the same counts", () => {
    const h = newHistogram();
    for (let i = 0; i < 5000; i++) recordMs(h, (i % 97) + 0.5);
    const back = decodeFromCompressedBase64(encodeHistogram(h));
    expect(back.totalCount).toBe(5000);
    expect(back.getValueAtPercentile(99)).toBe(h.getValueAtPercentile(99));
  });
});

describe("Recorder and summary", () => {
  test("latency is from the intended time, service time from the send", () => {
    const rec = new Recorder();
    // due at 0, sent 40 ms late, answered 10 ms after the send
    rec.add(ok(0, 40, 50));
    const s = summarize(rec, 1000, {});
    expect(s.latency_ms!.max).toBe(50);
    expect(s.service_time_ms!.max).toBe(10);
    expect(s.schedule_lag_ms!.max).toBe(40);
    expect(s.ttfb_ms!.max).toBe(1);
  });

  test("outcomes: counts, status codes, error kinds, success ratio with drops", () => {
    const rec = new Recorder();
    for (let i = 0; i < 6; i++) rec.add(ok(i * 100, i * 100, i * 100 + 10));
    rec.add({ ...ok(600, 600, 605), status: 503, error: ErrorKind.Status });
    rec.add({ ...emptyResult(700), sentMs: 700, endMs: 701, error: ErrorKind.Connect });
    rec.add({ ...ok(800, 800, 900), error: ErrorKind.StreamIncomplete });
    rec.add({ ...emptyResult(900), sentMs: 900, endMs: 950, error: ErrorKind.Other, errorMessage: "boom" });
    rec.drop(0);
    rec.drop(0);
    rec.close();
    const s = summarize(rec, 1000, {});
    expect(s.requests).toEqual({ total: 10, ok: 6, failed: 4, dropped: 2, rate: 10, throughput: 6 /* 6 ok over the 1 s schedule */, success_ratio: 0.5 });
    expect(s.status_codes).toEqual({ "0": 2, "200": 7, "503": 1 });
    expect(s.errors).toEqual({ http_status: 1, connect: 1, stream_incomplete: 1, other: 1 });
    expect(rec.errorSamples[ErrorKind.Other]).toBe("boom");
    // latency covers the successes only
    expect(s.latency_ms!.count).toBe(6);
    expect(() => rec.add(ok(0, 0, 1))).toThrow("add after close");
  });

  test("streams: TTFT from the intended time, TPOT from usage tokens, ITL from gaps", () => {
    const rec = new Recorder();
    rec.gap(30);
    rec.gap(30);
    rec.add(ok(0, 5, 200, { firstContentMs: 80, lastContentMs: 140, contentEvents: 3, usageTokens: 3 }));
    rec.add(ok(100, 100, 300, { firstContentMs: 190, lastContentMs: 250, contentEvents: 4 }));
    const s = summarize(rec, 200, {});
    expect(s.ttft_ms!.min).toBe(80);
    expect(s.ttft_ms!.max).toBe(90);
    expect(s.itl_ms!.count).toBe(2);
    expect(s.tpot_ms!.max).toBe(30); // 60 ms over 3-1 tokens
    expect(s.tpot_ms!.min).toBe(20); // 60 ms over 4-1 counted events
    expect(s.output_tokens!.total).toBe(7);
  });

  test("a usage of 0 beside content that arrived: the content events count, and the streams are said", () => {
    const rec = new Recorder();
    rec.add(ok(0, 0, 200, { firstContentMs: 80, lastContentMs: 140, contentEvents: 4, usageTokens: 0 }));
    rec.add(ok(100, 100, 300, { firstContentMs: 190, lastContentMs: 250, contentEvents: 3, usageTokens: 3 }));
    const s = summarize(rec, 200, {});
    expect(s.output_tokens).toEqual({ total: 7, per_second: expect.any(Number), usage_zero: 1 });
    expect(s.tpot_ms!.min).toBe(20); // 60 ms over 4-1 counted events, not over 0 tokens
    const again = new Recorder();
    again.addData(rec.toData(0), 0);
    expect(again.usageZero).toBe(1);
  });

  test("one hung failure does not stretch the throughput window", () => {
    const rec = new Recorder();
    for (let i = 0; i < 499; i++) rec.add(ok(i * 20, i * 20, i * 20 + 10));
    rec.add({ ...emptyResult(9980), sentMs: 9980, endMs: 69_980, error: ErrorKind.Timeout });
    const s = summarize(rec, 10_000, {});
    expect(s.requests.throughput).toBe(49.9);
  });

  test("rate over the schedule, throughput over the schedule or to the last response if later", () => {
    const rec = new Recorder();
    // 10 requests due every 100 ms, each a 1 s stream
    for (let i = 0; i < 10; i++) rec.add(ok(i * 100, i * 100, i * 100 + 1000));
    const s = summarize(rec, 1000, {});
    expect(s.requests.rate).toBe(10);
    expect(s.requests.throughput).toBeCloseTo(10 / 1.9, 3);
    // a slow trickle that finished early: throughput does not exceed the rate
    const trickle = new Recorder();
    trickle.add(ok(0, 0, 5));
    trickle.add(ok(2000, 2000, 2005));
    const t = summarize(trickle, 4000, {});
    expect(t.requests.rate).toBe(0.5);
    expect(t.requests.throughput).toBe(0.5);
  });
});

describe("ResourceAccumulator", () => {
  test("averages are weighted by time; a reading over a few ms says nothing about CPU", () => {
    const acc = new ResourceAccumulator();
    acc.add("gw", "load", { cpuPct: 80, rssBytes: 0, intervalMs: 250 });
    acc.add("gw", "load", { cpuPct: 20, rssBytes: 0, intervalMs: 750 });
    acc.add("gw", "load", { cpuPct: 0, rssBytes: 0, intervalMs: 3 }); // a phase change right after a tick
    acc.add("gw", "load", { cpuPct: 900, rssBytes: 0, intervalMs: 10 });
    const u = acc.summary().gw!.load!;
    expect(u.cpu_pct_avg).toBe(35); // (80·250 + 20·750) / 1000
    expect(u.cpu_pct_max).toBe(80);
    expect(u.samples).toBe(4);
    acc.add("gw", "drain", { cpuPct: 0, rssBytes: 1024 * 1024, intervalMs: 4 });
    expect(acc.summary().gw!.drain).toEqual({
      samples: 1,
      cpu_pct_avg: null,
      cpu_pct_p95: null,
      cpu_pct_max: null,
      rss_mb_start: 1,
      rss_mb_avg: 1,
      rss_mb_max: 1,
      rss_mb_end: 1,
    });
  });

  test("per process and phase: CPU avg/p95/max, RSS start/avg/max/end in MB, fds and threads", () => {
    const acc = new ResourceAccumulator();
    const MB = 1024 * 1024;
    acc.add("gateway", "idle", { cpuPct: 0, rssBytes: 10 * MB, intervalMs: 250, fds: 10, threads: 4 });
    acc.add("gateway", "idle", { cpuPct: 2, rssBytes: 12 * MB, intervalMs: 250, fds: 12, threads: 4 });
    for (let i = 1; i <= 20; i++) acc.add("gateway", "load", { cpuPct: i * 5, rssBytes: (20 + i) * MB, intervalMs: 250 });
    acc.add("mock", "load", { cpuPct: 10, rssBytes: MB, intervalMs: 250 });
    const s = acc.summary();
    expect(s.gateway!.idle).toEqual({
      samples: 2,
      cpu_pct_avg: 1,
      cpu_pct_p95: 2,
      cpu_pct_max: 2,
      rss_mb_start: 10,
      rss_mb_avg: 11,
      rss_mb_max: 12,
      rss_mb_end: 12,
      fds_max: 12,
      threads_max: 4,
    });
    // CPU 5, 10, …, 100 %: p95 is the 19th of 20
    expect(s.gateway!.load).toEqual({
      samples: 20,
      cpu_pct_avg: 52.5,
      cpu_pct_p95: 95,
      cpu_pct_max: 100,
      rss_mb_start: 21,
      rss_mb_avg: 30.5,
      rss_mb_max: 40,
      rss_mb_end: 40,
    });
    expect(Object.keys(s)).toEqual(["gateway", "mock"]);
  });

  test("memory growth: least-squares slope of RSS over a phase, in MB/min", () => {
    const acc = new ResourceAccumulator();
    const MB = 1024 * 1024;
    // 2 MB per second for 10 s, with noise that averages out: 120 MB/min
    for (let i = 0; i <= 40; i++) acc.add("gw", "load", { cpuPct: 1, rssBytes: (50 + i * 0.5 + (i % 2 ? 0.3 : -0.3)) * MB, intervalMs: 250, atMs: i * 250 });
    expect(acc.rssSlopeMbPerMin("gw", "load")).toBeCloseTo(120, 0);
    expect(
      slope([
        [0, 1],
        [1, 1],
        [2, 1],
      ]),
    ).toBe(0);
    expect(
      slope([
        [0, 1],
        [1, 2],
      ]),
    ).toBeUndefined();
  });
});

describe("merging across workers", () => {
  test("two recorders merged equal one recorder that saw everything: counts, histograms, times", () => {
    const origin = 1000;
    const all = new Recorder(new Timeline(origin));
    const parts = [new Recorder(new Timeline(origin)), new Recorder(new Timeline(origin))];
    for (let i = 0; i < 500; i++) {
      const t = origin + i * 7;
      const r =
        i % 50 === 0
          ? { ...ok(t, t + 1, t + 3), status: 500, error: ErrorKind.Status }
          : ok(t, t + 0.5, t + 5 + (i % 13), { firstContentMs: t + 2, lastContentMs: t + 4, contentEvents: 3 });
      all.add(r);
      parts[i % 2]!.add(r);
    }
    all.drop(origin + 10);
    parts[1]!.drop(origin + 10);
    // a worker's clock has its own origin; its times travel relative to the shared start
    const merged = new Recorder(new Timeline(origin));
    for (const p of parts) {
      merged.addData(structuredClone(p.toData(origin)), origin);
      merged.timeline!.addData(structuredClone(p.timeline!.toData()));
    }
    for (const k of ["total", "ok", "dropped", "outputTokens", "firstSentMs", "lastSentMs", "lastOkEndMs", "lastEndMs"] as const) {
      expect(merged[k]).toBe(all[k]);
    }
    expect(Array.from(merged.statusCounts)).toEqual(Array.from(all.statusCounts));
    expect(Array.from(merged.errorCounts)).toEqual(Array.from(all.errorCounts));
    for (const name of ["latency", "service_time", "ttft", "tpot", "schedule_lag"] as const) {
      expect(statsOf(merged.histograms[name])).toEqual(statsOf(all.histograms[name]));
    }
    expect(merged.timeline!.rows()).toEqual(all.timeline!.rows());
  });

  test("timeline: per-second counts, requests open at each second's end, p50/p99 of that second", () => {
    const tl = new Timeline(0);
    const rec = new Recorder(tl);
    // second 0: ten requests of 10 ms; one sent at 900 ms that ends at 1500 ms; second 1: one failure
    for (let i = 0; i < 10; i++) rec.add(ok(i * 50, i * 50, i * 50 + 10));
    rec.add(ok(900, 900, 1500));
    rec.add({ ...emptyResult(1200), sentMs: 1200, endMs: 1201, error: ErrorKind.Connect });
    rec.drop(2500);
    const rows = tl.rows();
    expect(rows.map((r) => [r.t, r.sent, r.completed, r.errors, r.dropped, r.in_flight])).toEqual([
      [0, 11, 10, 0, 0, 1],
      [1, 1, 2, 1, 0, 0],
      [2, 0, 0, 0, 1, 0],
    ]);
    expect(rows[0]!.p50_ms).toBeCloseTo(10, 0);
    expect(rows[1]!.p99_ms).toBeCloseTo(600, -1);
    expect(rows[2]!.p50_ms).toBeNull();
  });
});
