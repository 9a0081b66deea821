// The flags of `gatebench run` that shape the load: the open or closed loop,
// its rate and length, the workers and the baseline.
import { RUN_DEFAULTS, SLICE_ANSWERS } from "../../run/config.ts";

const D = RUN_DEFAULTS;

export const loadArgs = {
  rate: {
    type: "string",
    description: `Requests per second on an open-loop schedule (50, or vegeta's 50/s, 3000/1m); FROM:TO ramps linearly over the duration, e.g. 10:500 (default ${D.rateRps})`,
    group: "Load model",
    valueHint: "rps",
  },
  duration: {
    type: "string",
    alias: "z",
    description: `Length of the measured load (500ms, 10s, 1m) (default ${D.durationMs / 1000}s)`,
    group: "Load model",
    valueHint: "duration",
  },
  arrival: {
    type: "string",
    description: "Arrivals: constant (evenly spaced) or poisson (random exponential gaps, drawn from --seed)",
    group: "Load model",
    default: D.arrival,
    valueHint: "kind",
  },
  seed: {
    type: "string",
    description: "Seed for Poisson arrivals and the mock's draws; printed in the report and the JSON, so the same seed replays the run (default random)",
    group: "Load model",
    valueHint: "n",
  },
  steps: {
    type: "string",
    description: "Rates held one after the other, e.g. 50,100,200 (with --step-duration, or --duration split evenly)",
    group: "Load model",
    valueHint: "list",
  },
  "step-duration": {
    type: "string",
    description: "How long each of --steps lasts; the load then lasts steps × this (default --duration ÷ steps)",
    group: "Load model",
    valueHint: "duration",
  },
  warmup: {
    type: "string",
    description: "Load first at the starting rate for this long; those requests are sent but left out of the figures",
    group: "Load model",
    default: "0",
    valueHint: "duration",
  },
  "max-in-flight": {
    type: "string",
    description: "Open requests at most; arrivals beyond are dropped and counted, never delayed",
    group: "Load model",
    default: String(D.maxInFlight),
    valueHint: "n",
  },
  concurrency: {
    type: "string",
    alias: "c",
    description: "Closed loop instead (hey-style): this many connections, each sending when its last response ends",
    group: "Load model",
    valueHint: "n",
  },
  requests: {
    type: "string",
    alias: "n",
    description: "Closed loop: stop after this many requests (instead of --duration)",
    group: "Load model",
    valueHint: "n",
  },
  connections: {
    type: "string",
    description:
      "Open loop: connections open at once at most (default: a due request opens one whenever none is idle); a request waiting for one counts the wait in its latency",
    group: "Load model",
    valueHint: "n",
  },
  workers: {
    type: "string",
    description:
      "Load generator threads, each with its own event loop and connections (processes with --client fetch); arrivals (or the connections of a closed loop) are interleaved across them, and their histograms merge exactly",
    group: "Load model",
    default: String(D.workers),
    valueHint: "n",
  },
  baseline: {
    type: "string",
    description:
      "Also send the same load straight to the mock, to measure what the gateway adds: interleaved (slices alternate, the load takes twice --duration), sequential (direct first), or off",
    group: "Load model",
    default: D.baseline,
    valueHint: "mode",
  },
  "baseline-slice": {
    type: "string",
    description: `Length of each interleaved slice; ${SLICE_ANSWERS} × the mock's answer time, in whole seconds, when that is longer (4s for its default 800 ms stream) (default ${D.baselineSliceMs / 1000}s)`,
    group: "Load model",
    valueHint: "duration",
  },
} as const;
