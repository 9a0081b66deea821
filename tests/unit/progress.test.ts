// The progress line counts what the report counts: the measured requests
// through the gateway, not the warm-up's nor the baseline's.
import { expect, test } from "bun:test";
import { progressLine } from "../../src/report/progress.ts";

const measured = { total: 250, ok: 248, dropped: 0 };

test.each([
  [
    "a plain run: the rate of the measured requests",
    { elapsedMs: 5000, plannedMs: 10_000, inFlight: 1, p99Ms: 12, measured },
    "5.0 s / 10 s  sent 250 (50/s)  ok 248  errors 2  p99 12.00 ms  in flight 1",
  ],
  [
    "the interleaved baseline: its requests are not counted, and no rate is made up",
    { elapsedMs: 10_000, plannedMs: 20_000, baseline: true, inFlight: 2, p99Ms: 12, measured },
    "10 s / 20 s  through the gateway:  sent 250  ok 248  errors 2  p99 12.00 ms  in flight 2",
  ],
  [
    "during the warm-up: nothing counted yet",
    { elapsedMs: 1000, plannedMs: 7000, warmupMs: 2000, inFlight: 3, p99Ms: -1, measured: { total: 0, ok: 0, dropped: 0 } },
    "1.0 s / 7.0 s  warm-up (not counted)  in flight 3",
  ],
  [
    "after the warm-up: the rate over the measured time; drops shown",
    { elapsedMs: 7000, plannedMs: 12_000, warmupMs: 2000, inFlight: 0, p99Ms: -1, measured: { total: 250, ok: 250, dropped: 4 } },
    "7.0 s / 12 s  sent 250 (50/s)  ok 250  errors 0  dropped 4  p99 -  in flight 0",
  ],
])("%s", (_what, figures, line) => {
  expect(progressLine(figures)).toBe(line);
});
