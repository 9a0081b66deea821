// The mock OpenAI upstream: chat completions (unary and streamed) with a
// fixed latency model, plus /health, /v1/models and /__stats, which tells
// what the mock received so a run can check its own figures against it.
import { ChunkWriter, errorBody, parseChatRequest, promptTokensOf, unaryChat } from "./openai.ts";

export interface MockOptions {
  host: string;
  port: number;
  /** Unary response delay. */
  latencyMs: number;
  /** Stream: time to the first content token. */
  ttftMs: number;
  /** Stream: gap between content tokens. */
  itlMs: number;
  /** Output tokens per response (unless max_tokens asks for fewer). */
  tokens: number;
}

export const MOCK_DEFAULTS: Omit<MockOptions, "host" | "port"> = {
  latencyMs: 10,
  ttftMs: 80,
  itlMs: 30,
  tokens: 25,
};

export interface MockStats {
  /** API requests received (everything but /health and /__stats). */
  requests: number;
  chat: number;
  streams_started: number;
  streams_completed: number;
  /** Streams whose client went away before the end. */
  streams_aborted: number;
  errors_4xx: number;
  /** Requests being answered right now (streams included). */
  in_flight: number;
  /** The most requests the mock was answering at once. */
  in_flight_peak: number;
}

const JSON_HEADERS = { "content-type": "application/json" };
const SSE_HEADERS = { "content-type": "text/event-stream", "cache-control": "no-cache" };

/** Timers fire about this long after the whole millisecond they were set for. */
const TIMER_LATE_MS = 0.1;

/**
 * Waits until `deadlineMs` (performance.now() clock) without busy-waiting:
 * never early, typically 0.1–1 ms late. The mock must not spend CPU that the
 * gateway under test could use.
 */
async function sleepUntil(deadlineMs: number): Promise<void> {
  for (;;) {
    const remaining = deadlineMs - performance.now();
    if (remaining <= 0) return;
    await Bun.sleep(Math.max(1, Math.ceil(remaining - TIMER_LATE_MS)));
  }
}

function apiError(status: number, message: string, param?: string, headers: Record<string, string> = {}): Response {
  return new Response(errorBody(message, "invalid_request_error", param), { status, headers: { ...JSON_HEADERS, ...headers } });
}

export function startMock(o: MockOptions) {
  const stats: MockStats = {
    requests: 0,
    chat: 0,
    streams_started: 0,
    streams_completed: 0,
    streams_aborted: 0,
    errors_4xx: 0,
    in_flight: 0,
    in_flight_peak: 0,
  };
  const enter = (): void => {
    if (++stats.in_flight > stats.in_flight_peak) stats.in_flight_peak = stats.in_flight;
  };
  let seq = 0;

  async function chat(req: Request): Promise<Response> {
    const arrivedMs = performance.now();
    const parsed = parseChatRequest(await req.text());
    if (!parsed.ok) {
      stats.errors_4xx++;
      return apiError(parsed.status, parsed.message, parsed.param);
    }
    stats.chat++;
    const info = parsed.info;
    const tokens = Math.min(o.tokens, info.maxTokens ?? o.tokens);
    const finish = tokens < o.tokens ? "length" : "stop";
    const id = `chatcmpl-mock-${++seq}`;
    const created = Math.floor(Date.now() / 1000);
    if (!info.stream) {
      await sleepUntil(arrivedMs + o.latencyMs);
      return new Response(unaryChat(id, created, info, tokens, finish), { headers: JSON_HEADERS });
    }
    stats.streams_started++;
    const w = new ChunkWriter(id, created, info.model);
    const prompt = promptTokensOf(info.promptChars);
    let finished = false;
    const body = new ReadableStream({
      type: "direct",
      async pull(c) {
        try {
          for (let i = 0; i < tokens; i++) {
            await sleepUntil(arrivedMs + o.ttftMs + i * o.itlMs);
            if (req.signal.aborted) return;
            c.write(i === 0 ? w.role() + w.content(0) : w.content(i));
            c.flush();
          }
          let tail = w.finish(finish);
          if (info.includeUsage) tail += w.usage(prompt, tokens);
          c.write(tail + ChunkWriter.DONE);
          c.flush();
          finished = true;
          stats.streams_completed++;
        } finally {
          stats.in_flight--;
          if (!finished) stats.streams_aborted++;
          c.close();
        }
      },
    });
    return new Response(body, { headers: SSE_HEADERS });
  }

  const server = Bun.serve({
    hostname: o.host,
    port: o.port,
    // Streams may be slow on purpose; the mock never times a client out.
    idleTimeout: 0,
    async fetch(req) {
      const path = new URL(req.url).pathname;
      if (path === "/health") return new Response("ok\n");
      if (path === "/__stats") return Response.json(stats);
      stats.requests++;
      if (path === "/v1/chat/completions" || path === "/chat/completions") {
        if (req.method !== "POST") {
          stats.errors_4xx++;
          return apiError(405, `Method ${req.method} is not allowed on ${path}; use POST.`, undefined, { allow: "POST" });
        }
        enter();
        let res: Response | undefined;
        try {
          res = await chat(req);
          return res;
        } finally {
          // a stream leaves when its body ends (see chat); everything else now
          if (res?.headers.get("content-type") !== "text/event-stream") stats.in_flight--;
        }
      }
      if (path === "/v1/models" || path === "/models") {
        return Response.json({ object: "list", data: [{ id: "gpt-mock", object: "model", created: 0, owned_by: "gatebench" }] });
      }
      stats.errors_4xx++;
      return apiError(404, `Invalid URL (${req.method} ${path})`);
    },
  });
  return { server, stats };
}
