// What the mock does for one request: the options, the request's override
// headers, and draws from the seeded PRNG, turned into delays, a token count
// and a fault. Pure (no timers, no I/O).
import { drawFault, type Fault, type FaultRates, isFault, type Jitter, Prng, sampleJitter } from "./model.ts";

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
};

export interface RequestPlan {
  latencyMs: number;
  ttftMs: number;
  itlMs: number;
  tokens: number;
  /** max_tokens made the answer shorter than the mock would have given. */
  truncated: boolean;
  fault: Fault | undefined;
}

const HEADER_LIMITS = { "x-mock-latency-ms": 3_600_000, "x-mock-ttft-ms": 3_600_000, "x-mock-itl-ms": 3_600_000, "x-mock-tokens": 1_000_000 } as const;

export class MockPlan {
  private readonly rng: Prng;
  constructor(private readonly o: MockOptions) {
    this.rng = new Prng(o.seed);
  }

  /** The plan for one request, or the header that was wrong. */
  forRequest(h: Headers, maxTokens: number | undefined): RequestPlan | { error: string; header: string } {
    const num = (name: keyof typeof HEADER_LIMITS): number | { error: string; header: string } | undefined => {
      const v = h.get(name);
      if (v === null) return undefined;
      const n = Number(v);
      if (v.trim() === "" || !Number.isFinite(n) || n < 0 || n > HEADER_LIMITS[name]) {
        return { error: `header ${name}: "${v}" is not a number from 0 to ${HEADER_LIMITS[name]}`, header: name };
      }
      return n;
    };
    const lat = num("x-mock-latency-ms");
    const ttft = num("x-mock-ttft-ms");
    const itl = num("x-mock-itl-ms");
    const tok = num("x-mock-tokens");
    for (const x of [lat, ttft, itl, tok]) if (typeof x === "object") return x;
    const faultHeader = h.get("x-mock-fault");
    if (faultHeader !== null && faultHeader !== "none" && !isFault(faultHeader)) {
      return { error: `header x-mock-fault: "${faultHeader}" is not one of 429, 500, 503, hang, cut, slow, none`, header: "x-mock-fault" };
    }
    // The PRNG is drawn from in the same order for every request, so a seed replays exactly.
    const drawn = drawFault(this.o.faults, this.rng);
    const jitter = this.o.jitter ? sampleJitter(this.o.jitter, this.rng) : 0;
    const fault = faultHeader === null ? drawn : faultHeader === "none" ? undefined : (faultHeader as Fault);
    const full = Math.floor((tok as number | undefined) ?? this.o.tokens);
    const tokens = Math.max(0, Math.min(full, maxTokens ?? full));
    return {
      latencyMs: ((lat as number | undefined) ?? this.o.latencyMs) + jitter,
      ttftMs: (ttft as number | undefined) ?? this.o.ttftMs,
      itlMs: (itl as number | undefined) ?? this.o.itlMs,
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
