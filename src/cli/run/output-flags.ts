// The flags of `gatebench run` for its phases and output (files, logs,
// instances), and its gates.
import { RUN_DEFAULTS } from "../../run/config.ts";

const D = RUN_DEFAULTS;

export const phasesArgs = {
  idle: {
    type: "string",
    description: "Quiet phase before the load: the gateway's idle footprint",
    group: "Phases and output",
    default: `${D.idleMs / 1000}s`,
    valueHint: "duration",
  },
  "sample-interval": {
    type: "string",
    description: "How often CPU and RSS are sampled (at least 50ms)",
    group: "Phases and output",
    default: `${D.sampleIntervalMs}ms`,
    valueHint: "duration",
  },
  cooldown: {
    type: "string",
    description: "Quiet phase after the load: does memory come back?",
    group: "Phases and output",
    default: `${D.cooldownMs / 1000}s`,
    valueHint: "duration",
  },
  json: {
    type: "string",
    alias: ["o", "output"] as string[],
    description:
      "Also write the full result as JSON to this file, checked before the run (-: JSON on stdout, the report on stderr); secret headers and variables are written as [redacted]",
    group: "Phases and output",
    valueHint: "file",
  },
  html: {
    type: "string",
    description: "Also write the HTML report to this file: one self-contained page (it opens offline) with the summary tables and plots",
    group: "Phases and output",
    valueHint: "file",
  },
  out: {
    type: "string",
    description:
      "Write the run folder, created if needed (files in it are replaced): result.json, one .hgrm percentile file per histogram, report.html, and gateway.log for a --gateway",
    group: "Phases and output",
    valueHint: "dir",
  },
  instance: {
    type: "string",
    description:
      "Name of this instance when several gatebench instances share one load, each sending its part of the rate; kept in config.instance for gatebench merge",
    group: "Phases and output",
    valueHint: "id",
  },
  "start-at": {
    type: "string",
    description:
      "Begin the load at this instant, ISO 8601 with a zone (e.g. 2026-11-23T10:00:00Z), so that instances on several machines begin together; the mock, the gateway, --setup and the idle phase come first",
    group: "Phases and output",
    valueHint: "time",
  },
  quiet: {
    type: "boolean",
    alias: "q",
    description: "No progress line and no info logs on stderr: warnings, errors and the report only",
    group: "Phases and output",
    default: false,
  },
  verbose: { type: "boolean", description: "Debug logs, and stack traces on errors", group: "Phases and output", default: false },
} as const;

export const gateArgs = {
  slo: {
    type: "string",
    description:
      'Gate, repeatable: metric[.stat] op value[unit], e.g. "latency.p99 < 250ms", "success >= 99.9%", "rss.load.max < 100MB"; exit 1 when one fails',
    group: "Gates",
    valueHint: "expr",
  },
  "min-success": {
    type: "string",
    description: 'Gate: exit 1 when the success ratio is below this (100%, 99.9% or 0.999); --min-success 99.9% is --slo "success >= 99.9%"',
    group: "Gates",
    valueHint: "pct",
  },
  targets: {
    type: "string",
    description:
      "Preset of targets judged in every report: seed (success 100 %, idle RSS < 20 MB, RSS < 100 MB with 100 streams, unary overhead < 5 ms) or none",
    group: "Gates",
    default: "seed",
    valueHint: "preset",
  },
  strict: { type: "boolean", description: "Enforce the --targets preset: a missed target fails the run (exit 1) like a gate", group: "Gates", default: false },
  "abort-on-fail": {
    type: "boolean",
    description:
      "Stop the load as soon as a gate can no longer pass (a failure under success >= 100%, a timeout under errors.timeout == 0); the report and files are still written, exit 1",
    group: "Gates",
    default: false,
  },
} as const;
