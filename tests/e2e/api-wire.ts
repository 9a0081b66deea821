// What the tests of the mock's APIs share: a well-formed request of each
// API (on the path its clients use, src/apis.ts), an SSE reader that keeps
// event names and comments, and readers of each API's text and usage from
// a unary answer or a stream, so one table can check all four.
import { apiPath, type Api } from "../../src/apis.ts";
import { textOf } from "../../src/mock/openai.ts";

// biome-ignore lint: the tests read JSON bodies field by field
export type J = any;

/** The mock's answer of n tokens. */
export const text = (n: number): string => textOf(0, n, 0);

/** The headers each API's requests carry: Anthropic's version and key, Gemini's key. */
export const API_HEADERS: Record<Api, Record<string, string>> = {
  chat: {},
  responses: {},
  messages: { "x-api-key": "sk-ant-test", "anthropic-version": "2023-06-01" },
  gemini: { "x-goog-api-key": "test-key" },
};

/** A well-formed request body of `api`; `max` caps the output tokens in the API's own field. */
export function requestBody(api: Api, stream: boolean, max?: number): Record<string, unknown> {
  switch (api) {
    case "chat":
      return { model: "m", messages: [{ role: "user", content: "hi" }], stream, stream_options: stream ? { include_usage: true } : undefined, max_tokens: max };
    case "responses":
      return { model: "m", input: "hi", stream, max_output_tokens: max };
    case "messages":
      return { model: "m", max_tokens: max ?? 1000, messages: [{ role: "user", content: "hi" }], stream };
    case "gemini":
      return { contents: [{ role: "user", parts: [{ text: "hi" }] }], generationConfig: max === undefined ? undefined : { maxOutputTokens: max } };
  }
}

export interface Sent {
  res: Response;
  /** The body's length, from which the mock counts input tokens. */
  chars: number;
}

/** A request of `api` to the mock at `base`, with its own headers and any extra ones. */
export async function send(base: string, api: Api, stream: boolean, o: { max?: number; headers?: Record<string, string> } = {}): Promise<Sent> {
  const body = JSON.stringify(requestBody(api, stream, o.max));
  const res = await fetch(base + apiPath(api, "gemini-test", stream), {
    method: "POST",
    headers: { "content-type": "application/json", ...API_HEADERS[api], ...o.headers },
    body,
  });
  return { res, chars: body.length };
}

export interface SseEvent {
  event?: string;
  data?: string;
  comment?: string;
}

/** The events of an SSE body, in order: each with its event name, data line and comment, as sent. */
export function sseEvents(body: string): SseEvent[] {
  return body
    .split("\n\n")
    .filter((block) => block.length > 0)
    .map((block) => {
      const e: SseEvent = {};
      for (const line of block.split("\n")) {
        if (line.startsWith("event: ")) e.event = line.slice(7);
        else if (line.startsWith("data: ")) e.data = line.slice(6);
        else if (line.startsWith(":")) e.comment = line.slice(1).trim();
      }
      return e;
    });
}

/** What a unary answer says, in every API's words. */
export interface Said {
  text: string;
  inputTokens: number;
  outputTokens: number;
  /** The answer was cut by the cap on output tokens. */
  truncated: boolean;
}

export function unarySaid(api: Api, b: J): Said {
  switch (api) {
    case "chat":
      return {
        text: b.choices[0].message.content,
        inputTokens: b.usage.prompt_tokens,
        outputTokens: b.usage.completion_tokens,
        truncated: b.choices[0].finish_reason === "length",
      };
    case "responses":
      return {
        text: b.output[0].content[0].text,
        inputTokens: b.usage.input_tokens,
        outputTokens: b.usage.output_tokens,
        truncated: b.status === "incomplete",
      };
    case "messages":
      return { text: b.content[0].text, inputTokens: b.usage.input_tokens, outputTokens: b.usage.output_tokens, truncated: b.stop_reason === "max_tokens" };
    case "gemini":
      return {
        text: b.candidates[0].content.parts[0].text,
        inputTokens: b.usageMetadata.promptTokenCount,
        outputTokens: b.usageMetadata.candidatesTokenCount,
        truncated: b.candidates[0].finishReason === "MAX_TOKENS",
      };
  }
}

/** What a stream says: its text and usage, its content events, and the data of its closing event. */
export interface StreamSaid extends Said {
  contentEvents: number;
}

/** Reads a stream of `api` event by event (each a parsed data line); [DONE] is chat's and is skipped. */
export function streamSaid(api: Api, events: SseEvent[]): StreamSaid {
  const s: StreamSaid = { text: "", inputTokens: -1, outputTokens: -1, truncated: false, contentEvents: 0 };
  for (const e of events) {
    if (e.data === undefined || e.data === "[DONE]") continue;
    const d: J = JSON.parse(e.data);
    const piece = contentOf(api, d);
    if (piece) {
      s.text += piece;
      s.contentEvents++;
    }
    usageOf(api, d, s);
  }
  return s;
}

function contentOf(api: Api, d: J): string | undefined {
  if (api === "chat") return d.choices[0]?.delta.content;
  if (api === "responses") return d.type === "response.output_text.delta" ? d.delta : undefined;
  if (api === "messages") return d.type === "content_block_delta" ? d.delta.text : undefined;
  return d.candidates[0].content.parts[0].text;
}

function usageOf(api: Api, d: J, s: StreamSaid): void {
  if (api === "chat") {
    if (d.usage) [s.inputTokens, s.outputTokens] = [d.usage.prompt_tokens, d.usage.completion_tokens];
    if (d.choices[0]?.finish_reason) s.truncated = d.choices[0].finish_reason === "length";
  } else if (api === "responses") {
    if (d.type === "response.completed" || d.type === "response.incomplete") {
      [s.inputTokens, s.outputTokens] = [d.response.usage.input_tokens, d.response.usage.output_tokens];
      s.truncated = d.response.status === "incomplete";
    }
  } else if (api === "messages") {
    if (d.type === "message_start") s.inputTokens = d.message.usage.input_tokens;
    if (d.type === "message_delta") [s.outputTokens, s.truncated] = [d.usage.output_tokens, d.delta.stop_reason === "max_tokens"];
  } else if (d.usageMetadata) {
    [s.inputTokens, s.outputTokens] = [d.usageMetadata.promptTokenCount, d.usageMetadata.candidatesTokenCount];
    s.truncated = d.candidates[0].finishReason === "MAX_TOKENS";
  }
}
