import { describe, expect, test } from "bun:test";
import { decidedFailure } from "../../src/metrics/gates/early.ts";
import { evaluateSlo, unmeasurable } from "../../src/metrics/gates/evaluate.ts";
import { SloError } from "../../src/metrics/gates/expr.ts";
import { parseSlo } from "../../src/metrics/gates/parse.ts";
import { seedTargets } from "../../src/metrics/targets.ts";
import type { Summary } from "../../src/metrics/summary.ts";

const stats = (p50: number, p99: number) => ({ count: 100, min: p50 / 2, mean: p50, p50, p90: p50, p95: p99, p99, p999: p99, max: p99 * 2 });
const usage = (cpu: number, rss: number) => ({
  samples: 10,
  cpu_pct_avg: cpu,
  cpu_pct_p95: cpu,
  cpu_pct_max: cpu,
  rss_mb_start: rss,
  rss_mb_avg: rss,
  rss_mb_max: rss,
  rss_mb_end: rss,
  fds_max: 12,
  threads_max: 5,
});

/** A summary with known figures: 1000 requests, 995 ok, p99 latency 240 ms, RSS 18 MB idle, 64 MB under load. */
function summary(over: Partial<Summary> = {}): Summary {
  return {
    requests: { total: 1000, ok: 995, failed: 5, dropped: 0, rate: 50, throughput: 49.75, success_ratio: 0.995, in_flight_peak: 12 },
    latency_ms: stats(120, 240),
    ttfb_ms: stats(100, 200),
    status_codes: { "200": 995, "503": 3, "429": 2 },
    errors: { http_status: 5 },
    resources: { gateway: { idle: usage(0.5, 18), load: usage(42, 64) }, mock: { load: usage(10, 40) } },
    direct: {
      requests: { total: 1000, ok: 1000, failed: 0, dropped: 0, rate: 50, throughput: 50, success_ratio: 1 },
      latency_ms: stats(118, 230),
      status_codes: {},
      errors: {},
    },
    overhead_ms: { latency: { p50: 2, p90: 3, p99: 10, p999: 12 } },
    overhead_band_ms: { latency: { p50: 0.1, p90: 0.5, p99: 4, p999: null } },
    derived: { gateway_cpu_ms_per_request: 0.6 },
    ...over,
  };
}

describe("parseSlo: good expressions", () => {
  test.each([
    ["success >= 100%", "success", ">=", 1, "ratio"],
    ["success > 0.999", "success", ">", 0.999, "ratio"],
    ["latency.p99 < 250ms", "latency.p99", "<", 250, "time"],
    ["latency.p99<250ms", "latency.p99", "<", 250, "time"],
    ["  ttft.p95 <= 1.5s ", "ttft.p95", "<=", 1500, "time"],
    ["itl.p50 < 800us", "itl.p50", "<", 0.8, "time"],
    ["latency.max < 1m", "latency.max", "<", 60_000, "time"],
    ["overhead.latency.p99 < 5ms", "overhead.latency.p99", "<", 5, "time"],
    ["rss.load.max < 100MB", "rss.load.max", "<", 100, "size"],
    ["rss.idle.max < 20 MB", "rss.idle.max", "<", 20, "size"],
    ["rss.load.max < 1GB", "rss.load.max", "<", 1024, "size"],
    ["rss.load.max < 512KiB", "rss.load.max", "<", 0.5, "size"],
    ["mock.rss.load.max < 100MB", "mock.rss.load.max", "<", 100, "size"],
    ["cpu.load.avg < 80%", "cpu.load.avg", "<", 80, "percent"],
    ["throughput >= 45", "throughput", ">=", 45, "rate"],
    ["throughput >= 45/s", "throughput", ">=", 45, "rate"],
    ["errors.timeout == 0", "errors.timeout", "==", 0, "count"],
    ["errors != 3", "errors", "!=", 3, "count"],
    ["status.5xx == 0", "status.5xx", "==", 0, "count"],
    ["status.429 <= 10", "status.429", "<=", 10, "count"],
    ["requests.dropped == 0", "requests.dropped", "==", 0, "count"],
    ["direct.latency.p50 < 20ms", "direct.latency.p50", "<", 20, "time"],
    ["cpu_per_request < 2ms", "cpu_per_request", "<", 2, "time"],
    ["tokens.per_second >= 500", "tokens.per_second", ">=", 500, "rate"],
    ["upstream.per_request_sent <= 1", "upstream.per_request_sent", "<=", 1, "number"],
    ["latency.avg < 5ms", "latency.avg", "<", 5, "time"],
    ["latency.median < 5ms", "latency.p50", "<", 5, "time"],
    ["LATENCY.P99 < 1S", "latency.p99", "<", 1000, "time"],
    ["cpu.load.mean < 50%", "cpu.load.mean", "<", 50, "percent"],
    ["rss_growth < 5MB/min", "rss_growth", "<", 5, "number"],
    ["itl.p50 < 800μs", "itl.p50", "<", 0.8, "time"],
    ["overhead.latency.p50 > -1ms", "overhead.latency.p50", ">", -1, "time"],
  ])("%p", (text, metric, op, bound, quantity) => {
    const s = parseSlo(text);
    expect([s.metric, s.op, s.quantity]).toEqual([metric, op, quantity] as never);
    expect(s.bound).toBeCloseTo(bound as number, 9);
    expect(s.expr).toBe((text as string).replace(/\s+/g, " ").trim());
  });
});

describe("parseSlo: bad expressions point at the bad token", () => {
  // [expression, part underlined, words the reason contains]
  test.each([
    ["latency.p99 < 250MB", "250MB", "latency.p99 is a time, and 250MB is a size"],
    ["rss.load.max < 100ms", "100ms", "rss.load.max is a size, and 100ms is a time"],
    ["latency.p99 < 250", "250", "give the bound a unit"],
    ["cpu.load.avg < 80", "80", "write the bound with %"],
    ["errors.timeout == 0ms", "0ms", "is a count"],
    ["success >= 101", "101", "a ratio from 0 to 100 %"],
    ["latency.p99 < 250parsecs", "250parsecs", 'unknown unit "parsecs"'],
    ["latncy.p99 < 3ms", "latncy", 'did you mean "latency"?'],
    ["latency < 3ms", "latency", "needs a statistic"],
    ["latency.p98 < 3ms", "p98", 'unknown statistic "p98"'],
    ["rss.lod.max < 3MB", "lod", 'did you mean "load"?'],
    ["rss.load < 3MB", "load", "needs a statistic"],
    ["errors.timeot == 0", "timeot", 'did you mean "timeout"?'],
    ["overhead.latency.p95 < 5ms", "p95", "unknown overhead percentile"],
    ["status.600 == 0", "600", "status needs a code or a class"],
    ["latency.p99 = 3ms", "=", "use =="],
    ["latency.p99 3ms", "3ms", "expected a comparison"],
    ["latency.p99 <", "", "expected a value after <"],
    ["latency.p99 < fast", "fast", "expected a number"],
    ["latency.p99 < 3ms or so", "or so", 'unexpected "or so"'],
    ["success.p99 >= 1", "p99", "success has no statistic"],
    ["<= 3ms", "<=", "expected a metric name first"],
    ["success >= 150%", "150%", "a ratio from 0 to 100 %"],
    ["latency.p99 < -5ms", "-5ms", "never negative"],
    ["errors.timeout == 0.5", "0.5", "give a whole number"],
    ["rss.load.max < 100M", "100M", "could be MB or minutes: write MB"],
    ["rss.load.max < 100Mb", "100Mb", "megabits"],
    ["latency.p99.9 < 1s", "p99.9", "p999 (the 99.9th)"],
    ["latency.p(99) < 1s", "p(99)", "percentiles are written p50"],
    ["rss_growth < 5MB", "5MB", "plain number (MB/min)"],
  ])("%p", (text, part, reason) => {
    let err: unknown;
    try {
      parseSlo(text as string);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SloError);
    const e = err as SloError;
    expect(e.reason).toContain(reason as string);
    if (part !== "") expect(e.expr.slice(e.at, e.at + e.length)).toBe(part as string);
    // the underline sits under the part
    const lines = e.explain("--slo ").split("\n");
    expect(lines).toHaveLength(3);
    expect(lines[2]!.indexOf("^") - lines[1]!.indexOf(e.expr)).toBe(e.at);
  });

  test("tabs and newlines read as spaces", () => {
    expect(parseSlo("latency.p99\t<\n250ms").expr).toBe("latency.p99 < 250ms");
  });

  test("an empty expression", () => {
    expect(() => parseSlo("  ")).toThrow("empty expression");
  });
});

describe("evaluateSlo on a summary", () => {
  const s = summary();
  test.each([
    ["latency.p99 < 250ms", 240, true],
    ["latency.p99 < 240ms", 240, false],
    ["latency.p99 <= 240ms", 240, true],
    ["latency.p99 < 0.2s", 240, false],
    ["success >= 99.5%", 0.995, true],
    ["success >= 100%", 0.995, false],
    ["success > 0.99", 0.995, true],
    ["rss.idle.max < 20MB", 18, true],
    ["rss.load.max < 60MB", 64, false],
    ["mock.cpu.load.avg < 20%", 10, true],
    ["cpu.load.avg < 40%", 42, false],
    ["throughput >= 45", 49.75, true],
    ["errors == 5", 5, true],
    ["errors.http_status == 0", 5, false],
    ["errors.timeout == 0", 0, true],
    ["status.5xx == 3", 3, true],
    ["status.4xx <= 1", 2, false],
    ["status.200 >= 995", 995, true],
    ["direct.latency.p99 < 235ms", 230, true],
    ["direct.success >= 100%", 1, true],
    ["overhead.latency.p50 < 5ms", 2, true],
    ["cpu_per_request < 1ms", 0.6, true],
    ["fds.load.max < 100", 12, true],
    ["latency.avg < 130ms", 120, true],
    ["latency.median <= 120ms", 120, true],
    ["cpu.load.mean < 50%", 42, true],
  ])("%p → %p, pass %p", (text, value, pass) => {
    const g = evaluateSlo(parseSlo(text as string), s);
    expect(g.value).toBe(value as number);
    expect(g.pass).toBe(pass as boolean);
  });

  test("a metric the run did not measure fails, and says why", () => {
    const g = evaluateSlo(parseSlo("ttft.p95 < 1.5s"), s);
    expect(g).toMatchObject({ value: null, pass: false });
    expect(g.note).toContain("streaming runs only");
  });

  test("an overhead gate near its bound is flagged as within noise; one without a band says so", () => {
    expect(evaluateSlo(parseSlo("overhead.latency.p99 < 12ms"), s).note).toContain("within noise of the bound (±4 ms)");
    expect(evaluateSlo(parseSlo("overhead.latency.p999 < 20ms"), s).note).toContain("too few requests");
    expect(evaluateSlo(parseSlo("overhead.latency.p50 < 5ms"), s).note).toBeUndefined();
  });

  test("units report the summary's units", () => {
    expect(evaluateSlo(parseSlo("rss.load.max < 1GB"), s)).toEqual({ expr: "rss.load.max < 1GB", value: 64, pass: true, unit: "MB" });
    expect(evaluateSlo(parseSlo("errors == 5"), s)).toEqual({ expr: "errors == 5", value: 5, pass: true, unit: "" });
  });
});

describe("what a run must have for a gate", () => {
  const full = { stream: true, baseline: true, mock: true, gatewaySampled: true };
  test.each([
    ["ttft.p95 < 1s", { stream: false }, "streaming runs only"],
    ["overhead.latency.p99 < 5ms", { baseline: false }, "needs the direct baseline"],
    [
      "overhead.ttft.p99 < 5ms",
      { baseline: false, stream: false },
      "needs the direct baseline (--baseline interleaved or sequential), and is measured in streaming runs only",
    ],
    ["rss.load.max < 100MB", { gatewaySampled: false }, "--pid"],
    ["upstream.per_request_sent <= 1", { mock: false }, "mock upstream"],
    [
      "overhead.latency.p50 < 5ms",
      { mock: false, baseline: false },
      "needs the direct baseline, sent to the mock, and --no-mock starts no mock: drop --no-mock, or this gate",
    ],
  ])("%p", (text, lacking, why) => {
    expect(unmeasurable(parseSlo(text as string), full)).toBeUndefined();
    expect(unmeasurable(parseSlo(text as string), { ...full, ...(lacking as object) })).toContain(why as string);
  });
});

describe("decidedFailure: a gate that can no longer pass (--abort-on-fail)", () => {
  const tally = (total: number, ok: number, errors: Record<string, number> = {}, dropped = 0) => ({ total, ok, dropped, errors });
  test("success >= 100%: the first failure decides it, planned or not", () => {
    expect(decidedFailure(parseSlo("success >= 100%"), tally(10, 10), 500)).toBeUndefined();
    expect(decidedFailure(parseSlo("success >= 100%"), tally(10, 9), 500)).toContain("at most 99.8%");
    expect(decidedFailure(parseSlo("success >= 100%"), tally(10, 9), undefined)).toContain("1 request failed");
    expect(decidedFailure(parseSlo("success >= 100%"), tally(10, 10, {}, 1), undefined)).toContain("failed or dropped");
  });
  test("success >= 99% of 1000 planned: decided past the 10th failure, not before; never without a plan", () => {
    const g = parseSlo("success >= 99%");
    expect(decidedFailure(g, tally(100, 90), 1000)).toBeUndefined();
    expect(decidedFailure(g, tally(100, 89), 1000)).toContain("11 of the 1000 planned");
    expect(decidedFailure(g, tally(100, 50), undefined)).toBeUndefined();
  });
  test("counts only grow: errors.timeout == 0 at the first timeout, errors < 3 at the third error", () => {
    expect(decidedFailure(parseSlo("errors.timeout == 0"), tally(5, 5), 100)).toBeUndefined();
    expect(decidedFailure(parseSlo("errors.timeout == 0"), tally(5, 4, { timeout: 1 }), 100)).toContain("1 timeout error so far");
    expect(decidedFailure(parseSlo("errors < 3"), tally(5, 3), 100)).toBeUndefined();
    expect(decidedFailure(parseSlo("errors < 3"), tally(5, 2), 100)).toContain("3 failed requests");
    expect(decidedFailure(parseSlo("requests.dropped == 0"), tally(5, 5, {}, 2), 100)).toContain("2 dropped");
  });
  test("gates decided only at the end are never decided early", () => {
    expect(decidedFailure(parseSlo("latency.p99 < 1ms"), tally(1000, 0), 1000)).toBeUndefined();
    expect(decidedFailure(parseSlo("errors > 3"), tally(1000, 0), 1000)).toBeUndefined();
  });
});

describe("seed targets", () => {
  const verdicts = (s: Summary, stream: boolean) => Object.fromEntries(seedTargets(s, { stream }).map((t) => [t.expr, t.pass]));
  test("a unary run: success, idle RSS and overhead judged; 100 streams not", () => {
    expect(verdicts(summary(), false)).toEqual({
      "success >= 100%": false,
      "rss.idle.max < 20MB": true,
      "rss.load.max < 100MB": null,
      "overhead.latency.p50 < 5ms": true,
    });
  });
  test("a streaming run holding 100 streams judges memory; overhead is stated for unary runs", () => {
    const s = summary({ requests: { ...summary().requests, in_flight_peak: 120, ok: 1000, failed: 0, success_ratio: 1 } });
    expect(verdicts(s, true)).toEqual({
      "success >= 100%": true,
      "rss.idle.max < 20MB": true,
      "rss.load.max < 100MB": true,
      "overhead.latency.p50 < 5ms": null,
    });
  });
  test("fewer streams than 100: n/a with a rate that would hold them, unless memory is already over", () => {
    const few = seedTargets(summary({ ttft_ms: stats(80, 90), latency_ms: stats(800, 900) }), { stream: true }).find((t) => t.expr.startsWith("rss.load"))!;
    expect(few.pass).toBeNull();
    expect(few.note).toContain("held at most 12 streams open; e.g. --stream --rate 138");
    const over = seedTargets(summary({ resources: { gateway: { idle: usage(1, 18), load: usage(40, 150) } } }), { stream: true }).find((t) =>
      t.expr.startsWith("rss.load"),
    )!;
    expect(over.pass).toBe(false);
    expect(over.note).toContain("already over with 12 streams");
  });
  test("the built-in proxy, gatebench's reference: its memory is not judged, the rest is", () => {
    const s = summary({ requests: { ...summary().requests, in_flight_peak: 120, ok: 1000, failed: 0, success_ratio: 1 } });
    const results = seedTargets(s, { stream: false, reference: true });
    expect(Object.fromEntries(results.map((t) => [t.expr, t.pass]))).toEqual({
      "success >= 100%": true,
      "rss.idle.max < 20MB": null,
      "rss.load.max < 100MB": null,
      "overhead.latency.p50 < 5ms": true,
    });
    expect(results[1]!.note).toBe("the built-in proxy is gatebench's reference (a Bun process), not a gateway under test: give --gateway or --target");
  });
  test("no baseline: the overhead target is n/a", () => {
    const s = summary({ overhead_ms: undefined, overhead_band_ms: undefined });
    expect(seedTargets(s, { stream: false }).find((t) => t.expr.startsWith("overhead"))!.note).toContain("--baseline");
  });
});
