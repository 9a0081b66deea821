// What the mock does for one request: the options, the request's override
// headers, and draws from the seeded PRNG, turned into delays, a token count
// and a fault. Pure (no timers, no I/O).
import { drawFault, type Fault, type FaultRates, FAULTS, isFault, type Jitter, Prng, sampleJitter } from "./model.ts";
import { MOCK_TIMING } from "../mock-timing.ts";

export interface MockOptions {
  host: string;
  port: number;
  /** Unary response delay (fixed part). */
  latencyMs: number;
  /** Extra unary delay, drawn per request. */
  jitter: Jitter | undefined;
  /** Stream: time to the first content token. */
  ttftMs: number;
  /** Stream: gap between chunks (fixed part). */
  itlMs: number;
  /** Extra gap per chunk, drawn per chunk. */
  itlJitter: Jitter | undefined;
  /** Output tokens per response (unless max_tokens asks for fewer). */
  tokens: number;
  tokensPerChunk: number;
  /** Characters per generated token, for large bodies. */
  tokenChars: number;
  embeddingDim: number;
  faults: FaultRates;
  /** How long the "slow" fault holds the first byte back. */
  slowMs: number;
  seed: number;
  /** The same answer every time: no per-request headers read, no random draws (--fixed). */
  fixed: boolean;
}

export const MOCK_DEFAULTS: Omit<MockOptions, "host" | "port" | "seed"> = {
  latencyMs: 10,
  jitter: undefined,
  ttftMs: 80,
  itlMs: 30,
  itlJitter: undefined,
  tokens: 25,
  tokensPerChunk: 1,
  tokenChars: 0,
  embeddingDim: 1536,
  faults: {},
  slowMs: 2000,
  fixed: false,
};

export interface RequestPlan {
  latencyMs: number;
  ttftMs: number;
  itlMs: number;
  tokens: number;
  /** max_tokens made the answer shorter than the mock would have given. */
  truncated: boolean;
  fault: Fault | undefined;
  /** How long no byte of the answer (headers included) may leave: the slow fault. Latency and TTFT include it. */
  holdMs: number;
}

/** Header names: per-request overrides (in) and the mock's timing (out). */
export const MOCK_HEADERS = {
  latency: "x-mock-latency-ms",
  ttft: "x-mock-ttft-ms",
  itl: "x-mock-itl-ms",
  tokens: "x-mock-tokens",
  fault: "x-mock-fault",
  receivedUs: MOCK_TIMING.receivedUs,
  sentUs: MOCK_TIMING.sentUs,
} as const;

/**
 * SSE comment sent with the stream's last event, when it left (epoch µs): after its finish and usage
 * events, just before the event that closes the stream (`data: [DONE]`, response.completed or
 * response.incomplete, message_stop), or after the last chunk of a Gemini stream, which has no closing event.
 */
export const LAST_EVENT_COMMENT = MOCK_TIMING.lastEventComment;

const HOUR_MS = 3_600_000;

type HeaderError = { error: string; header: string };

/** A numeric override header: its value, undefined when absent, or what is wrong with it. */
function headerNumber(h: Headers, name: string, max: number): number | undefined | HeaderError {
  const v = h.get(name);
  if (v === null) return undefined;
  const n = Number(v);
  if (v.trim() === "" || !Number.isFinite(n) || n < 0 || n > max) {
    return { error: `header ${name}: "${v}" is not a number from 0 to ${max}`, header: name };
  }
  return n;
}

/** --fixed: one plan for every request (max tokens may ask for fewer tokens), no header read and no draw. */
export function fixedPlan(o: MockOptions, maxTokens: number | undefined): RequestPlan {
  const tokens = Math.min(o.tokens, maxTokens ?? o.tokens);
  return { holdMs: 0, latencyMs: o.latencyMs, ttftMs: o.ttftMs, itlMs: o.itlMs, tokens, truncated: tokens < o.tokens, fault: undefined };
}

export class MockPlan {
  private readonly rng: Prng;
  constructor(private readonly o: MockOptions) {
    this.rng = new Prng(o.seed);
  }

  /** The plan for one request, or the header that was wrong. */
  forRequest(h: Headers, maxTokens: number | undefined): RequestPlan | HeaderError {
    const lat = headerNumber(h, MOCK_HEADERS.latency, HOUR_MS);
    if (typeof lat === "object") return lat;
    const ttft = headerNumber(h, MOCK_HEADERS.ttft, HOUR_MS);
    if (typeof ttft === "object") return ttft;
    const itl = headerNumber(h, MOCK_HEADERS.itl, HOUR_MS);
    if (typeof itl === "object") return itl;
    const tok = headerNumber(h, MOCK_HEADERS.tokens, 1_000_000);
    if (typeof tok === "object") return tok;
    const faultHeader = h.get(MOCK_HEADERS.fault);
    if (faultHeader !== null && faultHeader !== "none" && !isFault(faultHeader)) {
      return { error: `header ${MOCK_HEADERS.fault}: "${faultHeader}" is not one of ${FAULTS.join(", ")}, none`, header: MOCK_HEADERS.fault };
    }
    // The PRNG is drawn from in the same order for every request, so a seed replays exactly.
    const drawn = drawFault(this.o.faults, this.rng);
    const jitter = this.o.jitter ? sampleJitter(this.o.jitter, this.rng) : 0;
    const fault = faultHeader === null ? drawn : faultHeader === "none" ? undefined : (faultHeader as Fault);
    const full = Math.floor(tok ?? this.o.tokens);
    const tokens = Math.max(0, Math.min(full, maxTokens ?? full));
    // a slow first byte comes on top of the model's own delays
    const holdMs = fault === "slow" ? this.o.slowMs : 0;
    return {
      holdMs,
      latencyMs: holdMs + (lat ?? this.o.latencyMs) + jitter,
      ttftMs: holdMs + (ttft ?? this.o.ttftMs),
      itlMs: itl ?? this.o.itlMs,
      tokens,
      truncated: tokens < full,
      fault,
    };
  }

  /** The gap before a stream's next chunk: the fixed ITL plus its jitter, drawn when it is needed. */
  gapMs(p: RequestPlan): number {
    return p.itlMs + (this.o.itlJitter ? sampleJitter(this.o.itlJitter, this.rng) : 0);
  }
}
