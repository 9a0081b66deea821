// A run's summary from plain facts, without a process: windows of each
// lane, overhead against the baseline, the upstream's counts, warnings and
// verdicts, --abort-on-fail's stopped gate.
import { describe, expect, test } from "bun:test";
import { gatesFrom } from "../../src/metrics/gates/evaluate.ts";
import { emptyResult, ErrorKind, type RequestResult } from "../../src/metrics/outcome.ts";
import { Recorder } from "../../src/metrics/recorder.ts";
import { ResourceAccumulator } from "../../src/metrics/resources.ts";
import { laneWindowMs, summariseRun } from "../../src/metrics/run-summary.ts";
import { FACTS } from "./run-facts.ts";

function result(intendedMs: number, latencyMs: number, extra: Partial<RequestResult> = {}): RequestResult {
  return { ...emptyResult(intendedMs), sentMs: intendedMs, headersMs: intendedMs + latencyMs / 2, endMs: intendedMs + latencyMs, status: 200, ...extra };
}

/** `n` requests 10 ms apart (100 req/s), each answered after `latencyMs`. */
function lane(n: number, latencyMs: number, fail: (i: number) => boolean = () => false): Recorder {
  const rec = new Recorder();
  for (let i = 0; i < n; i++) rec.add(fail(i) ? result(i * 10, latencyMs, { status: 503, error: ErrorKind.Status }) : result(i * 10, latencyMs));
  rec.close();
  return rec;
}

describe("summariseRun", () => {
  test("an open loop's rate is the schedule's; the baseline gives the overhead per percentile", () => {
    const gw = lane(100, 12);
    const direct = lane(100, 10);
    const s = summariseRun(
      { recorder: gw, nextDueMs: 1000, warmupTotal: 0, inFlightPeak: 2, direct: { recorder: direct, nextDueMs: 1000 } },
      new ResourceAccumulator(),
      undefined,
      FACTS,
    );
    expect(s.requests).toMatchObject({ total: 100, ok: 100, rate: 100, in_flight_peak: 2 });
    expect(s.latency_ms!.p50).toBe(12);
    expect(s.direct!.latency_ms!.p50).toBe(10);
    expect(s.overhead_ms!.latency!.p50).toBe(2);
    expect(s.slo).toBeUndefined();
  });

  test("the upstream's counts: per request sent (warm-up included) and per connection", () => {
    const s = summariseRun(
      { recorder: lane(100, 10), nextDueMs: 1000, warmupTotal: 20, inFlightPeak: 1 },
      new ResourceAccumulator(),
      { requests: 120, connections: 4, streams_completed: 0, streams_aborted: 0 },
      FACTS,
    );
    expect(s.upstream).toMatchObject({ requests: 120, per_request_sent: 1, per_connection: 30 });
  });

  test("gates are judged; a gate --abort-on-fail stopped on fails with why, and the others say what they saw", () => {
    const gw = lane(50, 10, (i) => i === 3);
    const facts = { ...FACTS, gates: gatesFrom({ slo: ["latency.p99 < 50ms", "errors == 0"] }), gateStop: { expr: "errors == 0", why: "1 error so far" } };
    const s = summariseRun({ recorder: gw, nextDueMs: 500, warmupTotal: 0, inFlightPeak: 1 }, new ResourceAccumulator(), undefined, facts);
    expect(s.slo).toEqual([
      { expr: "latency.p99 < 50ms", value: 10, pass: true, unit: "ms", note: "judged on the 50 requests sent before the stop" },
      { expr: "errors == 0", value: 1, pass: false, unit: "", note: "could no longer pass: 1 error so far; the load was stopped (--abort-on-fail)" },
    ]);
    // stopped half way: the rate is over the part of the schedule that ran
    expect(s.requests.rate).toBe(100);
    expect(s.warnings!.join(" ")).toContain("success 98.00 %");
  });

  test("lane windows: an open loop's is the schedule it ran; a closed loop's, first send to last answer", () => {
    const rec = lane(10, 5);
    expect(laneWindowMs({ recorder: rec, nextDueMs: 700 }, { closedLoop: false, scheduledMs: 1000, warmupMs: 200 })).toBe(500);
    expect(laneWindowMs({ recorder: rec, nextDueMs: 5000 }, { closedLoop: false, scheduledMs: 1000, warmupMs: 0 })).toBe(1000);
    expect(laneWindowMs({ recorder: rec, nextDueMs: -1 }, { closedLoop: true, scheduledMs: 0, warmupMs: 0 })).toBe(95);
    expect(laneWindowMs({ recorder: new Recorder(), nextDueMs: -1 }, { closedLoop: true, scheduledMs: 0, warmupMs: 0 })).toBe(0);
  });
});
