// A ground-truth server for one LLM API, for the end-to-end tests: it
// answers each request (streamed or not, as the request asks in its API's
// way) on a schedule the test sets, in the API's shape or, to test
// wrong_shape, in another's; and it keeps what it received.
import type { Api } from "../../src/apis.ts";
import { streamEvents, unaryAnswer } from "../fixtures/api-answers.ts";

export interface Plan {
  /** A stream: its first content this long after the request arrived, then one every itlMs. */
  ttftMs: number;
  itlMs: number;
  /** The content events' texts, and the output tokens the stream reports. */
  texts: string[];
  tokens: number;
  /** A unary answer: sent this long after the request arrived. */
  latencyMs: number;
  /** Answer in this API's shape instead of the one asked (wrong_shape); a function: by the request's number, from 0. */
  answerAs?: Api | ((n: number) => Api);
  /** false: the stream stops before its end event (Gemini: no finishReason). */
  end?: boolean;
  /** Sent instead of the stream's end event (a failure event). */
  endEvent?: string;
}

export interface Seen {
  path: string;
  headers: Record<string, string>;
  body: Record<string, unknown>;
}

const sleepUntil = async (t: number): Promise<void> => {
  while (performance.now() < t) await Bun.sleep(Math.max(0, Math.floor(t - performance.now())));
};

/** Whether a request of `api` asks for a stream: Gemini in its path, the others with stream: true. */
const wantsStream = (api: Api, url: URL, body: Record<string, unknown>): boolean =>
  api === "gemini" ? url.pathname.endsWith(":streamGenerateContent") && url.searchParams.get("alt") === "sse" : body.stream === true;

/** Starts the server on a free port; `stop()` it when the test is done. */
export function apiServer(api: Api, plan: Plan) {
  const seen: Seen[] = [];
  const enc = new TextEncoder();
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    idleTimeout: 0,
    async fetch(req) {
      const t = performance.now();
      const url = new URL(req.url);
      const body = (await req.json()) as Record<string, unknown>;
      const as = typeof plan.answerAs === "function" ? plan.answerAs(seen.length) : (plan.answerAs ?? api);
      seen.push({ path: `${url.pathname}${url.search}`, headers: Object.fromEntries(req.headers), body });
      if (!wantsStream(api, url, body)) {
        await sleepUntil(t + plan.latencyMs);
        return Response.json(unaryAnswer(as, plan.texts.join(""), plan.tokens));
      }
      const e = streamEvents(as, plan.texts, plan.tokens, (plan.end ?? true) && plan.endEvent === undefined);
      if (plan.endEvent !== undefined) e.tail.push(plan.endEvent);
      const stream = new ReadableStream({
        type: "direct",
        async pull(c) {
          c.write(enc.encode(e.head.join("")));
          c.flush();
          for (let i = 0; i < e.content.length; i++) {
            await sleepUntil(t + plan.ttftMs + i * plan.itlMs);
            // the end follows the last content at once, as providers send it
            c.write(enc.encode(i === e.content.length - 1 ? e.content[i]! + e.tail.join("") : e.content[i]!));
            c.flush();
          }
          c.close();
        },
      });
      return new Response(stream, { headers: { "content-type": "text/event-stream" } });
    },
  });
  return { url: `http://127.0.0.1:${server.port}`, seen, stop: () => server.stop(true) };
}
