// The mock OpenAI upstream: chat and legacy completions (unary and
// streamed), embeddings, models, health; a latency/token/fault model with
// per-request overrides in headers; its own timing in every response; and
// /__stats, the count of what it received, so a run can check its figures
// against the upstream's.
import type { Fault } from "./model.ts";
import {
  ChunkWriter,
  CompletionChunkWriter,
  embeddingsBody,
  errorBody,
  parseChatRequest,
  parseCompletionRequest,
  parseEmbeddingsRequest,
  promptTokensOf,
  textOf,
  unaryChat,
  unaryCompletion,
  type FinishReason,
} from "./openai.ts";
import { LAST_EVENT_COMMENT, MOCK_HEADERS, MockPlan, type MockOptions, type RequestPlan } from "./plan.ts";
import { MockCounters } from "./stats.ts";
import { Ticker } from "./ticker.ts";

export { LAST_EVENT_COMMENT, MOCK_DEFAULTS, MOCK_HEADERS, type MockOptions } from "./plan.ts";
export type { MockStats } from "./stats.ts";

const JSON_TYPE = "application/json";
const SSE_TYPE = "text/event-stream";

/** Epoch microseconds: comparable with another process's clock. */
const epochUs = (): number => Math.round((performance.timeOrigin + performance.now()) * 1000);

/** The path of an absolute request URL, without building a URL object. */
export function pathOf(url: string): string {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  if (start === -1) return "/";
  const q = url.indexOf("?", start);
  return q === -1 ? url.slice(start) : url.slice(start, q);
}

function until(signal: AbortSignal): Promise<void> {
  return signal.aborted ? Promise.resolve() : new Promise((r) => signal.addEventListener("abort", () => r(), { once: true }));
}

const FAULT_ANSWERS: Record<"429" | "500" | "503", { message: string; type: string; code: string | undefined }> = {
  "429": { message: "Rate limit reached for requests (injected by gatebench mock).", type: "requests", code: "rate_limit_exceeded" },
  "500": { message: "The server had an error while processing your request (injected by gatebench mock).", type: "server_error", code: undefined },
  "503": { message: "The engine is currently overloaded, please try again later (injected by gatebench mock).", type: "server_error", code: undefined },
};

const CUT_REASON = "gatebench mock: stream cut (fault injected)";

export function startMock(o: MockOptions) {
  const counters = new MockCounters();
  const ticker = new Ticker();
  const plan = new MockPlan(o);
  /** Waits until `deadlineMs` (performance.now() clock) on the shared ticker: never early, no CPU spent waiting. */
  const sleepUntil = (deadlineMs: number): Promise<void> | undefined => (deadlineMs > performance.now() ? ticker.until(deadlineMs) : undefined);
  let seq = 0;

  function json(status: number, body: string, receivedUs: number, extra?: Record<string, string>): Response {
    counters.bytesOut += Buffer.byteLength(body);
    const headers: Record<string, string> = {
      "content-type": JSON_TYPE,
      [MOCK_HEADERS.receivedUs]: String(receivedUs),
      [MOCK_HEADERS.sentUs]: String(epochUs()),
    };
    if (extra) Object.assign(headers, extra);
    return new Response(body, { status, headers });
  }

  function apiError(status: number, message: string, receivedUs: number, param?: string, extra?: Record<string, string>): Response {
    return json(status, errorBody(message, "invalid_request_error", param), receivedUs, extra);
  }

  /**
   * A stream of `count` pieces: piece k is made when it is due (firstDueMs,
   * then nextGapMs() apart), so nothing is built ahead. Every stream's next
   * piece waits in the shared ticker: one timer for all streams. At piece
   * `cutAfter` the connection drops (the cut fault).
   */
  function stream(
    count: number,
    piece: (k: number) => string,
    firstDueMs: number,
    nextGapMs: () => number,
    tail: () => string,
    receivedUs: number,
    signal: AbortSignal,
    cutAfter: number,
  ): Response {
    const body = new ReadableStream({
      type: "direct",
      pull(c) {
        // counted from here: a body that is never pulled (the client left first) leaves no trace
        counters.streamsStarted++;
        counters.enter();
        return new Promise<void>((resolve, reject) => {
          let k = 0;
          const end = (outcome: "done" | "aborted" | "cut"): undefined => {
            counters.leave();
            if (outcome === "done") {
              counters.streamsCompleted++;
              c.close();
              resolve();
            } else if (outcome === "aborted") {
              counters.streamsAborted++;
              c.close();
              resolve();
            } else {
              counters.faultsDone("cut");
              reject(CUT_REASON); // errors the body: the connection drops before [DONE]
            }
            return undefined;
          };
          ticker.add({
            dueMs: firstDueMs,
            run(nowMs) {
              if (signal.aborted) return end("aborted");
              counters.late("chunk", nowMs - this.dueMs);
              if (k === cutAfter) return end("cut");
              if (k < count) {
                const text = piece(k);
                counters.bytesOut += text.length;
                c.write(text);
                c.flush();
                k++;
                if (k < count) return this.dueMs + nextGapMs();
              }
              const last = `${tail()}: ${LAST_EVENT_COMMENT}=${epochUs()}\n\n${ChunkWriter.DONE}`;
              counters.bytesOut += last.length;
              c.write(last);
              c.flush();
              return end("done");
            },
          });
        });
      },
    });
    return new Response(body, {
      headers: {
        "content-type": SSE_TYPE,
        "cache-control": "no-cache",
        [MOCK_HEADERS.receivedUs]: String(receivedUs),
        [MOCK_HEADERS.sentUs]: String(epochUs()),
      },
    });
  }

  /**
   * Applies the request's fault: an answer instead of the model's, or
   * undefined when the request goes on (after holding its first byte back,
   * for the slow fault). Without a fault, undefined at once: no await on
   * the common path.
   */
  function answerFault(p: RequestPlan, req: Request, arrivedMs: number, receivedUs: number): Promise<Response | undefined> | undefined {
    if (p.fault === undefined) return undefined; // (holdMs is the slow fault's)
    return faultAnswer(p, req, arrivedMs, receivedUs);
  }

  async function faultAnswer(p: RequestPlan, req: Request, arrivedMs: number, receivedUs: number): Promise<Response | undefined> {
    const fault: Fault | undefined = p.fault;
    if (fault === "429" || fault === "500" || fault === "503") {
      counters.faultsDone(fault);
      const a = FAULT_ANSWERS[fault];
      const body = JSON.stringify({ error: { message: a.message, type: a.type, param: null, code: a.code ?? null } });
      return json(Number(fault), body, receivedUs, fault === "429" ? { "retry-after": "1" } : undefined);
    }
    if (fault === "hang") {
      counters.faultsDone("hang");
      await until(req.signal); // no answer until the client gives up
      return new Response(null, { status: 499 });
    }
    if (fault === "slow") counters.faultsDone("slow");
    const hold = sleepUntil(arrivedMs + p.holdMs);
    if (hold) await hold;
    return undefined;
  }

  async function generate(req: Request, kind: "chat" | "completion", text: string, arrivedMs: number, receivedUs: number): Promise<Response> {
    const parsed = kind === "chat" ? parseChatRequest(text) : parseCompletionRequest(text);
    if (!parsed.ok) return apiError(parsed.status, parsed.message, receivedUs, parsed.param);
    const info = parsed.info;
    const p = plan.forRequest(req.headers, info.maxTokens);
    if ("error" in p) return apiError(400, p.error, receivedUs, p.header);
    const fault = answerFault(p, req, arrivedMs, receivedUs);
    const early = fault && (await fault);
    if (early) return early;
    const id = `${kind === "chat" ? "chatcmpl" : "cmpl"}-mock-${++seq}`;
    const created = Math.floor(Date.now() / 1000);
    const prompt = promptTokensOf(info.promptChars);
    const finish: FinishReason = p.truncated ? "length" : "stop";
    if (!info.stream) {
      const body = (kind === "chat" ? unaryChat : unaryCompletion)(id, created, info, p.tokens, finish, o.tokenChars);
      if (p.fault === "cut") {
        // half an answer, then the connection drops
        const half = body.slice(0, Math.floor(body.length / 2));
        return stream(
          2,
          () => half,
          arrivedMs + p.latencyMs,
          () => 0,
          () => "",
          receivedUs,
          req.signal,
          1,
        );
      }
      const wait = sleepUntil(arrivedMs + p.latencyMs);
      if (wait) await wait;
      counters.late("unary", performance.now() - arrivedMs - p.latencyMs);
      return json(200, body, receivedUs);
    }
    const w = kind === "chat" ? new ChunkWriter(id, created, info.model) : new CompletionChunkWriter(id, created, info.model);
    const perChunk = Math.max(1, o.tokensPerChunk);
    const chunks = Math.ceil(p.tokens / perChunk);
    const piece = (k: number): string => {
      const first = k * perChunk;
      const text = textOf(first, Math.min(perChunk, p.tokens - first), o.tokenChars);
      return k === 0 ? w.first(text) : w.content(text);
    };
    const tail = () => w.finish(finish) + (info.includeUsage ? w.usage(prompt, p.tokens) : "");
    const cutAt = p.fault === "cut" ? Math.floor(chunks / 2) : -1;
    return stream(chunks, piece, arrivedMs + p.ttftMs, () => plan.gapMs(p), tail, receivedUs, req.signal, cutAt);
  }

  const server = Bun.serve({
    hostname: o.host,
    port: o.port,
    // Streams may be slow on purpose, and a hang waits for the client; never time a client out.
    idleTimeout: 0,
    async fetch(req, srv) {
      const arrivedMs = performance.now();
      const receivedUs = epochUs();
      // then what has come due meanwhile (after the clocks: arrival is when it came, not after that work)
      ticker.poll(arrivedMs);
      const path = pathOf(req.url);
      if (path === "/health") return new Response("ok\n");
      if (path === "/__stats") return Response.json(counters.snapshot());
      if (path === "/__reset" && req.method === "POST") {
        counters.reset();
        return Response.json({ reset: true });
      }
      const ip = srv.requestIP(req);
      if (ip) counters.connection(`${ip.address}:${ip.port}`);
      const route = path.startsWith("/v1/") ? path.slice(3) : path;
      counters.enter();
      let res: Response;
      try {
        res = await handle(req, route, path, arrivedMs, receivedUs);
      } finally {
        counters.leave();
      }
      counters.answered(path, res.status);
      return res;
    },
  });

  async function handle(req: Request, route: string, path: string, arrivedMs: number, receivedUs: number): Promise<Response> {
    const post = route === "/chat/completions" || route === "/completions" || route === "/embeddings";
    if (post && req.method !== "POST") {
      return apiError(405, `Method ${req.method} is not allowed on ${path}; use POST.`, receivedUs, undefined, { allow: "POST" });
    }
    if (route === "/models") {
      if (req.method !== "GET") return apiError(405, `Method ${req.method} is not allowed on ${path}; use GET.`, receivedUs, undefined, { allow: "GET" });
      return json(200, JSON.stringify({ object: "list", data: [{ id: "gpt-mock", object: "model", created: 0, owned_by: "gatebench" }] }), receivedUs);
    }
    if (!post) return apiError(404, `Invalid URL (${req.method} ${path})`, receivedUs);
    const text = await req.text();
    counters.bytesIn += Buffer.byteLength(text);
    if (route === "/embeddings") {
      const parsed = parseEmbeddingsRequest(text);
      if (!parsed.ok) return apiError(parsed.status, parsed.message, receivedUs, parsed.param);
      const p = plan.forRequest(req.headers, undefined);
      if ("error" in p) return apiError(400, p.error, receivedUs, p.header);
      // (a cut has nothing to cut in a single JSON answer here: it answers normally)
      const fault = answerFault(p, req, arrivedMs, receivedUs);
      const early = fault && (await fault);
      if (early) return early;
      const wait = sleepUntil(arrivedMs + p.latencyMs);
      if (wait) await wait;
      return json(200, embeddingsBody(parsed.info, o.embeddingDim), receivedUs);
    }
    // (awaited: an async function returning a promise as it is costs more turns of the loop)
    return await generate(req, route === "/chat/completions" ? "chat" : "completion", text, arrivedMs, receivedUs);
  }

  return { server, counters };
}
