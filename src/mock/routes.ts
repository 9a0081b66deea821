// The paths the mock answers: every generation API (chat and legacy
// completions, Responses, Messages, Gemini; unary and streamed) through the
// one flow of answer.ts, and embeddings and models here. Each route reads
// its request, asks the plan for delays, tokens and a fault, and answers;
// one await for the body, and no other on the common path.
import { answerGeneration } from "./answer.ts";
import { MESSAGES } from "./anthropic.ts";
import type { MockContext } from "./context.ts";
import { answerFault } from "./faults.ts";
import { CHAT, COMPLETIONS } from "./chat.ts";
import { embeddingsBody, parseEmbeddingsRequest } from "./openai.ts";
import { GEMINI, geminiPath, isGeminiMethod } from "./gemini.ts";
import { fixedPlan } from "./plan.ts";
import { RESPONSES } from "./responses.ts";
import type { StatApi } from "./stats.ts";

/** A route: the request, its path, when it arrived (performance.now()) and its epoch µs. */
export type Route = (ctx: MockContext, req: Request, path: string, arrivedMs: number, receivedUs: number) => Response | Promise<Response>;

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
  "/chat/completions": (ctx, req, path, arrivedMs, receivedUs) => answerGeneration(ctx, CHAT, req, path, arrivedMs, receivedUs),
  "/completions": (ctx, req, path, arrivedMs, receivedUs) => answerGeneration(ctx, COMPLETIONS, req, path, arrivedMs, receivedUs),
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
