// The mock as several processes: their counts merged exactly, the guard
// that says when the mock set the pace, and the flags that shape it.
import { describe, expect, test } from "bun:test";
import { checkFixed, mockModel } from "../../src/cli/commands/mock.ts";
import { procsFlag } from "../../src/cli/commands/mock-group.ts";
import { UsageError } from "../../src/cli/errors.ts";
import { BASELINE_MOCK, MOCK_CPU_BOUND_PCT, mockLimit } from "../../src/metrics/mock-bound.ts";
import { Recorder } from "../../src/metrics/recorder.ts";
import { ResourceAccumulator } from "../../src/metrics/resources.ts";
import { summariseRun } from "../../src/metrics/run-summary.ts";
import { FACTS } from "./run-facts.ts";
import { mergeWire, MockCounters, STAT_APIS } from "../../src/mock/stats.ts";
import { CAN_SHARE_PORT, defaultMockProcs } from "../../src/platform.ts";

const ok = (): Response => new Response("", { status: 200 });

describe("mergeWire: the counts of several processes as one", () => {
  test("counts, bytes, connections and statuses add up; lateness is one histogram of all", () => {
    const a = new MockCounters();
    const b = new MockCounters();
    for (let i = 0; i < 30; i++) {
      a.enter();
      a.connection("127.0.0.1", 40_000 + (i % 3));
      a.answered("/v1/chat/completions", ok());
      a.late("unary", 0.1);
    }
    for (let i = 0; i < 10; i++) {
      b.enter();
      b.connection("127.0.0.1", 50_000 + i);
      b.answered("/v1/chat/completions", i < 2 ? new Response("", { status: 429 }) : ok());
      b.late("unary", 2);
    }
    b.faultsDone("429");
    b.faultsDone("429");
    a.bytesIn = 100;
    b.bytesIn = 50;
    const m = mergeWire([a.toWire(), b.toWire()]);
    expect(m.requests).toBe(40);
    expect(m.by_path).toEqual({ "/v1/chat/completions": { "200": 38, "429": 2 } });
    expect(m.connections).toBe(13);
    expect(m.faults).toEqual({ "429": 2 });
    expect(m.bytes_in).toBe(150);
    expect(m.lateness_ms.unary!.count).toBe(40);
    // 30 of 40 at 0.1 ms, 10 at 2 ms: the median is the first's, the p99 the second's
    expect(m.lateness_ms.unary!.p50).toBeCloseTo(0.1, 2);
    expect(m.lateness_ms.unary!.p99).toBeCloseTo(2, 2);
    expect(m.processes!.map((p) => p.requests)).toEqual([30, 10]);
  });

  test("by_api adds up API by API, every API named in each", () => {
    const a = new MockCounters();
    const b = new MockCounters();
    a.api.messages.requests = 5;
    a.api.messages.rejected = 2;
    b.api.messages.requests = 3;
    b.api.gemini.requests = 4;
    b.api.gemini.rejected = 1;
    const m = mergeWire([a.toWire(), b.toWire()]);
    expect(m.by_api.messages).toEqual({ requests: 8, rejected: 2 });
    expect(m.by_api.gemini).toEqual({ requests: 4, rejected: 1 });
    expect(m.by_api.chat).toEqual({ requests: 0, rejected: 0 });
    expect(Object.keys(m.by_api)).toEqual([...STAT_APIS]);
    a.reset();
    expect(a.snapshot().by_api.messages).toEqual({ requests: 0, rejected: 0 });
  });

  test("one process's snapshot is what it counted; connections from other addresses are told apart", () => {
    const c = new MockCounters();
    c.enter();
    c.connection("127.0.0.1", 1234);
    c.answered("/health-check", ok());
    c.enter();
    c.connection("::1", 1234);
    c.answered("/health-check", ok());
    expect(c.snapshot()).toMatchObject({ requests: 2, connections: 2, in_flight: 0, in_flight_peak: 1 });
  });
});

function withMockCpu(cpuPct: number, name = "mock", phase = "load"): ResourceAccumulator {
  const acc = new ResourceAccumulator();
  for (let i = 0; i < 8; i++) acc.add(name, phase, { cpuPct, rssBytes: 50e6, intervalMs: 250, atMs: i * 250 });
  return acc;
}

describe("the mock-bound guard", () => {
  const rec = new Recorder();
  rec.close();
  const summary = (cpu: number, procs: number | undefined) =>
    summariseRun({ recorder: rec, nextDueMs: 1000, warmupTotal: 0, inFlightPeak: 0 }, withMockCpu(cpu), undefined, { ...FACTS, mockProcs: procs });

  test("a mock near a whole core per process set the pace, and the summary says so", () => {
    expect(summary(97, 1).mock_bound).toContain("the mock used 97 % CPU (its one process");
    expect(summary(97, 1).mock_bound).toContain("the figures describe the mock, not the gateway");
    expect(summary(190, 2).mock_bound).toContain("its 2 processes");
  });

  test("the baseline's mock at its ceiling during the baseline: the direct figures are said to be the mock's", () => {
    const s = summariseRun({ recorder: rec, nextDueMs: 1000, warmupTotal: 0, inFlightPeak: 0 }, withMockCpu(95, BASELINE_MOCK, "baseline"), undefined, {
      ...FACTS,
      mockProcs: 1,
    });
    expect(s.mock_bound).toContain("the baseline's mock used 95 % CPU (its one process, 85 % each is its ceiling) during the baseline");
    // busy only while the gateway's lane ran: not the baseline's limit
    const other = summariseRun({ recorder: rec, nextDueMs: 1000, warmupTotal: 0, inFlightPeak: 0 }, withMockCpu(95, BASELINE_MOCK, "load"), undefined, {
      ...FACTS,
      mockProcs: 1,
    });
    expect(other.mock_bound).toBeUndefined();
  });

  test("below the ceiling, or with no mock, nothing is said", () => {
    expect(summary(MOCK_CPU_BOUND_PCT - 1, 1).mock_bound).toBeUndefined();
    // two processes: 120 % is 60 % each
    expect(summary(120, 2).mock_bound).toBeUndefined();
    expect(summary(99, undefined).mock_bound).toBeUndefined();
    expect(mockLimit(summary(10, 1), 1, 2)).toBeUndefined();
    // more processes than CPUs share them: 4 processes on 2 CPUs are at their ceiling at 170 %
    expect(mockLimit(summary(175, 4), 4, 2)).toContain("its 4 processes");
  });
});

describe("--procs and --fixed", () => {
  test("auto follows the machine; a count is checked", () => {
    expect(procsFlag("procs", "auto")).toBe(defaultMockProcs());
    expect(procsFlag("procs", undefined)).toBe(defaultMockProcs());
    expect(procsFlag("procs", "1")).toBe(1);
    expect(() => procsFlag("mock-procs", "0")).toThrow('--mock-procs "0": expected a whole number above zero, e.g. --mock-procs 2');
    expect(() => procsFlag("mock-procs", "65")).toThrow("--mock-procs 65: give a count from 1 to 64, or auto");
    expect(() => procsFlag("mock-procs", "many")).toThrow(UsageError);
    if (CAN_SHARE_PORT) expect(procsFlag("procs", "3")).toBe(3);
    else expect(() => procsFlag("procs", "3")).toThrow(/only on Linux/);
  });

  test("auto is a quarter of the CPUs, at least 1 and at most 4 (1 on 2 CPUs)", () => {
    const n = defaultMockProcs();
    expect(n).toBeGreaterThanOrEqual(1);
    expect(n).toBeLessThanOrEqual(4);
    if (navigator.hardwareConcurrency < 8) expect(n).toBe(1);
  });

  test("--fixed refuses what would draw at random", () => {
    const model = (v: Record<string, string>) => mockModel({ seed: "1", ...v });
    expect(() => checkFixed(model({}))).not.toThrow();
    expect(() => checkFixed(model({ faults: "429=1%" }), "mock-")).toThrow(
      "--mock-fixed answers the same way every time, with no random draws: drop --mock-faults",
    );
    expect(() => checkFixed(model({ jitter: "normal:1ms:2ms", "itl-jitter": "normal:1ms:2ms" }))).toThrow("drop --jitter and --itl-jitter");
  });
});
