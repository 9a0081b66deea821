// One benchmark's configuration: everything needed to replay it.

import type { Api } from "../apis.ts";
import { constantShape, rampShape, type Segment, Shape, stepsShape, withWarmup } from "../load/pacer.ts";
import type { GatewaySpec } from "../gateway/external.ts";
import type { ClientKind } from "../load/client.ts";
import type { LoadMode } from "../load/load.ts";
import type { TargetPreset } from "../metrics/verdicts.ts";

export interface RunConfig {
  /** Open loop: arrival rate in requests per second (a ramp's starting rate). */
  rateRps: number;
  /** Open loop: a linear ramp from rateRps to this over the duration. */
  rateToRps: number | undefined;
  /** Open loop: rates held for stepMs each, one after the other (the duration is their sum). */
  steps: number[] | undefined;
  stepMs: number | undefined;
  /** Arrivals evenly spaced, or a Poisson process (seeded). */
  arrival: "constant" | "poisson";
  /** Seed for Poisson arrivals and (unless --mock-seed) the mock: the same seed replays the run. */
  seed: number;
  /** Length of the measured load phase (after the warm-up). */
  durationMs: number;
  /** Load before the measured phase, at the starting rate, left out of the figures. */
  warmupMs: number;
  /** Closed loop (hey-style): this many connections, each sending when its last response ends. */
  concurrency: number | undefined;
  /** Closed loop: stop after this many measured requests. */
  requests: number | undefined;
  /** Load generator processes. */
  workers: number;
  /** The HTTP client: socket (HTTP/1.1 on Bun.connect, the default) or fetch. */
  client: ClientKind;
  /** Open loop: connections open at once at most (undefined: as many as the requests in flight need). */
  connections: number | undefined;
  /** https: accept any certificate. */
  insecure: boolean;
  /** https: a PEM file of CA certificates to trust instead of the system's. */
  caFile: string | undefined;
  /**
   * The baseline: the same load straight to the mock, to measure what the
   * gateway adds. Interleaved: alternating slices of `baselineSliceMs`
   * (a closed loop runs it sequentially); sequential: the whole load
   * direct first; off: none (always off without the mock).
   */
  baseline: "interleaved" | "sequential" | "off";
  baselineSliceMs: number;
  stream: boolean;
  /** Gateway port (0: any free port). */
  port: number;
  /** Mock upstream port (0: any free port). */
  mockPort: number;
  host: string;
  /** The user's gateway, started by gatebench (--gateway); undefined: the built-in proxy, or --target. */
  gateway: GatewaySpec | undefined;
  /** Base URL of a gateway that is already running (no gateway is started). */
  target: string | undefined;
  /** Provisioning commands (sh -c): after the gateway is ready and before the load; after the run. */
  setup: string | undefined;
  teardown: string | undefined;
  /** Attach mode: the gateway's process to sample (with its descendants), given or found from the port it listens on. */
  attachPid: number | undefined;
  attachPort: number | undefined;
  /** Do not start the mock (the target talks to a real upstream, or is any HTTP server). */
  noMock: boolean;
  path: string;
  /** The LLM API the load speaks (--api): the default path, the body, the auth header, how streams are read. */
  api: Api;
  method: string;
  /** Extra headers, in the order given (-H "K: V"). */
  headers: [string, string][];
  /** Request body as given (--body), or a file to read it from (--body-file). */
  body: string | undefined;
  bodyFile: string | undefined;
  /** JSONL file of prompts, cycled. */
  promptsFile: string | undefined;
  model: string;
  /** Whether --model was given (it then overrides the model in a user's body). */
  modelGiven: boolean;
  maxTokens: number | undefined;
  /** Generated prompt of about this many tokens. */
  promptTokens: number | undefined;
  /** Per-request timeout. */
  timeoutMs: number;
  /** Cap on open requests; arrivals beyond it are dropped and counted. */
  maxInFlight: number;
  /** Quiet phase before the load, for the gateway's idle footprint. */
  idleMs: number;
  /** Quiet phase after the load, to see memory come back. */
  cooldownMs: number;
  sampleIntervalMs: number;
  readyTimeoutMs: number;
  /** Grace between SIGTERM and SIGKILL when stopping a child. */
  stopTimeoutMs: number;
  /** After the schedule ends, how long in-flight requests may take before they are aborted. */
  drainMs: number;
  jsonPath: string | undefined;
  /** --html: the HTML report to this file; --out: the run folder (result.json, .hgrm files, report.html, gateway.log). */
  htmlPath: string | undefined;
  outDir: string | undefined;
  /** Success ratio below which the run fails its gate (exit 1); undefined: no gate. */
  minSuccess: number | undefined;
  /** Gates (--slo): expressions checked against the summary; a failure exits 1. */
  slo: string[];
  /** The preset of targets shown in the report (--targets), enforced as gates with --strict. */
  targets: TargetPreset;
  strict: boolean;
  /** Stop the load as soon as a gate can no longer pass (--abort-on-fail). */
  abortOnFail: boolean;
  /** This instance's name when several instances share one load (--instance), for gatebench merge. */
  instance?: string;
  /**
   * The wall-clock instant the load begins (--start-at), ISO 8601 in UTC
   * with milliseconds: the first arrival is due then, so instances on
   * several machines begin together. Undefined: as soon as the idle phase ends.
   */
  startAt?: string;
  /**
   * The mock's behaviour flags as given (--mock-NAME VALUE → NAME: VALUE),
   * the seed it runs with, its processes (--mock-procs) and whether its
   * answers are fixed (--mock-fixed). The baseline's mock is the same.
   */
  mock: { flags: Record<string, string>; seed: number; procs: number; fixed: boolean };
  /** Linux: the CPUs the gateway runs on (--gateway-cpus: its whole process group, or the built-in proxy); undefined: not pinned. */
  gatewayCpus?: number[];
  /** Linux: the CPUs gatebench, its mocks and load workers run on (--harness-cpus); undefined: not pinned. */
  harnessCpus?: number[];
  /** A translation run: the API the gateway is expected to call the mock in (--upstream-api); undefined: the client's own. */
  upstreamApi?: Api;
}

export const RUN_DEFAULTS = {
  rateRps: 50,
  rateToRps: undefined,
  steps: undefined,
  stepMs: undefined,
  arrival: "constant",
  durationMs: 10_000,
  warmupMs: 0,
  concurrency: undefined,
  requests: undefined,
  workers: 1,
  client: "socket",
  connections: undefined,
  insecure: false,
  caFile: undefined,
  baseline: "interleaved",
  baselineSliceMs: 1000,
  stream: false,
  port: 8081,
  mockPort: 9091,
  host: "127.0.0.1",
  target: undefined,
  gateway: undefined,
  attachPid: undefined,
  attachPort: undefined,
  setup: undefined,
  teardown: undefined,
  noMock: false,
  path: "/v1/chat/completions",
  api: "chat",
  method: "POST",
  headers: [],
  body: undefined,
  bodyFile: undefined,
  promptsFile: undefined,
  model: "gpt-4o-mini",
  modelGiven: false,
  maxTokens: undefined,
  promptTokens: undefined,
  timeoutMs: 60_000,
  maxInFlight: 10_000,
  idleMs: 3_000,
  cooldownMs: 3_000,
  sampleIntervalMs: 250,
  readyTimeoutMs: 15_000,
  stopTimeoutMs: 5_000,
  drainMs: 60_000,
  slo: [],
  targets: "seed",
  strict: false,
  abortOnFail: false,
} satisfies Omit<RunConfig, "jsonPath" | "htmlPath" | "outDir" | "minSuccess" | "mock" | "seed">;

/**
 * --start-at: a load may begin up to this long after the instant (it then
 * begins at once, and run.load_started_at says when); later is refused, as
 * its instances would not overlap as planned.
 */
export const START_AT_SLACK_MS = 1000;
/** --start-at at most this far ahead: further is likelier a wrong date than a plan. */
export const START_AT_HORIZON_MS = 24 * 3_600_000;

/** A --start-at `aheadS` seconds from now, as a shell prints it: GNU date, then BSD/macOS date. */
export const startAtExample = (aheadS: number): string => `--start-at $(date -u -d '+${aheadS} sec' +%FT%TZ) (macOS: date -u -v+${aheadS}S +%FT%TZ)`;

/** The end of a --start-at error: how far ahead to pick the instant, and a command that prints one. */
export const startAtAdvice = (aheadS: number): string => `pick a time at least ${aheadS} s ahead, e.g. ${startAtExample(aheadS)}`;

/** The open-loop shape of the measured phase (without the warm-up). */
export function measuredSegments(cfg: RunConfig): Segment[] {
  if (cfg.steps) return stepsShape(cfg.steps, cfg.stepMs ?? cfg.durationMs / cfg.steps.length).segments.slice();
  if (cfg.rateToRps !== undefined) return rampShape(cfg.rateRps, cfg.rateToRps, cfg.durationMs).segments.slice();
  return constantShape(cfg.rateRps, cfg.durationMs).segments.slice();
}

export const isClosedLoop = (cfg: RunConfig): boolean => cfg.concurrency !== undefined;

/** The load model the engine runs, warm-up included. */
export function loadMode(cfg: RunConfig): LoadMode {
  if (cfg.concurrency !== undefined) {
    const limited = cfg.requests !== undefined;
    return {
      kind: "closed",
      concurrency: cfg.concurrency,
      requests: cfg.requests ?? Number.POSITIVE_INFINITY,
      // -n alone runs until the requests are done; a duration is a limit only when -n is not given
      durationMs: limited ? Number.POSITIVE_INFINITY : cfg.warmupMs + cfg.durationMs,
    };
  }
  const shape = withWarmup(new Shape(measuredSegments(cfg)), cfg.warmupMs);
  return {
    kind: "open",
    segments: shape.segments.slice(),
    arrival: cfg.arrival,
    seed: cfg.seed,
    maxInFlight: cfg.maxInFlight,
    ...(cfg.connections !== undefined ? { connections: cfg.connections } : {}),
  };
}

/**
 * How long the mock takes to answer one request with these settings
 * (before any per-request header override or jitter): its latency, or a
 * stream's first token and the gaps after it.
 */
export function answerMs(
  m: { latencyMs: number; ttftMs: number; itlMs: number; tokens: number; tokensPerChunk: number },
  stream: boolean,
  maxTokens: number | undefined,
): number {
  if (!stream) return m.latencyMs;
  const tokens = Math.min(m.tokens, maxTokens ?? m.tokens);
  const chunks = Math.ceil(tokens / Math.max(1, m.tokensPerChunk));
  return m.ttftMs + Math.max(0, chunks - 1) * m.itlMs;
}

/**
 * An interleaved slice lasts at least this many answers: a request sent
 * near a slice's end runs on into the other path's slice, so with slices
 * short next to the answers each path would hold fewer requests open than
 * the same load run alone.
 */
export const SLICE_ANSWERS = 5;

/** The default slice: RUN_DEFAULTS.baselineSliceMs, or SLICE_ANSWERS answers when longer, in whole seconds. */
export const sliceFor = (answer: number): number => Math.max(RUN_DEFAULTS.baselineSliceMs, Math.ceil((SLICE_ANSWERS * answer) / 1000) * 1000);

/** How the baseline is run: a closed loop has no schedule to interleave, so it runs direct first. */
export function baselineOrder(cfg: RunConfig): "interleaved" | "sequential" | undefined {
  if (cfg.baseline === "off" || cfg.noMock) return undefined;
  return isClosedLoop(cfg) ? "sequential" : cfg.baseline;
}

/** The baseline in words, for logs and the report. */
export function describeBaseline(cfg: RunConfig): string {
  const order = baselineOrder(cfg);
  if (!order) return cfg.noMock ? "none (--no-mock)" : "off";
  if (order === "sequential")
    return `sequential: the same load straight to the mock first, then through the gateway${isClosedLoop(cfg) && cfg.baseline === "interleaved" ? " (a closed loop cannot interleave)" : ""}`;
  return `interleaved: ${fmtS(cfg.baselineSliceMs)} s slices alternate between the gateway and the mock directly, same arrivals on both`;
}

/** Seconds from ms, to the millisecond, without float noise (3.333 s, not 3.3333333333333335). */
const fmtS = (ms: number): string => String(Math.round(ms) / 1000);
const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;

/** One line describing the load, for logs and the report header. */
export function describeLoad(cfg: RunConfig): string {
  const warm = cfg.warmupMs > 0 ? ` after a ${fmtS(cfg.warmupMs)} s warm-up` : "";
  if (cfg.concurrency !== undefined) {
    const what = cfg.requests !== undefined ? plural(cfg.requests, "request") : `${fmtS(cfg.durationMs)} s`;
    return `closed loop, ${plural(cfg.concurrency, "connection")}, ${what}${warm}`;
  }
  const arr = cfg.arrival === "poisson" ? `poisson (seed ${cfg.seed})` : "constant";
  const seg = measuredSegments(cfg);
  const total = seg.reduce((a, s) => a + s.durationMs, 0) / 1000;
  let shape: string;
  if (cfg.steps) shape = `steps ${cfg.steps.join(", ")} req/s, ${fmtS(cfg.stepMs ?? cfg.durationMs / cfg.steps.length)} s each`;
  else if (cfg.rateToRps !== undefined) shape = `ramp ${cfg.rateRps} → ${cfg.rateToRps} req/s over ${fmtS(total * 1000)} s`;
  else shape = `${cfg.rateRps} req/s for ${fmtS(total * 1000)} s`;
  return `open loop, ${arr} arrivals, ${shape}${warm}`;
}

/**
 * The measured requests the run sends through the gateway, when fixed in
 * advance: constant arrivals (one at each 1/rate, so the expected count
 * rounded up), or -n; undefined for random arrivals or a closed loop run
 * for a duration.
 */
export function plannedRequests(cfg: RunConfig): number | undefined {
  if (isClosedLoop(cfg)) return cfg.requests;
  if (cfg.arrival !== "constant") return undefined;
  return Math.ceil(new Shape(measuredSegments(cfg)).expected - 1e-9);
}

/** Length of the measured phase as scheduled (open loop; closed loop with a duration). */
export function scheduledMs(cfg: RunConfig): number {
  return measuredSegments(cfg).reduce((a, s) => a + s.durationMs, 0);
}
