// What the stream scanner looks for in each API's events, as bytes prepared
// once: which keys carry generated output, where the output tokens are
// counted, and what ends a stream well or badly. The scanner (sse.ts) is the
// same for all; only this description differs.
//
//   chat       content: content, reasoning, arguments, text (and *_content …) · tokens: usage.completion_tokens
//              end: data: [DONE]
//   responses  content: delta (response.*.delta events) · tokens: usage.output_tokens (in response.completed)
//              end: response.completed, or response.incomplete (the answer cut at max_output_tokens, as
//              chat's finish_reason "length": a whole answer, shorter) · failure: response.failed, error
//   messages   content: text, thinking, partial_json (content_block_delta) · tokens: usage.output_tokens (message_delta)
//              end: message_stop · failure: error
//   gemini     content: text (candidates[].content.parts[]) · tokens: usageMetadata.candidatesTokenCount
//              end: a chunk with a finishReason, then the stream's end
import type { Api } from "../apis.ts";

const enc = new TextEncoder();
const bytes = (words: string[]): Uint8Array[] => words.map((w) => enc.encode(w));

export interface Dialect {
  readonly api: Api;
  /** Keys whose non-empty string value is generated output. */
  readonly content: readonly Uint8Array[];
  /** A key ending in "_" + a content key counts too (chat: reasoning_content, tool arguments under other names). */
  readonly contentSuffix: boolean;
  /** The object that reports usage, and its key for output tokens (the last value seen in a stream is kept). */
  readonly usage: Uint8Array;
  readonly tokens: Uint8Array;
  /** `data: [DONE]` ends the stream (chat); the others tolerate one after their own end. */
  readonly doneData: boolean;
  /** Values of a `type` key that end the stream well, and that end it as a failure. */
  readonly endTypes: readonly Uint8Array[];
  readonly failTypes: readonly Uint8Array[];
  /** A key whose non-empty string value marks the last chunk; the stream's end then completes it (Gemini's finishReason). */
  readonly finish: Uint8Array | undefined;
  /** What ends a stream well, as a message about a stream without it says. */
  readonly endName: string;
}

export const DIALECTS: Record<Api, Dialect> = {
  chat: {
    api: "chat",
    content: bytes(["content", "reasoning", "arguments", "text"]),
    contentSuffix: true,
    usage: enc.encode("usage"),
    tokens: enc.encode("completion_tokens"),
    doneData: true,
    endTypes: [],
    failTypes: [],
    finish: undefined,
    endName: "data: [DONE]",
  },
  responses: {
    api: "responses",
    content: bytes(["delta"]),
    contentSuffix: false,
    usage: enc.encode("usage"),
    tokens: enc.encode("output_tokens"),
    doneData: false,
    endTypes: bytes(["response.completed", "response.incomplete"]),
    failTypes: bytes(["response.failed", "error"]),
    finish: undefined,
    endName: "response.completed (or response.incomplete)",
  },
  messages: {
    api: "messages",
    content: bytes(["text", "thinking", "partial_json"]),
    contentSuffix: false,
    usage: enc.encode("usage"),
    tokens: enc.encode("output_tokens"),
    doneData: false,
    endTypes: bytes(["message_stop"]),
    failTypes: bytes(["error"]),
    finish: undefined,
    endName: "message_stop",
  },
  gemini: {
    api: "gemini",
    content: bytes(["text"]),
    contentSuffix: false,
    usage: enc.encode("usageMetadata"),
    tokens: enc.encode("candidatesTokenCount"),
    doneData: false,
    endTypes: [],
    failTypes: [],
    finish: enc.encode("finishReason"),
    endName: "a chunk with a finishReason",
  },
};
