// The paths the mock answers: OpenAI's chat and legacy completions (unary
// and streamed), embeddings, models, here; the Responses, Messages and
// Gemini APIs through answer.ts. Each route reads its request, asks the
// plan for delays, tokens and a fault, and answers; one await for the
// body, and no other on the common path.
import { answerGeneration } from "./answer.ts";
import { MESSAGES } from "./anthropic.ts";
import type { MockContext } from "./context.ts";
import { answerFault } from "./faults.ts";
import {
  ChunkWriter,
  CompletionChunkWriter,
  embeddingsBody,
  parseChatRequest,
  parseCompletionRequest,
  parseEmbeddingsRequest,
  promptTokensOf,
  textOf,
  unaryChat,
  unaryCompletion,
  type ChatRequestInfo,
  type FinishReason,
} from "./openai.ts";
import { GEMINI, geminiPath, isGeminiMethod } from "./gemini.ts";
import { fixedPlan, type RequestPlan } from "./plan.ts";
import { RESPONSES } from "./responses.ts";
import type { StatApi } from "./stats.ts";
import { cutUnary, streamAnswer } from "./stream.ts";

type Kind = "chat" | "completion";

/** A route: the request, its path, when it arrived (performance.now()) and its epoch µs. */
export type Route = (ctx: MockContext, req: Request, path: string, arrivedMs: number, receivedUs: number) => Response | Promise<Response>;

/** Chat and legacy completions close their streams with [DONE]. */
const done = (): string => ChunkWriter.DONE;

async function generate(ctx: MockContext, req: Request, kind: Kind, arrivedMs: number, receivedUs: number): Promise<Response> {
  const text = await req.text();
  ctx.counters.bytesIn += Buffer.byteLength(text);
  const parsed = kind === "chat" ? parseChatRequest(text) : parseCompletionRequest(text);
  if (!parsed.ok) {
    ctx.counters.api[kind === "chat" ? "chat" : "completions"].rejected++;
    return ctx.replies.apiError(parsed.status, parsed.message, receivedUs, parsed.param);
  }
  const info = parsed.info;
  const p = ctx.o.fixed ? fixedPlan(ctx.o, info.maxTokens) : ctx.plan.forRequest(req.headers, info.maxTokens);
  if ("error" in p) return ctx.replies.apiError(400, p.error, receivedUs, p.header);
  const fault = answerFault(ctx, p, req, arrivedMs, receivedUs);
  const early = fault && (await fault);
  if (early) return early;
  const id = `${kind === "chat" ? "chatcmpl" : "cmpl"}-mock-${ctx.nextSeq()}`;
  const created = ctx.o.fixed ? 0 : Math.floor(Date.now() / 1000);
  const finish: FinishReason = p.truncated ? "length" : "stop";
  if (info.stream) return streamOf(ctx, req, kind, info, p, { id, created, finish }, arrivedMs, receivedUs);
  const body = (kind === "chat" ? unaryChat : unaryCompletion)(id, created, info, p.tokens, finish, ctx.o.tokenChars);
  if (p.fault === "cut") return cutUnary(ctx, body, arrivedMs + p.latencyMs, receivedUs, req.signal);
  const wait = ctx.sleepUntil(arrivedMs + p.latencyMs);
  if (wait) await wait;
  ctx.counters.late("unary", performance.now() - arrivedMs - p.latencyMs);
  return ctx.replies.json(200, body, receivedUs);
}

function streamOf(
  ctx: MockContext,
  req: Request,
  kind: Kind,
  info: ChatRequestInfo,
  p: RequestPlan,
  a: { id: string; created: number; finish: FinishReason },
  arrivedMs: number,
  receivedUs: number,
): Response {
  const o = ctx.o;
  const w = kind === "chat" ? new ChunkWriter(a.id, a.created, info.model) : new CompletionChunkWriter(a.id, a.created, info.model);
  const perChunk = Math.max(1, o.tokensPerChunk);
  const chunks = Math.ceil(p.tokens / perChunk);
  const piece = (k: number): string => {
    const first = k * perChunk;
    const text = textOf(first, Math.min(perChunk, p.tokens - first), o.tokenChars);
    return k === 0 ? w.first(text) : w.content(text);
  };
  const prompt = promptTokensOf(info.promptChars);
  const tail = () => w.finish(a.finish) + (info.includeUsage ? w.usage(prompt, p.tokens) : "");
  const cutAfter = p.fault === "cut" ? Math.floor(chunks / 2) : -1;
  const nextGapMs = o.fixed || !o.itlJitter ? () => p.itlMs : () => ctx.plan.gapMs(p);
  return streamAnswer(ctx, { count: chunks, piece, firstDueMs: arrivedMs + p.ttftMs, nextGapMs, tail, final: done, cutAfter }, receivedUs, req.signal);
}

async function embeddings(ctx: MockContext, req: Request, arrivedMs: number, receivedUs: number): Promise<Response> {
  const text = await req.text();
  ctx.counters.bytesIn += Buffer.byteLength(text);
  const parsed = parseEmbeddingsRequest(text);
  if (!parsed.ok) {
    ctx.counters.api.embeddings.rejected++;
    return ctx.replies.apiError(parsed.status, parsed.message, receivedUs, parsed.param);
  }
  const p = ctx.o.fixed ? fixedPlan(ctx.o, undefined) : ctx.plan.forRequest(req.headers, undefined);
  if ("error" in p) return ctx.replies.apiError(400, p.error, receivedUs, p.header);
  // (a cut has nothing to cut in a single JSON answer here: it answers normally)
  const fault = answerFault(ctx, p, req, arrivedMs, receivedUs);
  const early = fault && (await fault);
  if (early) return early;
  const wait = ctx.sleepUntil(arrivedMs + p.latencyMs);
  if (wait) await wait;
  return ctx.replies.json(200, embeddingsBody(parsed.info, ctx.o.embeddingDim), receivedUs);
}

const MODELS = JSON.stringify({ object: "list", data: [{ id: "gpt-mock", object: "model", created: 0, owned_by: "gatebench" }] });

/** A POST route of `api`, counted in /__stats as it arrives: any other method is answered 405 (and counted as rejected). */
const post =
  (api: StatApi, handle: (ctx: MockContext, req: Request, arrivedMs: number, receivedUs: number) => Promise<Response>): Route =>
  (ctx, req, path, arrivedMs, receivedUs) => {
    const count = ctx.counters.api[api];
    count.requests++;
    if (req.method === "POST") return handle(ctx, req, arrivedMs, receivedUs);
    count.rejected++;
    return ctx.replies.apiError(405, `Method ${req.method} is not allowed on ${path}; use POST.`, receivedUs, undefined, { allow: "POST" });
  };

/** The routes, by path after an optional /v1. */
export const ROUTES: Record<string, Route> = {
  "/chat/completions": post("chat", (ctx, req, arrivedMs, receivedUs) => generate(ctx, req, "chat", arrivedMs, receivedUs)),
  "/completions": post("completions", (ctx, req, arrivedMs, receivedUs) => generate(ctx, req, "completion", arrivedMs, receivedUs)),
  "/embeddings": post("embeddings", embeddings),
  "/responses": (ctx, req, path, arrivedMs, receivedUs) => answerGeneration(ctx, RESPONSES, req, path, arrivedMs, receivedUs),
  "/messages": (ctx, req, path, arrivedMs, receivedUs) => answerGeneration(ctx, MESSAGES, req, path, arrivedMs, receivedUs),
  "/models": (ctx, req, path, _arrivedMs, receivedUs) =>
    req.method === "GET"
      ? ctx.replies.json(200, MODELS, receivedUs)
      : ctx.replies.apiError(405, `Method ${req.method} is not allowed on ${path}; use GET.`, receivedUs, undefined, { allow: "GET" }),
};

const geminiRoute: Route = (ctx, req, path, arrivedMs, receivedUs) => answerGeneration(ctx, GEMINI, req, path, arrivedMs, receivedUs);

/** A Gemini path the mock has no method for: Google's 404. */
const geminiNotFound: Route = (ctx, req, path, _arrivedMs, receivedUs) => {
  const e = GEMINI.error(404, `${req.method} ${path} is not found: the mock answers models/{model}:generateContent and :streamGenerateContent?alt=sse.`);
  return ctx.replies.json(e.status, e.body, receivedUs);
};

/**
 * The routes the table cannot hold, looked up only when it has none for a
 * path: Gemini's, whose path names the model (/v1beta/models/{model}:generateContent).
 */
export function otherRoute(path: string): Route | undefined {
  const g = geminiPath(path);
  if (g && isGeminiMethod(g.method)) return geminiRoute;
  return g || path.startsWith("/v1beta/") ? geminiNotFound : undefined;
}
