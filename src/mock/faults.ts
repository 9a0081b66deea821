// Injected faults: an error answer in place of the model's (429, 500, 503),
// no answer until the client gives up (hang), or the first byte held back
// (slow). The cut fault is the stream's own (stream.ts).
import type { MockContext } from "./context.ts";
import type { RequestPlan } from "./plan.ts";

/** The faults answered with an error in place of the model's answer. */
export type ErrorFault = "429" | "500" | "503";

/** An API's error answer for an injected fault: its status (Anthropic says 529 where others say 503) and body. */
export type FaultEnvelope = (fault: ErrorFault) => { status: number; body: string };

const FAULT_ANSWERS: Record<ErrorFault, { message: string; type: string; code: string | undefined }> = {
  "429": { message: "Rate limit reached for requests (injected by gatebench mock).", type: "requests", code: "rate_limit_exceeded" },
  "500": { message: "The server had an error while processing your request (injected by gatebench mock).", type: "server_error", code: undefined },
  "503": { message: "The engine is currently overloaded, please try again later (injected by gatebench mock).", type: "server_error", code: undefined },
};

function until(signal: AbortSignal): Promise<void> {
  return signal.aborted ? Promise.resolve() : new Promise((r) => signal.addEventListener("abort", () => r(), { once: true }));
}

/** OpenAI's envelope (chat, completions, embeddings, Responses): the `error` object. */
export const openaiFault: FaultEnvelope = (fault) => {
  const a = FAULT_ANSWERS[fault];
  return { status: Number(fault), body: JSON.stringify({ error: { message: a.message, type: a.type, param: null, code: a.code ?? null } }) };
};

/** Text for another API's envelope: what the fault stands for. */
export const FAULT_MESSAGES: Record<ErrorFault, string> = {
  "429": "Rate limit reached (injected by gatebench mock).",
  "500": "Internal server error (injected by gatebench mock).",
  "503": "The service is overloaded, please try again later (injected by gatebench mock).",
};

/**
 * Applies the request's fault: an answer instead of the model's (in
 * `envelope`, the API's own error shape; OpenAI's by default), or
 * undefined when the request goes on (after holding its first byte back,
 * for the slow fault). Without a fault, undefined at once: no await on
 * the common path.
 */
export function answerFault(
  ctx: MockContext,
  p: RequestPlan,
  req: Request,
  arrivedMs: number,
  receivedUs: number,
  envelope: FaultEnvelope = openaiFault,
): Promise<Response | undefined> | undefined {
  if (p.fault === undefined) return undefined; // (holdMs is the slow fault's)
  return faultAnswer(ctx, p, req, arrivedMs, receivedUs, envelope);
}

async function faultAnswer(
  ctx: MockContext,
  p: RequestPlan,
  req: Request,
  arrivedMs: number,
  receivedUs: number,
  envelope: FaultEnvelope,
): Promise<Response | undefined> {
  const fault = p.fault;
  if (fault === "429" || fault === "500" || fault === "503") {
    ctx.counters.faultsDone(fault);
    const a = envelope(fault);
    // every API's clients read retry-after on a 429
    return ctx.replies.json(a.status, a.body, receivedUs, fault === "429" ? { "retry-after": "1" } : undefined);
  }
  if (fault === "hang") {
    ctx.counters.faultsDone("hang");
    await until(req.signal); // no answer until the client gives up
    return new Response(null, { status: 499 });
  }
  if (fault === "slow") ctx.counters.faultsDone("slow");
  const hold = ctx.sleepUntil(arrivedMs + p.holdMs);
  if (hold) await hold;
  return undefined;
}
