// `gatebench mock`: the mock LLM upstream (OpenAI chat and Responses,
// Anthropic Messages, Gemini) in the foreground, for trying a gateway by hand. The hidden `__mock` runs the same server as a child of
// `gatebench run`, which passes on its --mock-* flags.
import { defineCommand } from "citty";
import { assertPortFree } from "../../process/ports.ts";
import { type FaultRates, FAULTS, isFault, jitterOf, type Jitter } from "../../mock/model.ts";
import { MOCK_DEFAULTS, type MockOptions } from "../../mock/server.ts";
import type { MockStats } from "../../mock/stats.ts";
import { UsageError } from "../errors.ts";
import { log } from "../log.ts";
import { durationFlag, parseDuration, portFlag, ratioFlag, wholeNumberFlag } from "../values.ts";
import { procsFlag, startFollower, startMockGroup } from "./mock-group.ts";
import { serveAsChild, waitForTermination } from "./serve.ts";

/** The behaviour flags, shared by `mock` and (as --mock-NAME) by `run`. */
export const mockModelArgs = {
  latency: {
    type: "string",
    description: "Unary response delay (the fixed part, before any jitter)",
    default: `${MOCK_DEFAULTS.latencyMs}ms`,
    valueHint: "duration",
  },
  jitter: { type: "string", description: "Extra unary delay per request: normal:P50:P99 or lognormal:P50:P99, e.g. lognormal:2ms:20ms", valueHint: "dist" },
  ttft: { type: "string", description: "Streams: delay before the first token", default: `${MOCK_DEFAULTS.ttftMs}ms`, valueHint: "duration" },
  itl: { type: "string", description: "Streams: gap between chunks", default: `${MOCK_DEFAULTS.itlMs}ms`, valueHint: "duration" },
  "itl-jitter": { type: "string", description: "Streams: extra gap per chunk, as --jitter", valueHint: "dist" },
  tokens: {
    type: "string",
    description: "Output tokens per response (the request's cap can ask for fewer: max_tokens, max_completion_tokens, max_output_tokens, maxOutputTokens)",
    default: String(MOCK_DEFAULTS.tokens),
    valueHint: "n",
  },
  "tokens-per-chunk": { type: "string", description: "Streams: tokens in each chunk", default: String(MOCK_DEFAULTS.tokensPerChunk), valueHint: "n" },
  "token-chars": { type: "string", description: "Characters per token, for large bodies (0: natural words)", default: "0", valueHint: "n" },
  "embedding-dim": { type: "string", description: "Length of each embedding vector", default: String(MOCK_DEFAULTS.embeddingDim), valueHint: "n" },
  faults: { type: "string", description: `Fault rates, e.g. 429=1%,cut=0.5% (kinds: ${FAULTS.join(", ")})`, valueHint: "list" },
  slow: { type: "string", description: "How long the slow fault holds the first byte back", default: `${MOCK_DEFAULTS.slowMs / 1000}s`, valueHint: "duration" },
  seed: { type: "string", description: "Seed for jitter and faults: the same seed replays the same sequence (default random)", valueHint: "n" },
} as const;

/** The mock's own flags beside its model, shared by `mock` and (as --mock-NAME) by `run`. */
export const mockShapeArgs = {
  procs: {
    type: "string",
    description: "Mock processes sharing the port (Linux; auto: a quarter of the CPUs, at least 1, at most 4)",
    default: "auto",
    valueHint: "n",
  },
  fixed: {
    type: "boolean",
    description: "The same answer every time: no per-request x-mock-* headers read, no random draws (for overhead runs; refuses faults and jitter)",
    default: false,
  },
} as const;

export const mockArgs = {
  port: { type: "string", description: "Port to listen on (0 picks a free one)", default: "9091", valueHint: "port" },
  host: { type: "string", description: "Address to bind", default: "127.0.0.1", valueHint: "addr" },
  ...mockShapeArgs,
  ...mockModelArgs,
} as const;

export type MockModelValues = { -readonly [K in keyof typeof mockModelArgs]?: string };

function jitterFlag(flag: string, value: string | undefined): Jitter | undefined {
  if (value === undefined || value === "" || value === "none") return undefined;
  const [kind, p50, p99, ...rest] = value.split(":");
  const p50Ms = p50 === undefined ? undefined : p50 === "0" ? 0 : parseDuration(p50);
  const p99Ms = p99 === undefined ? undefined : p99 === "0" ? 0 : parseDuration(p99);
  if (rest.length > 0 || kind === undefined || p50Ms === undefined || p99Ms === undefined) {
    throw new UsageError(`--${flag} "${value}": expected DIST:P50:P99 with DIST normal or lognormal, e.g. --${flag} lognormal:2ms:20ms`);
  }
  const j = jitterOf(kind, p50Ms, p99Ms);
  if (typeof j === "string") throw new UsageError(`--${flag} "${value}": ${j}, e.g. --${flag} lognormal:2ms:20ms`);
  return j;
}

function faultsFlag(flag: string, value: string | undefined): FaultRates {
  const rates: FaultRates = {};
  if (value === undefined || value === "") return rates;
  let total = 0;
  for (const part of value.split(",")) {
    const [kind, rate] = part.split("=");
    if (kind === undefined || rate === undefined || !isFault(kind.trim())) {
      throw new UsageError(`--${flag} "${value}": expected KIND=RATE pairs with KIND one of ${FAULTS.join(", ")}, e.g. --${flag} 429=1%,cut=0.5%`);
    }
    let r: number;
    try {
      r = ratioFlag(flag, rate);
    } catch {
      throw new UsageError(`--${flag} "${value}": the rate of ${kind.trim()} "${rate}" is not a percentage up to 100%, e.g. --${flag} ${kind.trim()}=15%`);
    }
    rates[kind.trim() as keyof FaultRates] = r;
    total += r;
  }
  if (total > 1) throw new UsageError(`--${flag} "${value}": the rates add up to more than 100%, e.g. --${flag} 429=1%,cut=0.5%`);
  return rates;
}

const randomSeed = (): number => Math.floor(Math.random() * 2 ** 31);

/** Validated behaviour options (everything but host and port); `flagPrefix` names the flags in messages. */
export function mockModel(a: MockModelValues, flagPrefix = ""): Omit<MockOptions, "host" | "port" | "fixed"> {
  const f = (name: keyof typeof mockModelArgs): string => `${flagPrefix}${name}`;
  const d = (name: keyof typeof mockModelArgs): string => a[name] ?? String((mockModelArgs[name] as { default?: string }).default ?? "");
  const whole = (name: keyof typeof mockModelArgs, example: string, allowZero = false): number =>
    allowZero && d(name).trim() === "0" ? 0 : wholeNumberFlag(f(name), d(name), example);
  return {
    latencyMs: durationFlag(f("latency"), d("latency"), { allowZero: true, example: "10ms" }),
    jitter: jitterFlag(f("jitter"), a.jitter),
    ttftMs: durationFlag(f("ttft"), d("ttft"), { allowZero: true, example: "80ms" }),
    itlMs: durationFlag(f("itl"), d("itl"), { allowZero: true, example: "30ms" }),
    itlJitter: jitterFlag(f("itl-jitter"), a["itl-jitter"]),
    tokens: whole("tokens", "25", true),
    tokensPerChunk: whole("tokens-per-chunk", "1"),
    tokenChars: whole("token-chars", "100", true),
    embeddingDim: whole("embedding-dim", "1536"),
    faults: faultsFlag(f("faults"), a.faults),
    slowMs: durationFlag(f("slow"), d("slow"), { example: "2s" }),
    seed: a.seed === undefined ? randomSeed() : whole("seed", "42", true),
  };
}

/** --fixed draws nothing and reads no header: what would need either is refused. */
export function checkFixed(model: Omit<MockOptions, "host" | "port" | "fixed">, flagPrefix = ""): void {
  const drawn = [model.jitter && "jitter", model.itlJitter && "itl-jitter", Object.keys(model.faults).length > 0 && "faults"].filter(Boolean);
  if (drawn.length > 0)
    throw new UsageError(
      `--${flagPrefix}fixed answers the same way every time, with no random draws: drop --${flagPrefix}${drawn.join(` and --${flagPrefix}`)}`,
    );
}

type MockValues = MockModelValues & { port: string; host: string; fixed?: boolean; procs?: string };

function mockOptions(a: MockValues): MockOptions {
  const model = mockModel(a);
  if (a.fixed) checkFixed(model);
  return { host: a.host, port: portFlag("port", a.port), ...model, fixed: a.fixed === true };
}
export const mockCommand = defineCommand({
  meta: { name: "mock", description: "Run the mock LLM upstream (OpenAI chat and Responses, Anthropic Messages, Gemini) in the foreground" },
  args: mockArgs,
  async run({ args, rawArgs }) {
    const a = args as unknown as MockValues;
    const o = mockOptions(a);
    const procs = procsFlag("procs", a.procs);
    assertPortFree(o.host, o.port, "mock upstream", "--port");
    const mock = await startMockGroup(o, procs, rawArgs);
    const each = procs > 1 ? `, ${procs} processes` : "";
    log.info(`mock upstream listening on http://${o.host}:${mock.port} (seed ${o.seed}${each}${o.fixed ? ", fixed answers" : ""}); Ctrl-C to stop`);
    let last: MockStats | undefined;
    await waitForTermination(
      async (force) => {
        last = await mock.stop(force);
      },
      () => void mock.inFlight().then((n) => log.info(`stopping: finishing ${n} requests in flight (Ctrl-C again to cut them)`)),
    );
    log.info(`mock summary: ${JSON.stringify(last)}`);
  },
});

export const mockChildCommand = defineCommand({
  meta: { name: "__mock", description: "internal: the mock as a child of gatebench run", hidden: true },
  args: { ...mockArgs, "follower-of": { type: "string", description: "internal: the control port of the first process of the group", valueHint: "port" } },
  async run({ args, rawArgs }) {
    const a = args as unknown as MockValues & { "follower-of"?: string };
    const o = mockOptions(a);
    if (a["follower-of"] !== undefined) {
      const { server, control } = startFollower(o, Number(a["follower-of"]));
      await serveAsChild(
        server.port ?? 0,
        async () => {
          await server.stop(true);
          control.stop(true);
        },
        { control: control.port },
      );
      return;
    }
    const mock = await startMockGroup(o, procsFlag("procs", a.procs), rawArgs);
    await serveAsChild(
      mock.port,
      async () => {
        const last = await mock.stop(true);
        process.stderr.write(`mock summary: ${JSON.stringify(last)}\n`);
      },
      { procs: mock.procs },
    );
  },
});
