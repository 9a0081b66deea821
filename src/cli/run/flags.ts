// The flags of `gatebench run` (and, with a few left out or changed, of
// `gatebench sweep`): their definitions, grouped for --help and docs/commands.md,
// and the type of their parsed values, derived from the definitions.
import { RUN_DEFAULTS, SLICE_ANSWERS } from "../../run/config.ts";
import { mockModelArgs } from "../commands/mock.ts";

const D = RUN_DEFAULTS;

export const runArgs = {
  // the load model
  rate: {
    type: "string",
    description: `Requests per second on an open-loop schedule; FROM:TO ramps linearly over the duration, e.g. 10:500 (default ${D.rateRps})`,
    group: "Load model",
    valueHint: "rps",
  },
  duration: {
    type: "string",
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
  client: {
    type: "string",
    description:
      "HTTP client: socket (HTTP/1.1 on raw sockets with a keep-alive pool in the load's own event loop; http:// and https://) or fetch (Bun's fetch, the reference, for anything the socket client does not speak)",
    group: "What is sent",
    default: D.client,
    valueHint: "kind",
  },
  connections: {
    type: "string",
    description:
      "Open loop: connections open at once at most (default: a due request opens one whenever none is idle); a request waiting for one counts the wait in its latency",
    group: "Load model",
    valueHint: "n",
  },
  insecure: { type: "boolean", alias: "k", description: "https: accept any certificate (no verification)", group: "What is sent", default: false },
  cacert: {
    type: "string",
    description: "https: trust the CA certificates in this PEM file instead of the system's",
    group: "What is sent",
    valueHint: "file",
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
  // the gateway
  gateway: {
    type: "string",
    description:
      'The gateway\'s command line, started for the run and split into argv without a shell (placeholders {{PORT}}, {{HOST}}, {{MOCK_URL}}, {{MOCK_HOST}}, {{MOCK_PORT}}, {{CONFIG}}, {{env.NAME}}), e.g. "nginx -p /tmp -c {{CONFIG}}"',
    group: "The gateway",
    valueHint: "command",
  },
  "gateway-shell": {
    type: "boolean",
    description: "Run --gateway through the shell, sh -c (cmd /c on Windows), for pipes, VAR=value cmd, cmd & other",
    group: "The gateway",
    default: false,
  },
  "config-template": {
    type: "string",
    description: "Config rendered with the placeholders into a temp file (mode 0600) whose path is {{CONFIG}}; removed after the run",
    group: "The gateway",
    valueHint: "file",
  },
  "keep-temp": {
    type: "boolean",
    description: "Keep the gateway's temp folder as it was (the rendered config, its own temp files); without it only its log stays",
    group: "The gateway",
    default: false,
  },
  "gateway-env": { type: "string", description: "Environment variable for the gateway, K=V, repeatable", group: "The gateway", valueHint: "K=V" },
  "gateway-cwd": { type: "string", description: "Working directory of the gateway", group: "The gateway", valueHint: "dir" },
  "ready-url": {
    type: "string",
    description: "Readiness: GET this URL (placeholders allowed) until it answers below 500 (default a TCP connect to the gateway port)",
    group: "The gateway",
    valueHint: "url",
  },
  "ready-timeout": { type: "string", description: "How long the gateway may take to get ready", group: "The gateway", default: "30s", valueHint: "duration" },
  setup: {
    type: "string",
    description:
      "Command run through the shell, sh -c (cmd /c on Windows; placeholders and variables as for --gateway) after the gateway is ready and before the load, e.g. to create routes through an admin API; a failure stops the run (exit 3) with its output",
    group: "The gateway",
    valueHint: "command",
  },
  teardown: {
    type: "string",
    description: "Command (through the shell, as --setup) run after the run, before the gateway is stopped; a failure is logged",
    group: "The gateway",
    valueHint: "command",
  },
  "stop-timeout": {
    type: "string",
    description: "Grace between SIGTERM and SIGKILL when the gateway is stopped",
    group: "The gateway",
    default: "5s",
    valueHint: "duration",
  },
  // what is sent
  target: {
    type: "string",
    description:
      "Base URL of a gateway that is already running, e.g. http://127.0.0.1:4000; none is started, but the mock still is, on --mock-port (default the built-in proxy)",
    group: "The gateway",
    valueHint: "url",
  },
  pid: {
    type: "string",
    description: "With --target: the gateway's process, sampled with its descendants for CPU and RSS",
    group: "The gateway",
    valueHint: "pid",
  },
  "pid-of-port": { type: "string", description: "With --target: sample the process listening on this port (Linux)", group: "The gateway", valueHint: "port" },
  "no-mock": {
    type: "boolean",
    description: "Do not start the mock, so there is no baseline either; with --target, for a gateway with a real upstream or any HTTP server",
    group: "The mock",
    default: false,
  },
  path: {
    type: "string",
    description: `Request path, appended to the target; a --target with a path of its own is used as it is unless --path is given (default ${D.path})`,
    group: "What is sent",
    valueHint: "path",
  },
  method: { type: "string", description: "HTTP method (GET and HEAD send no body)", group: "What is sent", default: D.method, valueHint: "method" },
  header: {
    type: "string",
    alias: "H",
    description:
      'Request header "Name: value", repeatable; added to the defaults content-type: application/json and authorization: Bearer gatebench, replacing one of the same name',
    group: "What is sent",
    valueHint: "header",
  },
  body: {
    type: "string",
    alias: "d",
    description: "Request body; a JSON object gets --stream, --max-tokens and --model applied when those flags are given, anything else is sent as it is",
    group: "What is sent",
    valueHint: "json",
  },
  "body-file": { type: "string", description: "Request body from a file, as --body", group: "What is sent", valueHint: "file" },
  prompts: {
    type: "string",
    description: 'JSONL file of bodies cycled in order, one per line: a request body (with messages), {"prompt": "…"}, or a JSON string',
    group: "What is sent",
    valueHint: "file",
  },
  model: { type: "string", description: `Model to ask for; overrides the one in a given body (default ${D.model})`, group: "What is sent", valueHint: "name" },
  "max-tokens": { type: "string", description: "Sets max_tokens in each body", group: "What is sent", valueHint: "n" },
  "prompt-tokens": { type: "string", description: "Generated prompt of about this many tokens", group: "What is sent", valueHint: "n" },
  stream: {
    type: "boolean",
    description: "Ask for a stream (stream: true with stream_options.include_usage) and read its SSE event by event",
    group: "What is sent",
    default: false,
  },
  timeout: {
    type: "string",
    description: "Per-request timeout; a request over it is a timeout error",
    group: "What is sent",
    default: `${D.timeoutMs / 1000}s`,
    valueHint: "duration",
  },
  // phases and output
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
  port: {
    type: "string",
    description: "Gateway port; 0 picks a free one (the report says which)",
    group: "The gateway",
    default: String(D.port),
    valueHint: "port",
  },
  "mock-port": { type: "string", description: "Mock upstream port; 0 picks a free one", group: "The mock", default: String(D.mockPort), valueHint: "port" },
  json: {
    type: "string",
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
  verbose: { type: "boolean", description: "Debug logs, and stack traces on errors", group: "Phases and output", default: false },
  ...mockRunArgs(),
} as const;

/** The mock's behaviour flags, as --mock-NAME (see gatebench mock --help). */
function mockRunArgs() {
  const out: Record<string, { type: "string"; description: string; group: string; valueHint: string; default?: string }> = {};
  for (const [name, def] of Object.entries(mockModelArgs)) {
    out[`mock-${name}`] = {
      type: "string",
      description: `Mock: ${def.description.charAt(0).toLowerCase()}${def.description.slice(1)}`,
      group: "The mock",
      valueHint: def.valueHint,
      ...("default" in def ? { default: def.default } : {}),
    };
  }
  return out as { [K in keyof typeof mockModelArgs as `mock-${K}`]: { type: "string"; description: string; group: string; valueHint: string } };
}

/** A flag's parsed value: a boolean, a string when it has a default, else a string or undefined. */
type ValueOf<T> = T extends { type: "boolean" } ? boolean : T extends { default: string } ? string : string | undefined;

/** What citty hands the command: each flag's value (`mock` is what `--no-mock` sets to false). */
export type RunArgValues = { [K in keyof typeof runArgs]: ValueOf<(typeof runArgs)[K]> } & { mock?: boolean };
