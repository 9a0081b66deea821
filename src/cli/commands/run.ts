// `gatebench run` (the default command): benchmark a gateway against the mock.
import { defineCommand } from "citty";
import { cpus } from "node:os";
import { accessSync, constants, existsSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { GatewaySpec } from "../../gateway/external.ts";
import { answerMs, baselineOrder, describeLoad, isClosedLoop, RUN_DEFAULTS, scheduledMs, SLICE_ANSWERS, sliceFor, START_AT_HORIZON_MS, START_AT_SLACK_MS, startAtAdvice, startAtExample, type RunConfig } from "../../run/config.ts";
import { runBenchmark, type RunResult } from "../../run/benchmark.ts";
import { jsonText, writeAtomic, writeRunFolder } from "../../report/files.ts";
import { htmlReport } from "../../report/html.ts";
import { resultDoc, type ClientInfo, type ResultDoc, type RunInfo, type ToolInfo } from "../../metrics/document.ts";
import type { Recorder } from "../../metrics/recorder.ts";
import { progressLine } from "../../report/progress.ts";
import { textReport } from "../../report/text.ts";
import { commit, VERSION } from "../../version.ts";
import { EXIT, UsageError } from "../errors.ts";
import { log, setVerbose, useColor } from "../log.ts";
import { launcherGone, RELAUNCHED_VAR } from "../relaunch.ts";
import { durationFlag, portFlag, positiveNumberFlag, ratioFlag, wholeNumberFlag } from "../values.ts";
import { mockModel, mockModelArgs, type MockModelValues } from "./mock.ts";
import { unmeasurable } from "../../metrics/gates/evaluate.ts";
import { SloError, type Slo } from "../../metrics/gates/expr.ts";
import { parseSlo } from "../../metrics/gates/parse.ts";
import { TARGET_PRESETS } from "../../metrics/verdicts.ts";
import { CLIENT_KINDS, type ClientKind } from "../../load/client.ts";
import { FETCH_POOL_SIZE } from "../../load/fetch.ts";

const D = RUN_DEFAULTS;

export const runArgs = {
  // the load model
  rate: { type: "string", description: `Requests per second on an open-loop schedule; FROM:TO ramps linearly over the duration, e.g. 10:500 (default ${D.rateRps})`, group: "Load model", valueHint: "rps" },
  duration: { type: "string", description: `Length of the measured load (500ms, 10s, 1m) (default ${D.durationMs / 1000}s)`, group: "Load model", valueHint: "duration" },
  arrival: { type: "string", description: "Arrivals: constant (evenly spaced) or poisson (random exponential gaps, drawn from --seed)", group: "Load model", default: D.arrival, valueHint: "kind" },
  seed: { type: "string", description: "Seed for Poisson arrivals and the mock's draws; printed in the report and the JSON, so the same seed replays the run (default random)", group: "Load model", valueHint: "n" },
  steps: { type: "string", description: "Rates held one after the other, e.g. 50,100,200 (with --step-duration, or --duration split evenly)", group: "Load model", valueHint: "list" },
  "step-duration": { type: "string", description: "How long each of --steps lasts; the load then lasts steps × this (default --duration ÷ steps)", group: "Load model", valueHint: "duration" },
  warmup: { type: "string", description: "Load first at the starting rate for this long; those requests are sent but left out of the figures", group: "Load model", default: "0", valueHint: "duration" },
  "max-in-flight": { type: "string", description: "Open requests at most; arrivals beyond are dropped and counted, never delayed", group: "Load model", default: String(D.maxInFlight), valueHint: "n" },
  concurrency: { type: "string", alias: "c", description: "Closed loop instead (hey-style): this many connections, each sending when its last response ends", group: "Load model", valueHint: "n" },
  requests: { type: "string", alias: "n", description: "Closed loop: stop after this many requests (instead of --duration)", group: "Load model", valueHint: "n" },
  client: { type: "string", description: "HTTP client: socket (HTTP/1.1 on raw sockets with a keep-alive pool in the load's own event loop; http:// and https://) or fetch (Bun's fetch, the reference, for anything the socket client does not speak)", group: "What is sent", default: D.client, valueHint: "kind" },
  connections: { type: "string", description: "Open loop: connections open at once at most (default: a due request opens one whenever none is idle); a request waiting for one counts the wait in its latency", group: "Load model", valueHint: "n" },
  insecure: { type: "boolean", alias: "k", description: "https: accept any certificate (no verification)", group: "What is sent", default: false },
  cacert: { type: "string", description: "https: trust the CA certificates in this PEM file instead of the system's", group: "What is sent", valueHint: "file" },
  workers: { type: "string", description: "Load generator threads, each with its own event loop and connections (processes with --client fetch); arrivals (or the connections of a closed loop) are interleaved across them, and their histograms merge exactly", group: "Load model", default: String(D.workers), valueHint: "n" },
  baseline: { type: "string", description: "Also send the same load straight to the mock, to measure what the gateway adds: interleaved (slices alternate, the load takes twice --duration), sequential (direct first), or off", group: "Load model", default: D.baseline, valueHint: "mode" },
  "baseline-slice": { type: "string", description: `Length of each interleaved slice; ${SLICE_ANSWERS} × the mock's answer time, in whole seconds, when that is longer (4s for its default 800 ms stream) (default ${D.baselineSliceMs / 1000}s)`, group: "Load model", valueHint: "duration" },
  // the gateway
  gateway: { type: "string", description: 'The gateway\'s command line, started for the run and split into argv without a shell (placeholders {{PORT}}, {{HOST}}, {{MOCK_URL}}, {{MOCK_HOST}}, {{MOCK_PORT}}, {{CONFIG}}, {{env.NAME}}), e.g. "nginx -p /tmp -c {{CONFIG}}"', group: "The gateway", valueHint: "command" },
  "gateway-shell": { type: "boolean", description: "Run --gateway through the shell, sh -c (cmd /c on Windows), for pipes, VAR=value cmd, cmd & other", group: "The gateway", default: false },
  "config-template": { type: "string", description: "Config rendered with the placeholders into a temp file (mode 0600) whose path is {{CONFIG}}; removed after the run", group: "The gateway", valueHint: "file" },
  "keep-temp": { type: "boolean", description: "Keep the gateway's temp folder as it was (the rendered config, its own temp files); without it only its log stays", group: "The gateway", default: false },
  "gateway-env": { type: "string", description: "Environment variable for the gateway, K=V, repeatable", group: "The gateway", valueHint: "K=V" },
  "gateway-cwd": { type: "string", description: "Working directory of the gateway", group: "The gateway", valueHint: "dir" },
  "ready-url": { type: "string", description: "Readiness: GET this URL (placeholders allowed) until it answers below 500 (default a TCP connect to the gateway port)", group: "The gateway", valueHint: "url" },
  "ready-timeout": { type: "string", description: "How long the gateway may take to get ready", group: "The gateway", default: "30s", valueHint: "duration" },
  setup: { type: "string", description: "Command run through the shell, sh -c (cmd /c on Windows; placeholders and variables as for --gateway) after the gateway is ready and before the load, e.g. to create routes through an admin API; a failure stops the run (exit 3) with its output", group: "The gateway", valueHint: "command" },
  teardown: { type: "string", description: "Command (through the shell, as --setup) run after the run, before the gateway is stopped; a failure is logged", group: "The gateway", valueHint: "command" },
  "stop-timeout": { type: "string", description: "Grace between SIGTERM and SIGKILL when the gateway is stopped", group: "The gateway", default: "5s", valueHint: "duration" },
  // what is sent
  target: { type: "string", description: "Base URL of a gateway that is already running, e.g. http://127.0.0.1:4000; none is started, but the mock still is, on --mock-port (default the built-in proxy)", group: "The gateway", valueHint: "url" },
  pid: { type: "string", description: "With --target: the gateway's process, sampled with its descendants for CPU and RSS", group: "The gateway", valueHint: "pid" },
  "pid-of-port": { type: "string", description: "With --target: sample the process listening on this port (Linux)", group: "The gateway", valueHint: "port" },
  "no-mock": { type: "boolean", description: "Do not start the mock, so there is no baseline either; with --target, for a gateway with a real upstream or any HTTP server", group: "The mock", default: false },
  path: { type: "string", description: `Request path, appended to the target; a --target with a path of its own is used as it is unless --path is given (default ${D.path})`, group: "What is sent", valueHint: "path" },
  method: { type: "string", description: "HTTP method (GET and HEAD send no body)", group: "What is sent", default: D.method, valueHint: "method" },
  header: { type: "string", alias: "H", description: 'Request header "Name: value", repeatable; added to the defaults content-type: application/json and authorization: Bearer gatebench, replacing one of the same name', group: "What is sent", valueHint: "header" },
  body: { type: "string", alias: "d", description: "Request body; a JSON object gets --stream, --max-tokens and --model applied when those flags are given, anything else is sent as it is", group: "What is sent", valueHint: "json" },
  "body-file": { type: "string", description: "Request body from a file, as --body", group: "What is sent", valueHint: "file" },
  prompts: { type: "string", description: 'JSONL file of bodies cycled in order, one per line: a request body (with messages), {"prompt": "…"}, or a JSON string', group: "What is sent", valueHint: "file" },
  model: { type: "string", description: `Model to ask for; overrides the one in a given body (default ${D.model})`, group: "What is sent", valueHint: "name" },
  "max-tokens": { type: "string", description: "Sets max_tokens in each body", group: "What is sent", valueHint: "n" },
  "prompt-tokens": { type: "string", description: "Generated prompt of about this many tokens", group: "What is sent", valueHint: "n" },
  stream: { type: "boolean", description: "Ask for a stream (stream: true with stream_options.include_usage) and read its SSE event by event", group: "What is sent", default: false },
  timeout: { type: "string", description: "Per-request timeout; a request over it is a timeout error", group: "What is sent", default: `${D.timeoutMs / 1000}s`, valueHint: "duration" },
  // phases and output
  idle: { type: "string", description: "Quiet phase before the load: the gateway's idle footprint", group: "Phases and output", default: `${D.idleMs / 1000}s`, valueHint: "duration" },
  "sample-interval": { type: "string", description: "How often CPU and RSS are sampled (at least 50ms)", group: "Phases and output", default: `${D.sampleIntervalMs}ms`, valueHint: "duration" },
  cooldown: { type: "string", description: "Quiet phase after the load: does memory come back?", group: "Phases and output", default: `${D.cooldownMs / 1000}s`, valueHint: "duration" },
  port: { type: "string", description: "Gateway port; 0 picks a free one (the report says which)", group: "The gateway", default: String(D.port), valueHint: "port" },
  "mock-port": { type: "string", description: "Mock upstream port; 0 picks a free one", group: "The mock", default: String(D.mockPort), valueHint: "port" },
  json: { type: "string", description: "Also write the full result as JSON to this file, checked before the run (-: JSON on stdout, the report on stderr); secret headers and variables are written as [redacted]", group: "Phases and output", valueHint: "file" },
  html: { type: "string", description: "Also write the HTML report to this file: one self-contained page (it opens offline) with the summary tables and plots", group: "Phases and output", valueHint: "file" },
  out: { type: "string", description: "Write the run folder, created if needed (files in it are replaced): result.json, one .hgrm percentile file per histogram, report.html, and gateway.log for a --gateway", group: "Phases and output", valueHint: "dir" },
  slo: { type: "string", description: 'Gate, repeatable: metric[.stat] op value[unit], e.g. "latency.p99 < 250ms", "success >= 99.9%", "rss.load.max < 100MB"; exit 1 when one fails', group: "Gates", valueHint: "expr" },
  "min-success": { type: "string", description: 'Gate: exit 1 when the success ratio is below this (100%, 99.9% or 0.999); --min-success 99.9% is --slo "success >= 99.9%"', group: "Gates", valueHint: "pct" },
  targets: { type: "string", description: "Preset of targets judged in every report: seed (success 100 %, idle RSS < 20 MB, RSS < 100 MB with 100 streams, unary overhead < 5 ms) or none", group: "Gates", default: "seed", valueHint: "preset" },
  strict: { type: "boolean", description: "Enforce the --targets preset: a missed target fails the run (exit 1) like a gate", group: "Gates", default: false },
  "abort-on-fail": { type: "boolean", description: "Stop the load as soon as a gate can no longer pass (a failure under success >= 100%, a timeout under errors.timeout == 0); the report and files are still written, exit 1", group: "Gates", default: false },
  instance: { type: "string", description: "Name of this instance when several gatebench instances share one load, each sending its part of the rate; kept in config.instance for gatebench merge", group: "Phases and output", valueHint: "id" },
  "start-at": { type: "string", description: "Begin the load at this instant, ISO 8601 with a zone (e.g. 2026-11-23T10:00:00Z), so that instances on several machines begin together; the mock, the gateway, --setup and the idle phase come first", group: "Phases and output", valueHint: "time" },
  verbose: { type: "boolean", description: "Debug logs, and stack traces on errors", group: "Phases and output", default: false },
  ...mockRunArgs(),
} as const;

/** The mock's behaviour flags, as --mock-NAME (see gatebench mock --help). */
function mockRunArgs() {
  const out: Record<string, { type: "string"; description: string; group: string; valueHint: string; default?: string }> = {};
  for (const [name, def] of Object.entries(mockModelArgs)) {
    out[`mock-${name}`] = { type: "string", description: `Mock: ${def.description.charAt(0).toLowerCase()}${def.description.slice(1)}`, group: "The mock", valueHint: def.valueHint, ...("default" in def ? { default: def.default } : {}) };
  }
  return out as { [K in keyof typeof mockModelArgs as `mock-${K}`]: { type: "string"; description: string; group: string; valueHint: string } };
}

type Str = string | undefined;
export type RunArgValues = {
  rate: Str;
  duration: Str;
  arrival: string;
  seed: Str;
  steps: Str;
  "step-duration": Str;
  warmup: string;
  "max-in-flight": string;
  concurrency: Str;
  requests: Str;
  workers: string;
  client: string;
  connections: Str;
  insecure: boolean;
  cacert: Str;
  baseline: string;
  "baseline-slice": string;
  gateway: Str;
  "gateway-shell": boolean;
  "config-template": Str;
  "keep-temp": boolean;
  "gateway-env": Str;
  "gateway-cwd": Str;
  "ready-url": Str;
  "ready-timeout": string;
  "stop-timeout": string;
  setup: Str;
  teardown: Str;
  target: Str;
  pid: Str;
  "pid-of-port": Str;
  "no-mock"?: boolean;
  mock?: boolean;
  path: Str;
  method: string;
  header: Str;
  body: Str;
  "body-file": Str;
  prompts: Str;
  model: Str;
  "max-tokens": Str;
  "prompt-tokens": Str;
  stream: boolean;
  timeout: string;
  idle: string;
  cooldown: string;
  "sample-interval": string;
  port: string;
  "mock-port": string;
  json?: string;
  html?: string;
  out?: string;
  "min-success"?: string;
  slo?: string;
  targets: string;
  strict: boolean;
  "abort-on-fail": boolean;
  instance?: string;
  "start-at"?: string;
  verbose: boolean;
} & { [K in keyof MockModelValues as `mock-${K}`]?: string };

/** "50" or "10:500": a rate, or a ramp's two ends. */
function rateFlag(value: string): { from: number; to: number | undefined } {
  const parts = value.split(":");
  const bad = (): UsageError => new UsageError(`--rate "${value}": expected a rate above zero, or FROM:TO with TO above zero, e.g. --rate 200 or --rate 10:500`);
  const num = (v: string): number => (/^\s*(\d+(\.\d*)?|\.\d+)\s*$/.test(v) ? Number(v) : Number.NaN);
  if (parts.length === 2) {
    const from = num(parts[0]!);
    const to = num(parts[1]!);
    if (!(from >= 0) || !(to > 0) || !Number.isFinite(from) || !Number.isFinite(to)) throw bad();
    return { from, to };
  }
  if (parts.length > 2) throw bad();
  return { from: positiveNumberFlag("rate", value, "200"), to: undefined };
}

function stepsFlag(value: string): number[] {
  const rates = value.split(",").map((v) => positiveNumberFlag("steps", v, "50,100,200"));
  return rates;
}

/** Headers given with -H, each "Name: value"; all of them (citty keeps only the last of a repeated flag). */
function headersFrom(rawArgs: string[]): [string, string][] {
  const out: [string, string][] = [];
  for (const a of rawArgs) {
    if (!a.startsWith("--header=")) continue;
    const v = a.slice("--header=".length);
    const colon = v.indexOf(":");
    const name = colon > 0 ? v.slice(0, colon).trim() : "";
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) throw new UsageError(`--header "${v}": expected "Name: value", e.g. -H "Authorization: Bearer sk-test"`);
    out.push([name, v.slice(colon + 1).trim()]);
  }
  return out;
}

/** Refuses flags that cannot go together. */
function conflicts(given: (flag: string) => boolean, pairs: [string, string, string][]): void {
  for (const [a, b, why] of pairs) if (given(a) && given(b)) throw new UsageError(`--${a} and --${b} cannot be used together: ${why}`);
}

/** A flag without a default: undefined when absent, else its value parsed by `parse`. */
const optional = <T>(value: string | undefined, parse: (v: string) => T): T | undefined => (value === undefined ? undefined : parse(value));

const randomSeed = (): number => Math.floor(Math.random() * 2 ** 31);

/** Flags → a validated configuration; a bad value is a UsageError naming the flag. */
export function runConfigFrom(a: RunArgValues, rawArgs: string[]): RunConfig {
  // what the command line says, not the parsed values: flags with defaults are "given" only when typed
  const given = (flag: string): boolean => rawArgs.some((r) => r === `--${flag}` || r.startsWith(`--${flag}=`));
  conflicts(given, [
    ["concurrency", "rate", "-c runs a closed loop (each connection sends when its response ends); --rate sets an open-loop schedule"],
    ["concurrency", "steps", "--steps is an open-loop schedule; -c runs a closed loop"],
    ["concurrency", "arrival", "arrivals belong to the open loop; -c runs a closed loop"],
    ["concurrency", "max-in-flight", "a closed loop never has more than -c requests open"],
    ["concurrency", "connections", "-c N is a closed loop over N connections"],
    ["steps", "rate", "--steps gives the rates; drop --rate"],
    ["body", "body-file", "give the body one way"],
    ["body", "prompts", "--prompts gives the bodies"],
    ["body-file", "prompts", "--prompts gives the bodies"],
    ["prompt-tokens", "body", "--prompt-tokens generates the body"],
    ["prompt-tokens", "body-file", "--prompt-tokens generates the body"],
    ["prompt-tokens", "prompts", "--prompts gives the prompts"],
    ["requests", "duration", "-n runs until the requests are done; drop --duration"],
    ["gateway", "target", "--gateway starts a gateway for the run; --target loads one that is already running"],
  ]);
  for (const f of ["gateway-shell", "config-template", "keep-temp", "gateway-env", "gateway-cwd", "ready-url"]) {
    if (given(f) && !given("gateway")) throw new UsageError(`--${f} belongs to --gateway: give the gateway's command line too, e.g. --gateway "nginx -p /tmp -c {{CONFIG}}"`);
  }
  if (given("requests") && !given("concurrency")) throw new UsageError("-n/--requests counts requests of a closed loop: give -c/--concurrency too, e.g. -c 50 -n 1000");
  if (given("step-duration") && given("duration")) throw new UsageError("--duration and --step-duration cannot be used together with --steps: the run lasts steps × --step-duration (or give --duration alone to split it evenly)");
  if (given("step-duration") && !given("steps")) throw new UsageError("--step-duration needs --steps, e.g. --steps 50,100,200 --step-duration 10s");
  const rate = a.rate === undefined ? { from: D.rateRps, to: undefined } : rateFlag(a.rate);
  const steps = optional(a.steps, stepsFlag);
  const stepMs = optional(a["step-duration"], (v) => durationFlag("step-duration", v));
  let durationMs = a.duration === undefined ? D.durationMs : durationFlag("duration", a.duration);
  if (steps && stepMs !== undefined) durationMs = steps.length * stepMs;
  if (a.arrival !== "constant" && a.arrival !== "poisson") throw new UsageError(`--arrival "${a.arrival}": expected constant or poisson, e.g. --arrival poisson`);
  const seed = a.seed === undefined ? randomSeed() : wholeOrZero("seed", a.seed);
  const noMock = a["no-mock"] === true || a.mock === false;
  const target = optional(a.target, (v) => urlFlag("target", v));
  if (noMock) {
    const mockFlag = rawArgs.find((r) => r.startsWith("--mock-") && !r.startsWith("--mock-port"));
    if (mockFlag) throw new UsageError(`${mockFlag.split("=")[0]} has no effect with --no-mock: no mock is started`);
  }
  if (!["interleaved", "sequential", "off"].includes(a.baseline)) throw new UsageError(`--baseline "${a.baseline}": expected interleaved, sequential or off, e.g. --baseline sequential`);
  if (noMock && given("baseline") && a.baseline !== "off") throw new UsageError(`--baseline ${a.baseline} sends the load straight to the mock, and --no-mock starts none: drop --baseline`);
  if (given("baseline-slice") && a.baseline !== "interleaved") throw new UsageError(`--baseline-slice sets the slices of --baseline interleaved, and --baseline is ${a.baseline}: drop one of them`);
  if (noMock && !target) throw new UsageError("--no-mock needs --target: without a target, gatebench loads its built-in proxy, which forwards to the mock");
  const method = a.method.trim().toUpperCase();
  if (!/^[A-Z]+$/.test(method)) throw new UsageError(`--method "${a.method}": expected an HTTP method, e.g. --method POST`);
  const bodyFlag = ["body", "body-file", "prompts", "prompt-tokens"].find(given);
  if ((method === "GET" || method === "HEAD") && bodyFlag) throw new UsageError(`--method ${method} sends no body: drop --${bodyFlag}`);
  if ((method === "GET" || method === "HEAD") && a.stream) throw new UsageError(`--stream asks for a stream in the request body, and --method ${method} sends none`);
  const path = a.path ?? D.path;
  const maxTokens = optional(a["max-tokens"], (v) => wholeNumberFlag("max-tokens", v, "256"));
  const mock = mockConfig(a, seed);
  if (!path.startsWith("/")) throw new UsageError(`--path "${path}": expected a path starting with /, e.g. --path /v1/embeddings`);
  const cfg: RunConfig = {
    ...RUN_DEFAULTS,
    rateRps: rate.from,
    rateToRps: rate.to,
    steps,
    stepMs,
    arrival: a.arrival,
    seed,
    durationMs,
    warmupMs: durationFlag("warmup", a.warmup, { allowZero: true, example: "5s" }),
    maxInFlight: wholeNumberFlag("max-in-flight", a["max-in-flight"], "1000"),
    concurrency: optional(a.concurrency, (v) => wholeNumberFlag("concurrency", v, "50")),
    requests: optional(a.requests, (v) => wholeNumberFlag("requests", v, "1000")),
    workers: wholeNumberFlag("workers", a.workers, "2"),
    client: clientFlag(a.client),
    connections: optional(a.connections, (v) => wholeNumberFlag("connections", v, "100")),
    insecure: a.insecure,
    caFile: optional(a.cacert, (v) => readableFile("cacert", v)),
    baseline: noMock ? "off" : (a.baseline as RunConfig["baseline"]),
    baselineSliceMs: a["baseline-slice"] === undefined ? sliceFor(answerMs(mock.model, a.stream, maxTokens)) : durationFlag("baseline-slice", a["baseline-slice"], { example: "1s" }),
    target,
    gateway: gatewayConfig(a, rawArgs),
    setup: a.setup,
    teardown: a.teardown,
    attachPid: optional(a.pid, (v) => wholeNumberFlag("pid", v, "12345")),
    attachPort: optional(a["pid-of-port"], (v) => portFlag("pid-of-port", v)),
    readyTimeoutMs: durationFlag("ready-timeout", a["ready-timeout"], { example: "60s" }),
    stopTimeoutMs: durationFlag("stop-timeout", a["stop-timeout"], { allowZero: true, example: "10s" }),
    noMock,
    path,
    method,
    headers: headersFrom(rawArgs),
    body: a.body,
    bodyFile: optional(a["body-file"], (v) => resolve(v)),
    promptsFile: optional(a.prompts, (v) => resolve(v)),
    model: a.model ?? D.model,
    modelGiven: a.model !== undefined,
    maxTokens,
    promptTokens: optional(a["prompt-tokens"], (v) => wholeNumberFlag("prompt-tokens", v, "1000")),
    stream: a.stream,
    timeoutMs: durationFlag("timeout", a.timeout, { example: "30s" }),
    idleMs: durationFlag("idle", a.idle, { allowZero: true, example: "3s" }),
    cooldownMs: durationFlag("cooldown", a.cooldown, { allowZero: true, example: "3s" }),
    sampleIntervalMs: durationFlag("sample-interval", a["sample-interval"], { example: "250ms" }),
    port: portFlag("port", a.port),
    mockPort: portFlag("mock-port", a["mock-port"]),
    jsonPath: a.json === "-" ? "-" : a.json ? resolve(a.json) : undefined,
    htmlPath: optional(a.html, (v) => resolve(v)),
    outDir: optional(a.out, (v) => resolve(v)),
    minSuccess: optional(a["min-success"], (v) => ratioFlag("min-success", v)),
    instance: optional(a.instance, instanceFlag),
    slo: repeated(rawArgs, "slo"),
    targets: a.targets as RunConfig["targets"],
    strict: a.strict,
    abortOnFail: a["abort-on-fail"],
    mock: { flags: mock.flags, seed: mock.seed },
  };
  checkGates(cfg);
  // the mock and the gateway may take up to --ready-timeout each to start; with --target --no-mock nothing starts
  if (a["start-at"] !== undefined) cfg.startAt = startAtFlag(a["start-at"], cfg.idleMs, cfg.target && cfg.noMock ? 0 : cfg.readyTimeoutMs);
  if ((cfg.attachPid !== undefined || cfg.attachPort !== undefined) && !cfg.target) throw new UsageError("--pid and --pid-of-port name a gateway attached with --target, e.g. --target http://127.0.0.1:4000 --pid-of-port 4000");
  if (cfg.attachPid !== undefined && cfg.attachPort !== undefined) throw new UsageError("--pid and --pid-of-port cannot be used together: name the process one way");
  if (cfg.sampleIntervalMs < 50) throw new UsageError(`--sample-interval "${a["sample-interval"]}": at least 50ms (CPU is read from 10 ms kernel ticks), e.g. --sample-interval 250ms`);
  if (cfg.client === "fetch" && cfg.connections !== undefined) throw new UsageError(`--connections caps the socket client's pool; Bun's fetch keeps its own (at most ${FETCH_POOL_SIZE} idle connections): drop --connections, or use --client socket`);
  if ((cfg.insecure || cfg.caFile) && !(cfg.target ?? "").startsWith("https:")) throw new UsageError(`--${cfg.insecure ? "insecure" : "cacert"} is for an https:// --target, e.g. --target https://127.0.0.1:4443 --cacert ca.pem`);
  if (cfg.insecure && cfg.caFile) throw new UsageError("--insecure and --cacert cannot be used together: --insecure accepts any certificate, --cacert verifies against the CA given");
  if (cfg.workers > 64) throw new UsageError(`--workers "${a.workers}": at most 64, e.g. --workers 2`);
  if (cfg.concurrency !== undefined && cfg.workers > cfg.concurrency) throw new UsageError(`--workers ${cfg.workers} is more than -c ${cfg.concurrency}: each worker needs at least one connection`);
  if (cfg.jsonPath && cfg.jsonPath !== "-") checkWritableFile("json", a.json!, cfg.jsonPath);
  if (cfg.htmlPath) checkWritableFile("html", a.html!, cfg.htmlPath);
  if (cfg.outDir) checkOutDir(a.out!, cfg.outDir);
  if (!cfg.target && !cfg.noMock && cfg.port !== 0 && cfg.port === cfg.mockPort) {
    throw new UsageError(`--port and --mock-port are both ${cfg.port}: the gateway and the mock need different ports, e.g. --port 8081 --mock-port 9091`);
  }
  return cfg;
}

/** The --gateway flags; the command and template are rendered (and checked) when the run starts. */
function gatewayConfig(a: RunArgValues, rawArgs: string[]): GatewaySpec | undefined {
  if (a.gateway === undefined) return undefined;
  if (a.gateway.trim() === "") throw new UsageError('--gateway "": give the gateway\'s command line, e.g. --gateway "nginx -p /tmp -c {{CONFIG}}"');
  const env: [string, string][] = [];
  for (const raw of rawArgs) {
    if (!raw.startsWith("--gateway-env=")) continue;
    const v = raw.slice("--gateway-env=".length);
    const eq = v.indexOf("=");
    if (eq <= 0 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(v.slice(0, eq))) throw new UsageError(`--gateway-env "${v}": expected NAME=value, e.g. --gateway-env LOG_LEVEL=warn`);
    env.push([v.slice(0, eq), v.slice(eq + 1)]);
  }
  const cwd = optional(a["gateway-cwd"], (v) => resolve(v));
  if (cwd !== undefined && !(existsSync(cwd) && statSync(cwd).isDirectory())) throw new UsageError(`--gateway-cwd "${a["gateway-cwd"]}": not a directory`);
  const template = optional(a["config-template"], (v) => resolve(v));
  if (template !== undefined && !existsSync(template)) throw new UsageError(`--config-template "${a["config-template"]}": no such file`);
  return { command: a.gateway, shell: a["gateway-shell"], configTemplate: template, keepTemp: a["keep-temp"], env, cwd, readyUrl: a["ready-url"] };
}

/** Every value of a repeatable flag (citty keeps only the last). */
function repeated(rawArgs: string[], flag: string): string[] {
  return rawArgs.filter((r) => r.startsWith(`--${flag}=`)).map((r) => r.slice(flag.length + 3));
}

/** --slo, --targets, --strict, --abort-on-fail: each expression read, and measurable in this run. */
function checkGates(cfg: RunConfig): void {
  if (!(TARGET_PRESETS as readonly string[]).includes(cfg.targets)) throw new UsageError(`--targets "${cfg.targets}": expected ${TARGET_PRESETS.join(" or ")}, e.g. --targets seed --strict`);
  if (cfg.strict && cfg.targets === "none") throw new UsageError("--strict enforces the --targets preset, and --targets is none: drop one of them");
  const setup = {
    stream: cfg.stream,
    baseline: baselineOrder(cfg) !== undefined,
    mock: !cfg.noMock,
    gatewaySampled: !cfg.target || cfg.attachPid !== undefined || cfg.attachPort !== undefined,
  };
  for (const expr of cfg.slo) {
    let slo: Slo;
    try {
      slo = parseSlo(expr);
    } catch (err) {
      if (err instanceof SloError) throw new UsageError(err.explain("--slo "));
      throw err;
    }
    const why = unmeasurable(slo, setup);
    if (why) throw new UsageError(`--slo "${slo.expr}": ${why}`);
  }
  if (cfg.abortOnFail && cfg.slo.length === 0 && cfg.minSuccess === undefined && !cfg.strict) {
    throw new UsageError('--abort-on-fail stops a run whose gate can no longer pass, and no gate is set: add one, e.g. --slo "success >= 100%"');
  }
}

const ISO_INSTANT = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(?:(Z)|([+-])(\d{2}):?(\d{2}))$/i;

/**
 * An ISO 8601 date and time with its zone ("2026-11-23T10:00:00Z",
 * "2026-11-23T11:00:00.5+01:00", "2026-11-23 10:00Z") as epoch ms;
 * undefined for anything else, a time without a zone included (which
 * zone would it be on another machine?) and a day the month lacks.
 */
export function parseInstant(value: string): number | undefined {
  const m = ISO_INSTANT.exec(value.trim());
  if (!m) return undefined;
  const [y, mo, d, h, mi, sec] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? "0"].map(Number) as [number, number, number, number, number, number];
  const [offH, offM] = [Number(m[10] ?? 0), Number(m[11] ?? 0)];
  if (offH > 23 || offM > 59) return undefined;
  const utc = Date.UTC(y, mo - 1, d, h, mi, sec);
  const t = new Date(utc);
  // Date.UTC rolls Feb 30 over into March: the fields must come back as given
  if (t.getUTCFullYear() !== y || t.getUTCMonth() !== mo - 1 || t.getUTCDate() !== d || t.getUTCHours() !== h || t.getUTCMinutes() !== mi || t.getUTCSeconds() !== sec) return undefined;
  const fractionMs = m[7] ? Math.trunc(Number(`0.${m[7]}`) * 1000) : 0;
  const offsetMs = m[8] ? 0 : (m[9] === "-" ? -1 : 1) * (offH * 60 + offM) * 60_000;
  return utc + fractionMs - offsetMs;
}

/**
 * --start-at: the instant in UTC with milliseconds. Refused: not a time with
 * a zone; an instant the load cannot meet (passed, or nearer than the idle
 * phase, by more than START_AT_SLACK_MS); one more than 24 h ahead.
 */
function startAtFlag(value: string, idleMs: number, readyTimeoutMs: number, nowMs = Date.now()): string {
  const ms = parseInstant(value);
  if (ms === undefined) throw new UsageError(`--start-at "${value}": expected an ISO 8601 date and time with a zone (Z or +hh:mm), e.g. --start-at 2026-11-23T10:00:00Z or ${startAtExample(120)}`);
  const span = (x: number): string => (x < 120_000 ? `${(x / 1000).toFixed(1)} s` : x < 7_200_000 ? `${Math.round(x / 60_000)} min` : x < 172_800_000 ? `${Math.round(x / 3_600_000)} h` : `${Math.round(x / 86_400_000)} days`);
  // the load begins after the idle phase at the earliest; the mock and the gateway may take up to --ready-timeout before it
  const advice = startAtAdvice(Math.ceil((idleMs + readyTimeoutMs) / 1000));
  if (ms + START_AT_SLACK_MS < nowMs + idleMs) {
    if (ms <= nowMs) throw new UsageError(`--start-at "${value}": passed ${span(nowMs - ms)} ago; ${advice}`);
    throw new UsageError(`--start-at "${value}": only ${span(ms - nowMs)} ahead, and the ${idleMs / 1000} s idle phase comes first; ${advice}`);
  }
  if (ms - nowMs > START_AT_HORIZON_MS) throw new UsageError(`--start-at "${value}": ${span(ms - nowMs)} ahead; give a time within the next 24 h, e.g. ${startAtExample(120)}`);
  return new Date(ms).toISOString();
}

function instanceFlag(value: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(value)) throw new UsageError(`--instance "${value}": expected a short name of letters, digits, ".", "_" or "-", e.g. --instance pod-0`);
  return value;
}

function wholeOrZero(flag: string, value: string): number {
  return value.trim() === "0" ? 0 : wholeNumberFlag(flag, value, "42");
}

function urlFlag(flag: string, value: string): string {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new UsageError(`--${flag} "${value}": expected an http:// or https:// URL, e.g. --${flag} http://127.0.0.1:4000`);
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") throw new UsageError(`--${flag} "${value}": expected an http:// or https:// URL, e.g. --${flag} http://127.0.0.1:4000`);
  return u.href;
}

function clientFlag(value: string): ClientKind {
  if (!(CLIENT_KINDS as readonly string[]).includes(value)) throw new UsageError(`--client "${value}": expected ${CLIENT_KINDS.join(" or ")}, e.g. --client fetch`);
  return value as ClientKind;
}

/** A file that must exist and be readable now; its absolute path. */
function readableFile(flag: string, value: string): string {
  const path = resolve(value);
  try {
    accessSync(path, constants.R_OK);
    if (!statSync(path).isFile()) throw new Error("not a file");
  } catch {
    throw new UsageError(`--${flag} "${value}": no readable file there, e.g. --${flag} ./ca.pem`);
  }
  return path;
}

/** Checks the --mock-* flags here (a usage error, before anything starts) and keeps those given for the mock child. */
function mockConfig(a: RunArgValues, seed: number): RunConfig["mock"] & { model: ReturnType<typeof mockModel> } {
  const given: MockModelValues = {};
  const flags: Record<string, string> = {};
  for (const name of Object.keys(mockModelArgs) as (keyof MockModelValues)[]) {
    const v = (a as Record<string, unknown>)[`mock-${name}`];
    if (typeof v === "string" && v !== String((mockModelArgs[name] as { default?: string }).default ?? "\0")) {
      given[name] = v;
      if (name !== "seed") flags[name] = v;
    }
  }
  const model = mockModel(given.seed === undefined ? { ...given, seed: String(seed) } : given, "mock-");
  return { flags, seed: model.seed, model };
}

/** An output file is checked before the run, so a long run is never lost to a typo in its path. */
export function checkWritableFile(flag: string, given: string, path: string): void {
  const parent = dirname(path);
  let ok = false;
  try {
    ok = statSync(parent).isDirectory();
    if (ok) accessSync(parent, constants.W_OK);
  } catch {
    ok = false;
  }
  if (!ok) throw new UsageError(`--${flag} "${given}": directory ${parent} does not exist or is not writable, e.g. --${flag} result.json`);
  if (existsSync(path) && statSync(path).isDirectory()) throw new UsageError(`--${flag} "${given}": is a directory; give a file name, e.g. --${flag} ${join(given, "result.json")}`);
}

/** --out: a folder that exists or can be made (its parent exists and is writable); not a file. */
export function checkOutDir(given: string, dir: string): void {
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory()) throw new UsageError(`--out "${given}": is a file; give a folder, e.g. --out results/run1`);
    try {
      accessSync(dir, constants.W_OK);
    } catch {
      throw new UsageError(`--out "${given}": folder is not writable`);
    }
    return;
  }
  let parent = dirname(dir);
  while (!existsSync(parent) && dirname(parent) !== parent) parent = dirname(parent);
  try {
    accessSync(parent, constants.W_OK);
  } catch {
    throw new UsageError(`--out "${given}": cannot create it (${parent} is not writable), e.g. --out ./results/run1`);
  }
  if (!statSync(parent).isDirectory()) throw new UsageError(`--out "${given}": ${parent} is a file`);
}

/** Header and variable names whose values are secrets: kept out of the JSON result (it ends up in CI artifacts). */
const SECRET_NAME = /^(authorization|proxy-authorization|cookie|x-api-key|api-key)$|key|token|secret|password/i;

const redacted = (name: string, value: string): string => {
  if (!SECRET_NAME.test(name)) return value;
  const scheme = /^(Bearer|Basic)\s+/i.exec(value)?.[0] ?? "";
  return `${scheme}[redacted]`;
};

/** This gatebench, as a result names it. */
export const toolInfo = (): ToolInfo => ({ version: VERSION, commit: commit(), bun: Bun.version, os: `${process.platform}-${process.arch}`, cpus: cpus().length });

/** The configuration as a result keeps it: secrets in headers and the gateway's environment redacted. */
export const configRecord = (cfg: RunConfig): Record<string, unknown> => ({
  ...cfg,
  headers: cfg.headers.map(([k, v]) => [k, redacted(k, v)]),
  ...(cfg.gateway ? { gateway: { ...cfg.gateway, env: cfg.gateway.env.map(([k, v]) => [k, redacted(k, v)]) } } : {}),
});

/** The client and its connections; `warmup`: the warm-up's requests, sent on the same connections. */
function clientInfo(kind: string, rec: Recorder, warmup: number, direct: Recorder | undefined): ClientInfo {
  const perConnection = (requests: number, opened: number): number => (opened > 0 ? Math.round((requests / opened) * 10) / 10 : 0);
  if (rec.connectionsOpened < 0) return { kind };
  return {
    kind,
    connections_opened: rec.connectionsOpened,
    requests_per_connection: perConnection(rec.total + warmup, rec.connectionsOpened),
    keepalive_retries: rec.keepAliveRetries,
    // the baseline's warm-up shares its connections too; it is small next to the load, and left out
    ...(direct && direct.connectionsOpened >= 0 ? { direct: { connections_opened: direct.connectionsOpened, requests_per_connection: perConnection(direct.total, direct.connectionsOpened) } } : {}),
  };
}

export function documentOf(r: RunResult): ResultDoc {
  const gw = r.processes.gateway;
  const mock = r.processes.mock;
  const cfg = r.config;
  const b = r.baseline;
  const run: RunInfo = {
    started_at: r.startedAt,
    load_started_at: r.loadStartedAt,
    load_model: isClosedLoop(cfg) ? "closed" : "open",
    load: describeLoad(cfg),
    target: r.url,
    gateway: gw
      ? { kind: cfg.gateway ? "command" : "built-in proxy", pid: gw.pid, port: gw.port, command: gw.command, ...(gw.log ? { log: gw.log } : {}) }
      : { kind: "external", ...(r.attachedPid !== undefined ? { pid: r.attachedPid } : {}), sampled: r.attachedPid !== undefined },
    mock: mock ? { pid: mock.pid, port: mock.port, url: `http://${cfg.host}:${mock.port}/v1`, received: r.mock ? { ...r.mock } : undefined } : undefined,
    baseline: b
      ? { order: b.order, ...(b.order === "interleaved" ? { slice_ms: b.sliceMs } : {}), url: b.url, mock: { pid: b.mock.pid, port: b.mock.port, received: b.received ? { ...b.received } : undefined } }
      : undefined,
    client: clientInfo(cfg.client, r.recorder, r.warmup.requests, b?.recorder),
    warmup: cfg.warmupMs > 0 ? { duration_ms: cfg.warmupMs, ...r.warmup } : undefined,
    load_ms: Math.round(r.loadMs),
    completed: !r.ended.early,
    ended_early: r.ended.early ? r.ended.reason : undefined,
  };
  return resultDoc(
    toolInfo(),
    configRecord(cfg),
    run,
    r.summary,
    {
      ...r.recorder.histograms,
      ...(b ? Object.fromEntries(Object.entries(b.recorder.histograms).map(([name, h]) => [`direct.${name}`, h])) : {}),
    },
    r.timeline,
    r.resourceSeries,
    b?.timeline,
  );
}

/**
 * Ctrl-C once: stop sending, let in-flight requests finish, report.
 * Ctrl-C again, or SIGTERM (timeout, kill, a CI runner): abort the requests
 * in flight now, then report what was measured. A relaunched run aborts too
 * when its launcher is gone.
 */
export function interrupts(): { stop: AbortController; abort: AbortController; dispose(): void } {
  const stop = new AbortController();
  const abort = new AbortController();
  if (process.env[RELAUNCHED_VAR]) {
    void launcherGone().then(() => {
      stop.abort();
      abort.abort();
    });
  }
  const onSigint = (): void => {
    if (!stop.signal.aborted) {
      log.warn("interrupted: no new requests; waiting for those in flight (Ctrl-C again to abort them)");
      stop.abort();
    } else if (!abort.signal.aborted) {
      log.warn("aborting in-flight requests and stopping");
      abort.abort();
    }
  };
  const onSigterm = (): void => {
    log.warn("terminated: aborting in-flight requests and stopping");
    stop.abort();
    abort.abort();
  };
  process.on("SIGINT", onSigint);
  process.on("SIGTERM", onSigterm);
  process.on("SIGHUP", onSigterm);
  return {
    stop,
    abort,
    dispose() {
      process.off("SIGINT", onSigint);
      process.off("SIGTERM", onSigterm);
      process.off("SIGHUP", onSigterm);
    },
  };
}

/**
 * The result files asked for, each written atomically; also after a run
 * that ended early (the JSON then says run.completed: false). A file that
 * cannot be written is reported and the others are still tried.
 */
function writeResults(cfg: RunConfig, doc: ResultDoc, gatewayLog: string | undefined): boolean {
  const partial = doc.run.completed ? "" : " (partial: the run ended early)";
  let ok = true;
  const attempt = (what: string, write: () => unknown): void => {
    try {
      write();
      log.info(`${what} written${partial}`);
    } catch (err) {
      log.error(`could not write the ${what}: ${(err as Error).message}`);
      ok = false;
    }
  };
  if (cfg.jsonPath && cfg.jsonPath !== "-") attempt(`result ${cfg.jsonPath}`, () => writeAtomic(cfg.jsonPath!, jsonText(doc)));
  if (cfg.htmlPath) attempt(`HTML report ${cfg.htmlPath}`, () => writeAtomic(cfg.htmlPath!, htmlReport(doc)));
  if (cfg.outDir) attempt(`run folder ${cfg.outDir}`, () => writeRunFolder(cfg.outDir!, doc, gatewayLog));
  return ok;
}

export const runCommand = defineCommand({
  meta: { name: "run", description: "Benchmark a gateway against the mock upstream (the default command)" },
  args: runArgs,
  async run({ args, rawArgs }): Promise<number> {
    const a = args as unknown as RunArgValues;
    setVerbose(a.verbose);
    const cfg = runConfigFrom(a, rawArgs);
    const signals = interrupts();
    // progress: one line redrawn in place on a terminal, a plain line every 2 s otherwise
    const tty = Boolean(process.stderr.isTTY) && process.env.TERM !== "dumb";
    const plannedMs = cfg.requests !== undefined ? undefined : (cfg.warmupMs + scheduledMs(cfg)) * (baselineOrder(cfg) ? 2 : 1);
    let result: RunResult;
    try {
      result = await runBenchmark(
        cfg,
        {
          log: (m) => log.info(m),
          progressEveryMs: tty ? 250 : 2000,
          progress: (p, elapsedMs) => {
            const line = progressLine({ ...p, elapsedMs, plannedMs });
            if (tty) process.stderr.write(`\r\x1b[K${line}`);
            else log.info(line);
          },
          progressEnd: () => {
            if (tty) process.stderr.write("\r\x1b[K");
          },
        },
        { stop: signals.stop.signal, abort: signals.abort.signal },
        { pathGiven: rawArgs.some((x) => x.startsWith("--path=")) },
      );
    } finally {
      signals.dispose();
    }
    const doc = documentOf(result);
    if (cfg.jsonPath === "-") {
      // JSON on stdout for a pipe; the report still reaches a reader, on stderr
      process.stderr.write(`${textReport(doc, { color: useColor(process.stderr) })}\n`);
      process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
    } else {
      process.stdout.write(`${textReport(doc, { color: useColor(process.stdout) })}\n`);
    }
    const written = writeResults(cfg, doc, result.processes.gateway?.log);
    if (result.ended.early && result.ended.gate !== undefined) {
      // --abort-on-fail: the run was stopped because a gate had failed; that is the verdict
      log.error(`gate failed: ${result.ended.gate} (the load was stopped early: ${result.ended.reason})`);
      return written ? EXIT.sloFailed : EXIT.runFailed;
    }
    if (result.ended.early) {
      log.error(`run ended early: ${result.ended.reason}`);
      return EXIT.runFailed;
    }
    if (!written) return EXIT.runFailed;
    const failed = (doc.summary.slo ?? []).filter((g) => !g.pass);
    if (failed.length > 0) {
      log.error(`gate failed: ${failed.map((g) => g.expr).join(", ")}`);
      return EXIT.sloFailed;
    }
    return EXIT.ok;
  },
});
