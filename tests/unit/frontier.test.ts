// The frontier's pure parts, from tables: the ladder, what makes a rung the
// rig's, the reading at each bound with its evidence (over, failures, rig,
// floor, none) on the latency's p99 or a stream's time to the first
// token's, streams sustained, the added latency (its rate, length and
// units), the flags, the report's lines and the board of several gateways.
import { describe, expect, test } from "bun:test";
import { boundsFlag, onceFlag, planOf } from "../../src/cli/commands/frontier-flags.ts";
import { UsageError } from "../../src/cli/errors.ts";
import type { Stats } from "../../src/metrics/histogram.ts";
import {
  ADDED_MAX_RPS,
  addedDurationMs,
  addedOf,
  addedRate,
  doublingLadder,
  type FrontierRung,
  missAt,
  readingsOf,
  refusedRung,
  requestsForBand,
  type RigKind,
  rigLimit,
  rungOf,
  stopAfter,
} from "../../src/metrics/frontier.ts";
import { eventsPerStream, streamsSustained } from "../../src/metrics/frontier-streams.ts";
import type { Summary } from "../../src/metrics/summary.ts";
import { addedLine, evidence, FRONTIER_SCHEMA, type FrontierDoc, fmtAdded, frontierText, streamsLine } from "../../src/report/frontier.ts";
import { boardOf, boardText } from "../../src/report/frontier-compare.ts";
import { frontierPlot } from "../../src/report/frontier-html.ts";

const stats = (p50: number, p99: number, count = 100, max = p99): Stats => ({ count, min: p50, mean: p50, p50, p90: p99, p95: p99, p99, p999: p99, max });

function summary(
  o: { ok?: number; failed?: number; dropped?: number; throughput?: number; p50?: number; p99?: number; extra?: Partial<Summary> } = {},
): Summary {
  const ok = o.ok ?? 100;
  const failed = o.failed ?? 0;
  return {
    requests: { total: ok + failed, ok, failed, dropped: o.dropped ?? 0, rate: 100, throughput: o.throughput ?? 100, success_ratio: ok / (ok + failed) },
    latency_ms: ok > 0 ? stats(o.p50 ?? 1, o.p99 ?? 2) : undefined,
    status_codes: {},
    errors: {},
    resources: {},
    ...o.extra,
  };
}

const rung = (c: number, o: Parameters<typeof summary>[0] = {}): FrontierRung =>
  rungOf({ kind: "concurrency", value: c }, summary(o), { workers: 1, wallMs: 1000 });

describe("the ladder", () => {
  test.each([
    [1, [1]],
    [8, [1, 2, 4, 8]],
    [100, [1, 2, 4, 8, 16, 32, 64, 100]],
    [256, [1, 2, 4, 8, 16, 32, 64, 128, 256]],
  ])("doubling up to %p", (max, levels) => expect(doublingLadder(max)).toEqual(levels));
});

describe("a rung at the rig's limit", () => {
  test.each([
    ["requests that could not leave this machine", { extra: { errors: { load_generator: 3 } } }, "sockets"],
    ["late sends", { extra: { schedule_lag_ms: stats(20, 40) } }, "generator"],
    ["gatebench's CPU", { extra: { resources: { gatebench: { load: { cpu_pct_avg: 97 } } } } as unknown as Partial<Summary> }, "generator"],
    ["dropped arrivals", { dropped: 5 }, "dropped"],
    ["the mock at its ceiling", { extra: { mock_bound: "the mock used 90 % CPU" } }, "mock"],
  ] as [string, Parameters<typeof summary>[0], RigKind][])("%s", (_what, o, kind) => {
    expect(rigLimit(summary(o), 1)?.kind).toBe(kind);
    const r = rung(8, o);
    expect(missAt(r, null)?.kind).toBe("rig");
    expect(stopAfter(r)).toBe("rig");
  });

  test("none: the gateway set the pace", () => expect(rigLimit(summary(), 1)).toBeUndefined());
});

describe("the reading at each bound", () => {
  // throughput rises to c=4, then flattens while p99 climbs; c=32 fails some requests
  const ladder = [
    rung(1, { throughput: 100, p99: 0.8 }),
    rung(2, { throughput: 190, p99: 3 }),
    rung(4, { throughput: 350, p99: 8 }),
    rung(8, { throughput: 360, p99: 40 }),
    rung(16, { throughput: 355, p99: 90 }),
    rung(32, { throughput: 300, p99: 95, failed: 7 }),
  ];
  const readings = readingsOf(ladder, [0.5, 1, 5, 10, 50, 100, null]);

  test("none: no rung met the bound; the lowest rung's p99 is the evidence", () => {
    expect(readings[0]).toMatchObject({ bound_ms: 0.5, rps: null, rung: 1, p99_ms: 0.8, next: { rung: 1, kind: "over" }, floor: false });
    expect(evidence("concurrency", readings[0]!)).toBe("lowest rung c=1: p99 0.8 ms is over 0.5 ms");
  });

  test("the highest throughput under the bound, and the next rung that broke it", () => {
    expect(readings.slice(1, 5).map((r) => [r.rung, r.rps, r.next?.rung, r.next?.kind])).toEqual([
      [1, 100, 2, "over"],
      [2, 190, 4, "over"],
      [4, 350, 8, "over"],
      [8, 360, 16, "over"],
    ]);
    expect(evidence("concurrency", readings[2]!)).toBe("c=2 (p99 3.000 ms); c=4: p99 8 ms is over 5 ms");
  });

  test("failures: a rung with a failed request never counts, and is named as the one that broke the bound", () => {
    expect(readings[5]).toMatchObject({
      bound_ms: 100,
      rps: 360,
      rung: 8,
      next: { rung: 32, kind: "failures", why: "7 of 107 requests failed" },
      floor: false,
    });
    expect(readings[6]).toMatchObject({ bound_ms: null, rps: 360, rung: 8, next: { rung: 32, kind: "failures" } });
  });

  test("floor: no rung above broke the bound; the rig's limit is no break either", () => {
    const clean = readingsOf(ladder.slice(0, 4), [null]);
    expect(clean[0]).toMatchObject({ rps: 360, rung: 8, next: null, floor: true });
    expect(evidence("concurrency", clean[0]!)).toContain("floor: the ladder ended before a rung above it ran");
    const rig = readingsOf([...ladder.slice(0, 4), refusedRung({ kind: "concurrency", value: 64 }, "over the open-file limit of 64")], [null]);
    expect(rig[0]).toMatchObject({ rps: 360, rung: 8, next: { rung: 64, kind: "rig" }, floor: true });
    expect(evidence("concurrency", rig[0]!)).toContain("floor: c=64 was at the rig's limit, not the gateway's");
  });

  test("peak, not floor: rungs above the reading met the bound with less throughput", () => {
    const slower = rung(16, { throughput: 300, p99: 0.9 });
    const [r] = readingsOf([...ladder.slice(0, 4), slower], [null]);
    expect(r).toMatchObject({ rps: 360, rung: 8, next: null, met_above: 16, floor: false });
    expect(evidence("concurrency", r!)).toBe("c=8 (p99 40.00 ms); peak: the rungs above it, up to c=16, met the bound with less throughput");
  });

  test("a rig-limited rung is never a reading, however fast", () => {
    const fast = rung(64, { throughput: 9999, p99: 0.1, extra: { mock_bound: "the mock used 90 % CPU" } });
    expect(readingsOf([...ladder.slice(0, 2), fast], [1])[0]).toMatchObject({ rung: 1, rps: 100, next: { rung: 2, kind: "over" } });
  });

  test("a rung that failed everything stops the ladder", () => expect(stopAfter(rung(4, { ok: 0, failed: 50 }))).toBe("all-failed"));
});

/** A stream rung: its time to the first token (the bounds' metric), and the whole stream's latency, ms. */
const streamRung = (c: number, throughput: number, ttftP99: number, latencyP99: number): FrontierRung =>
  rungOf({ kind: "concurrency", value: c }, summary({ throughput, p50: latencyP99, p99: latencyP99, extra: { ttft_ms: stats(ttftP99 - 1, ttftP99) } }), {
    workers: 1,
    wallMs: 1000,
    stream: true,
  });

describe("the reading of streams: on the time to the first token", () => {
  // the mock's 80 ms to the first token, 800 ms to the last: only TTFT tells the gateway's queueing apart
  const ladder = [streamRung(1, 1.2, 84, 804), streamRung(4, 4.8, 90, 810), streamRung(16, 15, 260, 990)];

  test("each rung keeps both: TTFT and the whole stream's latency", () => {
    expect(ladder[0]).toMatchObject({ ttft_p50_ms: 83, ttft_p99_ms: 84, p99_ms: 804 });
    expect(rung(1).ttft_p99_ms).toBeUndefined();
  });

  test("bounds read TTFT p99, and say so", () => {
    const readings = readingsOf(ladder, [50, 100, 300, null], "ttft");
    expect(readings.map((r) => [r.metric, r.rung, r.rps, r.p99_ms])).toEqual([
      ["ttft", 1, null, 84],
      ["ttft", 4, 4.8, 90],
      ["ttft", 16, 15, 260],
      ["ttft", 16, 15, 260],
    ]);
    expect(evidence("concurrency", readings[0]!)).toBe("lowest rung c=1: TTFT p99 84 ms is over 50 ms");
    expect(evidence("concurrency", readings[1]!)).toBe("c=4 (TTFT p99 90.00 ms); c=16: TTFT p99 260 ms is over 100 ms");
    // on the whole stream's latency every bound under 800 ms would read none
    expect(readingsOf(ladder, [100, 300], "latency").map((r) => r.rps)).toEqual([null, null]);
  });

  test("the plot's x axis is the TTFT p99, and says so", () => {
    const plot = frontierPlot([{ name: "gw", rungs: ladder, metric: "ttft" }], [100, null])!;
    expect(plot.xLabel).toBe("p99 TTFT (ms, log scale)");
    expect(plot.xs).toEqual([84, 90, 260]);
    expect(plot.marks).toEqual([{ at: 100, label: "TTFT p99 < 100 ms" }]);
    expect(frontierPlot([{ name: "gw", rungs: ladder, metric: "latency" }], [])!.xLabel).toBe("p99 latency (ms, log scale)");
  });
});

describe("streams sustained", () => {
  // 10 events a stream, 10 ms apart: 9 gaps per successful stream
  const e = { events: eventsPerStream(10, 1, undefined), itlMs: 10 };
  const streams = (c: number, o: { ok?: number; failed?: number; gaps?: number; maxGap?: number; mock?: boolean } = {}): FrontierRung => {
    const ok = o.ok ?? 100;
    return rung(c, {
      ok,
      failed: o.failed ?? 0,
      extra: {
        itl_ms: stats(10, 11, o.gaps ?? ok * 9, o.maxGap ?? 12),
        ttft_ms: stats(10, 11, ok),
        ...(o.mock ? { mock_bound: "the mock used 90 % CPU" } : {}),
      },
    });
  };

  test("the highest count with every event, no stall and under 0.1 % failed", () => {
    const s = streamsSustained([streams(1), streams(2), streams(4), streams(8, { gaps: 100 * 9 - 3 })], e);
    expect(s.sustained).toBe(4);
    expect(s.rungs.map((r) => r.pass)).toEqual([true, true, true, false]);
    expect(s.rungs[3]!.why).toBe("3 content events missing (10 expected per stream)");
    expect(s.events_per_second).toBe(1000);
    expect(s.limited_by).toBeUndefined();
  });

  test.each([
    ["a stall over 10 × the mock's gap", { maxGap: 101 }, "a stream stalled 101 ms between two events"],
    ["0.1 % of the streams failed", { ok: 999, failed: 1, gaps: 999 * 9 }, "1 of 1000 streams failed (0.10 %)"],
  ] as [string, Parameters<typeof streams>[1], string][])("%s", (_what, o, why) => {
    const s = streamsSustained([streams(1), streams(2, o)], e);
    expect(s.sustained).toBe(1);
    expect(s.rungs[1]!.why).toStartWith(why);
  });

  test("the mock at its limit above the count: flagged, not counted against the gateway", () => {
    const s = streamsSustained([streams(1), streams(2), streams(4, { mock: true })], e);
    expect(s.sustained).toBe(2);
    expect(s.limited_by).toStartWith("the mock at 4 streams");
  });

  test("in words: the rung that broke it, or floor when none above it was tried", () => {
    expect(streamsLine(streamsSustained([streams(1), streams(2, { maxGap: 101 })], e))).toMatch(
      /^streams sustained: 1 open at once, .*; at 2: a stream stalled/,
    );
    expect(streamsLine(streamsSustained([streams(1), streams(2)], e))).toMatch(/^streams sustained: 2 open at once, .*; floor: no rung above it was tried/);
  });

  test("events per stream: tokens over tokens-per-chunk, max_tokens may ask for fewer", () => {
    expect([eventsPerStream(25, 1, undefined), eventsPerStream(25, 4, undefined), eventsPerStream(25, 1, 10)]).toEqual([25, 7, 10]);
  });
});

describe("the added latency", () => {
  const s = summary({
    extra: {
      overhead_ms: { latency: { p50: 0.087, p90: 0.1, p99: 0.14, p999: 0.2 } },
      overhead_band_ms: { latency: { p50: 0.006, p90: 0.01, p99: 0.031, p999: null } },
      direct: { requests: summary().requests, latency_ms: stats(0.19, 0.3), status_codes: {}, errors: {} },
    },
  });

  test("µs from the overhead's p50 and p99, with their intervals", () => {
    expect(addedOf(s, { stream: false, rate: 200, workers: 1 })).toMatchObject({
      metric: "latency",
      p50_us: 87,
      p50_band_us: 6,
      p99_us: 140,
      p99_band_us: 31,
      direct_p50_us: 190,
    });
    expect(addedOf(summary(), { stream: false, rate: 200, workers: 1 })).toBeUndefined();
  });

  test.each([
    [87, 6, "+87 µs ±6 µs"],
    [-12, 9, "−12 µs ±9 µs"],
    [5120, 48, "+5.120 ms ±48 µs"],
    [140, null, "(+140 µs, too few)"],
  ] as [number, number | null, string][])("%p µs ±%p reads %p", (v, band, text) => expect(fmtAdded(v, band)).toBe(text));

  test("its rate: one request at a time, ADDED_SPACING p99s apart, capped, at least 1 req/s", () => {
    expect(addedRate(0.2)).toBe(ADDED_MAX_RPS);
    expect(addedRate(10)).toBe(25);
    expect(addedRate(900)).toBe(1);
    expect(addedRate(null)).toBe(ADDED_MAX_RPS);
  });

  test("streams: spaced by the whole stream's p99, down to 0.1 req/s, rounded down", () => {
    expect(addedRate(804, true)).toBe(1);
    expect(addedRate(2000, true)).toBe(0.4);
    expect(addedRate(60_000, true)).toBe(0.1);
  });

  test.each([
    [200, 10_000, 600_000, 10_000, "the rung's length holds 2,000"],
    [1, 10_000, 600_000, 50_000, "50 requests at 1 req/s"],
    [1, 10_000, 30_000, 15_000, "half of what the budget leaves (the baseline doubles it)"],
    [1, 2_000, 1_000, 2_000, "never under a rung's length"],
  ])("its length at %p req/s, rung %p ms, %p ms left: %p ms (%s)", (rate, rungMs, leftMs, want) => expect(addedDurationMs(rate, rungMs, leftMs)).toBe(want));

  test("too few requests for an interval: how many ran, and how many it needs", () => {
    expect([requestsForBand(50), requestsForBand(99)]).toEqual([10, 500]);
    const added = { ...addedOf(s, { stream: false, rate: 1, workers: 1, durationMs: 4000 })!, metric: "ttft" as const, requests: 4, p50_band_us: null };
    const line = addedLine({ added } as unknown as FrontierDoc);
    expect(line).toStartWith("added time to first token at concurrency 1: p50 (+87 µs, too few)");
    expect(line).toContain("4 requests through the gateway at 1 req/s for 4 s");
    expect(line).toContain("p50's interval needs 10 requests a side, 4 ran: a longer --rung-duration");
  });
});

describe("the flags", () => {
  const plan = (args: Record<string, string>) => planOf({ "max-concurrency": "256", "rung-duration": "10s", budget: "10m", ...args }, (f) => f in args);

  test("the default ladder, a list, or rates", () => {
    expect(plan({})).toMatchObject({ kind: "concurrency", levels: doublingLadder(256), rungMs: 10_000 });
    expect(plan({ concurrency: "1,2,4,16" }).levels).toEqual([1, 2, 4, 16]);
    expect(plan({ rates: "100,200.5" })).toMatchObject({ kind: "rate", levels: [100, 200.5] });
    expect(boundsFlag("1ms,5ms")).toEqual([1, 5, null]);
    expect(boundsFlag("500us,2s,unbounded")).toEqual([0.5, 2000, null]);
  });

  test.each([
    [{ concurrency: "0" }, '--concurrency "0": expected increasing whole numbers above zero'],
    [{ concurrency: "4,2" }, '--concurrency "4,2": expected increasing values'],
    [{ rates: "100", concurrency: "1" }, "--rates and --concurrency cannot be used together"],
    [{ arrival: "poisson" }, "--arrival belongs to an open loop"],
    [{ only: "all" }, '--only "all": expected added'],
  ] as [Record<string, string>, string][])("%p is refused", (args, message) => {
    expect(() => plan(args)).toThrow(UsageError);
    expect(() => plan(args)).toThrow(message);
  });

  test("--only added: the first rung is the whole ladder", () => expect(plan({ only: "added", concurrency: "1,2,4" }).levels).toEqual([1]));

  test("--only given twice is refused; once, in either spelling, is not", () => {
    expect(() => onceFlag(["--only", "ladder", "--only=added"], "only", "--only added")).toThrow(
      "--only given 2 times (ladder, added): expected it once, e.g. --only added",
    );
    expect(() => onceFlag(["-c", "1", "--only=added"], "only", "--only added")).not.toThrow();
  });

  test.each(["fast", "5", "5ms,1ms", "0ms"])("--bounds %p is refused", (v) =>
    expect(() => boundsFlag(v)).toThrow(`--bounds "${v}": expected increasing p99 bounds`),
  );
});

/** A frontier document around these rungs, as gatebench frontier writes it (its config as given: the API, streaming). */
function doc(name: string, rungs: FrontierRung[], bounds: (number | null)[], config: Record<string, unknown> = {}): FrontierDoc {
  return {
    schema: FRONTIER_SCHEMA,
    tool: { version: "0.0.0", commit: "test", bun: Bun.version, os: "linux-x64", cpus: 2 },
    config,
    started_at: "2026-01-01T00:00:00.000Z",
    gateway: { name, kind: "command", target: "http://127.0.0.1:1/v1/chat/completions" },
    ladder: { kind: "concurrency", levels: rungs.map((r) => r.concurrency!), rung_duration_ms: 1000, warmup_ms: 0, budget_ms: 60_000 },
    load: "unary",
    bounds_ms: bounds,
    rungs,
    readings: readingsOf(rungs, bounds),
    added: null,
    end: "ladder-done",
    end_note: "",
  };
}

describe("the report and the board", () => {
  const a = doc("alpha", [rung(1, { throughput: 100, p99: 0.8 }), rung(2, { throughput: 190, p99: 3 })], [1, 5, null]);
  const b = doc("beta", [rung(1, { throughput: 80, p99: 2 }), rung(2, { throughput: 150, p99: 7 })], [5, 10, null]);

  test("the terminal report: rungs, readings with evidence, the added latency's absence said", () => {
    const text = frontierText(a);
    expect(text).toMatch(/│ p99 < 1 ms +│ +100\.00\/s │ c=1 \(p99 0\.800 ms\); c=2: p99 3 ms is over 1 ms/);
    expect(text).toContain("added latency: not measured");
    expect(text).toContain("gateway   alpha: http://127.0.0.1:1/v1/chat/completions (command)\napi       chat (OpenAI Chat Completions)\n");
    expect(text).toContain("; bounds on latency p99");
  });

  test("the header: the built-in proxy named once, the API and the upstream's, the ladder that ran", () => {
    const proxy: FrontierDoc = {
      ...a,
      gateway: { name: "built-in proxy", kind: "built-in proxy", target: "http://127.0.0.1:1/v1/messages" },
      api: "messages",
      upstream_api: "chat",
      ladder: { ...a.ladder, levels: [1], only: "added" },
    };
    const text = frontierText(proxy);
    expect(text).toContain("gateway   built-in proxy: http://127.0.0.1:1/v1/messages\n");
    expect(text).toContain("api       messages (Anthropic Messages), the gateway to call the mock in chat (OpenAI Chat Completions)");
    expect(text).toContain("ladder    closed-loop concurrency 1; each rung 1 s");
  });

  test("every bound of either gateway, a column each; '-' where one was not read", () => {
    const board = boardOf([
      { name: "alpha", path: "a.json", doc: a },
      { name: "beta", path: "b.json", doc: b },
    ]);
    expect(board.bounds_ms).toEqual([1, 5, 10, null]);
    expect(board.gateways.map((g) => g.readings.map((r) => r?.rps ?? (r ? "none" : "-")))).toEqual([
      [100, 190, "-", 190],
      ["-", 80, 150, 150],
    ]);
    const text = boardText(board);
    expect(text).toMatch(/│ p99 < 5 ms +│ +190\.00\/s at c=2 \(floor\) │ +80\.00\/s at c=1 │/);
    expect(board.notes).toEqual([]);
    expect(board.gateways.map((g) => [g.api, g.metric])).toEqual([
      ["chat", "latency"],
      ["chat", "latency"],
    ]);
  });

  test("frontiers of different APIs: noted, a missing API read as chat", () => {
    const messages = { ...b, config: { api: "messages", upstreamApi: "chat" } };
    const board = boardOf([
      { name: "alpha", path: "a.json", doc: a },
      { name: "beta", path: "b.json", doc: messages },
    ]);
    expect(board.notes).toEqual(["beta was measured otherwise than alpha (api messages, not chat): set side by side all the same"]);
    const translated = boardOf([
      { name: "alpha", path: "a.json", doc: a },
      { name: "beta", path: "b.json", doc: { ...b, api: "chat", upstream_api: "messages" } },
    ]);
    expect(translated.notes[0]).toContain("(upstream API messages, not chat)");
  });

  test("a board of stream frontiers labels its bounds TTFT p99", () => {
    const s1 = { ...doc("s1", [streamRung(1, 1.2, 84, 804)], [100, null]), metric: "ttft" as const };
    const s2 = { ...s1, gateway: { ...s1.gateway, name: "s2" } };
    const text = boardText(
      boardOf([
        { name: "s1", path: "1.json", doc: s1 },
        { name: "s2", path: "2.json", doc: s2 },
      ]),
    );
    expect(text).toMatch(/│ TTFT p99 < 100 ms │/);
  });
});
