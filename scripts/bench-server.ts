// A zero-delay server for the load-generator benchmarks (selfbench): every
// POST is answered at once with fixed bytes, so that what limits a run is
// the client, not the server. /unary: a small chat completion; /sse: a small
// OpenAI event stream (three content events, usage, [DONE]). Its own
// process, started by the benchmark; it prints the ready line gatebench's
// children print.
//
//   bun scripts/bench-server.ts [--port 0]
import { READY_PREFIX } from "../src/process/children.ts";
import { flag } from "./drive.ts";

const UNARY = JSON.stringify({
  id: "chatcmpl-bench",
  object: "chat.completion",
  created: 0,
  model: "gpt-4o-mini",
  choices: [{ index: 0, message: { role: "assistant", content: "Hello from the bench server." }, finish_reason: "stop" }],
  usage: { prompt_tokens: 9, completion_tokens: 6, total_tokens: 15 },
});
const chunk = (delta: object, finish: string | null = null): string =>
  `data: ${JSON.stringify({ id: "chatcmpl-bench", object: "chat.completion.chunk", created: 0, model: "gpt-4o-mini", choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
const SSE = [
  chunk({ role: "assistant", content: "" }),
  chunk({ content: "Hello" }),
  chunk({ content: " from" }),
  chunk({ content: " the bench." }),
  chunk({}, "stop"),
  `data: ${JSON.stringify({ id: "chatcmpl-bench", object: "chat.completion.chunk", created: 0, model: "gpt-4o-mini", choices: [], usage: { prompt_tokens: 9, completion_tokens: 3, total_tokens: 12 } })}\n\n`,
  "data: [DONE]\n\n",
].join("");

/** Content events in each /sse answer. */
export const SSE_CONTENT_EVENTS = 3;

if (import.meta.main) {
  const unary = new Response(UNARY, { headers: { "content-type": "application/json" } });
  const sse = new Response(SSE, { headers: { "content-type": "text/event-stream", "cache-control": "no-cache" } });
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: Number(flag("port", "0")),
    // static answers: no JavaScript runs per request
    routes: { "/unary": unary, "/sse": sse },
    fetch: () => new Response("not found", { status: 404 }),
  });
  process.stdout.write(`${READY_PREFIX}${JSON.stringify({ port: server.port })}\n`);
}
