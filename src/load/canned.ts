// Answers like the ones a load will read, in each API's shape, for the
// socket client's warm-up (socket.ts): running the parser, the scanner of
// the API's dialect and the recorder over them before the load compiles the
// very paths the load takes.
import type { Api } from "../apis.ts";

/** A short stream of `api`: a first event, two content events, usage and the end. */
function streamOf(api: Api): string {
  const data = (o: unknown): string => `data: ${JSON.stringify(o)}\n\n`;
  switch (api) {
    case "chat": {
      const chunk = (content: string) => data({ id: "c", object: "chat.completion.chunk", choices: [{ index: 0, delta: { content }, finish_reason: null }] });
      return `${chunk("")}${chunk("warm")}${chunk(" up")}${data({ id: "c", choices: [], usage: { prompt_tokens: 1, completion_tokens: 2 } })}data: [DONE]\n\n`;
    }
    case "responses": {
      const delta = (d: string) =>
        `event: response.output_text.delta\n${data({ type: "response.output_text.delta", output_index: 0, content_index: 0, delta: d })}`;
      return (
        `event: response.created\n${data({ type: "response.created", response: { id: "r", object: "response", status: "in_progress", usage: null } })}` +
        `${delta("warm")}${delta(" up")}` +
        `event: response.completed\n${data({ type: "response.completed", response: { id: "r", object: "response", status: "completed", usage: { input_tokens: 1, output_tokens: 2 } } })}`
      );
    }
    case "messages": {
      const delta = (text: string) => `event: content_block_delta\n${data({ type: "content_block_delta", index: 0, delta: { type: "text_delta", text } })}`;
      return (
        `event: message_start\n${data({ type: "message_start", message: { id: "m", type: "message", role: "assistant", content: [], usage: { input_tokens: 1, output_tokens: 1 } } })}` +
        `${delta("warm")}${delta(" up")}` +
        `event: message_delta\n${data({ type: "message_delta", delta: { stop_reason: "end_turn" }, usage: { output_tokens: 2 } })}` +
        `event: message_stop\n${data({ type: "message_stop" })}`
      );
    }
    case "gemini": {
      const chunk = (text: string, last: boolean) =>
        data({
          candidates: [{ content: { role: "model", parts: [{ text }] }, index: 0, ...(last ? { finishReason: "STOP" } : {}) }],
          usageMetadata: { promptTokenCount: 1, candidatesTokenCount: last ? 2 : 1 },
        });
      return `${chunk("warm", false)}${chunk(" up", true)}`;
    }
  }
}

/** A whole unary answer of `api`. */
function unaryOf(api: Api): string {
  switch (api) {
    case "chat":
      return '{"id":"c","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"warm up"},"finish_reason":"stop"}]}';
    case "responses":
      return '{"id":"r","object":"response","status":"completed","output":[{"type":"message","content":[{"type":"output_text","text":"warm up"}]}],"usage":{"output_tokens":2}}';
    case "messages":
      return '{"id":"m","type":"message","role":"assistant","content":[{"type":"text","text":"warm up"}],"stop_reason":"end_turn","usage":{"output_tokens":2}}';
    case "gemini":
      return '{"candidates":[{"content":{"role":"model","parts":[{"text":"warm up"}]},"finishReason":"STOP"}],"usageMetadata":{"candidatesTokenCount":2}}';
  }
}

/** The bytes of a whole HTTP/1.1 answer of `api` (with the mock's timing headers), streamed or not. */
export function cannedAnswer(api: Api, stream: boolean, head: boolean): Uint8Array {
  const us = Math.round((performance.timeOrigin + performance.now()) * 1000);
  const body = stream ? streamOf(api) : unaryOf(api);
  const type = stream ? "text/event-stream" : "application/json";
  return new TextEncoder().encode(
    `HTTP/1.1 200 OK\r\ncontent-type: ${type}\r\nx-mock-received-us: ${us}\r\nx-mock-sent-us: ${us}\r\ncontent-length: ${body.length}\r\n\r\n${head ? "" : body}`,
  );
}
