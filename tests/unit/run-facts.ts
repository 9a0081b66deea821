// The plain facts of a 1 s open-loop run at 100 req/s, for the tests of the run's summary.
import type { RunFacts } from "../../src/metrics/run-summary.ts";

export const FACTS: RunFacts = {
  closedLoop: false,
  sliced: false,
  sliceMs: 1000,
  scheduledMs: 1000,
  warmupMs: 0,
  stream: false,
  loadMs: 1000,
  sampleIntervalMs: 250,
  maxInFlight: 1000,
  workers: 1,
  gates: [],
  targets: { preset: "none", strict: false },
};
