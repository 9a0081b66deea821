// The latency-over-time plot draws each second's p50/p99: with a constant
// latency, every point is that latency, to the summary's precision (0.1 %),
// not steps of a coarser histogram (801 ms drawn at 800 and 810 ms, a p99
// of 806 as a spike to 820).
import { describe, expect, test } from "bun:test";
import { emptyResult, type RequestResult } from "../../src/metrics/outcome.ts";
import { Recorder } from "../../src/metrics/recorder.ts";
import { Timeline } from "../../src/metrics/timeline.ts";
import { plotSpecs } from "../../src/report/html-plots.ts";
import { smallResult } from "./result-fixture.ts";

/** A successful request due and sent at `atMs` that took `latencyMs`. */
const ok = (atMs: number, latencyMs: number): RequestResult => ({
  ...emptyResult(atMs),
  sentMs: atMs,
  headersMs: atMs + 1,
  firstByteMs: atMs + 1,
  endMs: atMs + latencyMs,
  status: 200,
});

/** Ten seconds at 20 req/s, every request taking `latencyMs`: the rows of its timeline. */
function constantRun(latencyMs: (i: number) => number) {
  const tl = new Timeline(0);
  const rec = new Recorder(tl);
  for (let i = 0; i < 200; i++) rec.add(ok(i * 50, latencyMs(i)));
  return tl.rows();
}

describe("per-second latency, as plotted", () => {
  for (const ms of [801, 806, 12.34, 2_345]) {
    test(`a constant ${ms} ms: every second's p50 and p99, and the plotted points, are ${ms} ms within 0.1 %`, () => {
      const rows = constantRun(() => ms);
      const withLatency = rows.filter((r) => r.p50_ms !== null);
      expect(withLatency.length).toBeGreaterThanOrEqual(10);
      for (const r of withLatency) {
        expect(Math.abs(r.p50_ms! - ms)).toBeLessThanOrEqual(ms * 0.001);
        expect(Math.abs(r.p99_ms! - ms)).toBeLessThanOrEqual(ms * 0.001);
      }
      const doc = { ...smallResult("constant"), timeline: rows, timeline_direct: undefined };
      const plot = plotSpecs(doc).find((p) => p.id === "latency-time")!;
      const points = plot.series.flatMap((s) => s.values).filter((v): v is number => v !== null);
      expect(points.length).toBe(2 * withLatency.length);
      for (const y of points) expect(Math.abs(y - ms) / ms).toBeLessThanOrEqual(0.001);
    });
  }

  test("a p99 of 806 among requests of 801 ms reads 806, not a spike", () => {
    // one request in 20 takes 806 ms: each second's p99 is that one (20 a second: the top 1 % is the slowest)
    // the seconds in which 20 requests ended (the first and last hold fewer)
    const rows = constantRun((i) => (i % 20 === 0 ? 806 : 801)).filter((r) => r.completed === 20);
    expect(rows.length).toBeGreaterThanOrEqual(8);
    for (const r of rows) {
      expect(r.p50_ms!).toBeCloseTo(801, 0);
      expect(r.p99_ms!).toBeCloseTo(806, 0);
    }
  });
});
