// One benchmark's configuration: everything needed to replay it.

export interface RunConfig {
  /** Open-loop arrival rate, requests per second. */
  rateRps: number;
  /** Length of the load phase. */
  durationMs: number;
  stream: boolean;
  /** Gateway port (0: any free port). */
  port: number;
  /** Mock upstream port (0: any free port). */
  mockPort: number;
  host: string;
  path: string;
  model: string;
  /** Per-request timeout. */
  timeoutMs: number;
  /** Cap on open requests; arrivals beyond it are dropped and counted. */
  maxInFlight: number;
  /** Quiet phase before the load, for the gateway's idle footprint. */
  idleMs: number;
  sampleIntervalMs: number;
  readyTimeoutMs: number;
  /** Grace between SIGTERM and SIGKILL when stopping a child. */
  stopTimeoutMs: number;
  /** After the schedule ends, how long in-flight requests may take before they are aborted. */
  drainMs: number;
  jsonPath: string | undefined;
  /** Success ratio below which the run fails its gate (exit 1); undefined: no gate. */
  minSuccess: number | undefined;
  /** The mock's behaviour flags as given (--mock-NAME VALUE → NAME: VALUE), and the seed it runs with. */
  mock: { flags: Record<string, string>; seed: number };
}

export const RUN_DEFAULTS: Omit<RunConfig, "jsonPath" | "minSuccess" | "mock"> = {
  rateRps: 50,
  durationMs: 10_000,
  stream: false,
  port: 8081,
  mockPort: 9091,
  host: "127.0.0.1",
  path: "/v1/chat/completions",
  model: "gpt-4o-mini",
  timeoutMs: 60_000,
  maxInFlight: 10_000,
  idleMs: 1_000,
  sampleIntervalMs: 250,
  readyTimeoutMs: 15_000,
  stopTimeoutMs: 5_000,
  drainMs: 60_000,
};

/** The request body the run sends, encoded once. */
export function requestBody(cfg: Pick<RunConfig, "model" | "stream">): Uint8Array {
  const body: Record<string, unknown> = {
    model: cfg.model,
    messages: [{ role: "user", content: "Write one sentence about gateways." }],
  };
  if (cfg.stream) {
    body.stream = true;
    body.stream_options = { include_usage: true };
  }
  return new TextEncoder().encode(JSON.stringify(body));
}
