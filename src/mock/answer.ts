// One generation request of any API (chat and legacy completions: chat.ts;
// Responses, Messages, Gemini): the request read and checked against its
// API, the plan (delays, tokens, fault) drawn, then a unary answer after
// the latency or a stream through the shared machinery (stream.ts). Each
// API is a Dialect: how it reads a request and how its answers, events
// and errors look; the timing, faults and counting are the same for all.
import type { MockContext } from "./context.ts";
import { answerFault, type FaultEnvelope } from "./faults.ts";
import { textOf } from "./openai.ts";
import { fixedPlan } from "./plan.ts";
import type { Refusal } from "./request.ts";
import type { StatApi } from "./stats.ts";
import { cutUnary, streamAnswer, type StreamSpec } from "./stream.ts";

/** What every API's request tells the mock. */
export interface GenerationInfo {
  model: string;
  stream: boolean;
  /** The API's own cap on output tokens (max_output_tokens, max_tokens, maxOutputTokens). */
  maxTokens: number | undefined;
  /** The request body's length: input tokens are counted from it, as for chat. */
  promptChars: number;
}

/** One answer's facts, for the dialect to write. */
export interface Generation<I extends GenerationInfo> {
  info: I;
  /** The answer's number (ids are built from it). */
  seq: number;
  /** Epoch seconds (0 with --fixed). */
  created: number;
  tokens: number;
  /** The cap on output tokens cut the answer short. */
  truncated: boolean;
  tokenChars: number;
}

/** The text of chunk k of a stream of `tokens` tokens, `perChunk` to a chunk. */
export function chunkText(k: number, perChunk: number, tokens: number, tokenChars: number): string {
  const first = k * perChunk;
  return textOf(first, Math.min(perChunk, tokens - first), tokenChars);
}

/** A stream's pieces as the dialect writes them; the timing comes from the plan. */
export type StreamParts = Pick<StreamSpec, "piece" | "tail" | "final">;

export interface Dialect<I extends GenerationInfo> {
  /** Its name in /__stats by_api. */
  api: StatApi;
  /** Reads and checks a request (its headers and body; the path for Gemini), or refuses it. */
  parse(text: string, req: Request, path: string): { ok: true; info: I } | Refusal;
  /** The API's error answer for a status and message. */
  error(status: number, message: string, param?: string): { status: number; body: string };
  /** The API's answer for an injected 429, 500 or 503. */
  fault: FaultEnvelope;
  unary(g: Generation<I>): string;
  /** The stream of `chunks` pieces of `perChunk` tokens (the last may have fewer). */
  stream(g: Generation<I>, perChunk: number, chunks: number): StreamParts;
}

/** Answers a request that did not match the API: counted as rejected, in the API's error envelope. */
function rejected<I extends GenerationInfo>(ctx: MockContext, d: Dialect<I>, r: Refusal, receivedUs: number, extra?: Record<string, string>): Response {
  ctx.counters.api[d.api].rejected++;
  const e = d.error(r.status, r.message, r.param);
  return ctx.replies.json(e.status, e.body, receivedUs, extra);
}

export async function answerGeneration<I extends GenerationInfo>(
  ctx: MockContext,
  d: Dialect<I>,
  req: Request,
  path: string,
  arrivedMs: number,
  receivedUs: number,
): Promise<Response> {
  ctx.counters.api[d.api].requests++;
  if (req.method !== "POST") {
    const r: Refusal = { ok: false, status: 405, message: `Method ${req.method} is not allowed on ${path}; use POST.` };
    return rejected(ctx, d, r, receivedUs, { allow: "POST" });
  }
  const text = await req.text();
  ctx.counters.bytesIn += Buffer.byteLength(text);
  const parsed = d.parse(text, req, path);
  if (!parsed.ok) return rejected(ctx, d, parsed, receivedUs);
  const info = parsed.info;
  const p = ctx.o.fixed ? fixedPlan(ctx.o, info.maxTokens) : ctx.plan.forRequest(req.headers, info.maxTokens);
  if ("error" in p) {
    // the mock's own headers were wrong, not the API's shape: not counted as rejected
    const e = d.error(400, p.error, p.header);
    return ctx.replies.json(e.status, e.body, receivedUs);
  }
  const fault = answerFault(ctx, p, req, arrivedMs, receivedUs, d.fault);
  const early = fault && (await fault);
  if (early) return early;
  const o = ctx.o;
  const g: Generation<I> = {
    info,
    seq: ctx.nextSeq(),
    created: o.fixed ? 0 : Math.floor(Date.now() / 1000),
    tokens: p.tokens,
    truncated: p.truncated,
    tokenChars: o.tokenChars,
  };
  if (info.stream) {
    const perChunk = Math.max(1, o.tokensPerChunk);
    const chunks = Math.ceil(p.tokens / perChunk);
    const parts = d.stream(g, perChunk, chunks);
    const cutAfter = p.fault === "cut" ? Math.floor(chunks / 2) : -1;
    const nextGapMs = o.fixed || !o.itlJitter ? () => p.itlMs : () => ctx.plan.gapMs(p);
    return streamAnswer(ctx, { ...parts, count: chunks, firstDueMs: arrivedMs + p.ttftMs, nextGapMs, cutAfter }, receivedUs, req.signal);
  }
  const body = d.unary(g);
  if (p.fault === "cut") return cutUnary(ctx, body, arrivedMs + p.latencyMs, receivedUs, req.signal);
  const wait = ctx.sleepUntil(arrivedMs + p.latencyMs);
  if (wait) await wait;
  ctx.counters.late("unary", performance.now() - arrivedMs - p.latencyMs);
  return ctx.replies.json(200, body, receivedUs);
}
