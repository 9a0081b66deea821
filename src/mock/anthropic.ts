// Anthropic's Messages API (POST /v1/messages): the request checked as the
// real API does (anthropic-version and a key in its headers; model,
// max_tokens and messages of user and assistant turns in its body), the
// `message` answer, its named stream events (message_start … message_stop),
// and errors in Anthropic's envelope, a 503 fault as its 529 overloaded_error.
import { chunkText, type Dialect, type Generation, type GenerationInfo, type StreamParts } from "./answer.ts";
import { type ErrorFault, FAULT_MESSAGES } from "./faults.ts";
import { contentJson, modelJson, promptTokensOf, textJson } from "./openai.ts";
import { badBlock, countField, foreignField, isObject, isRefusal, jsonObject, refuse, type Refusal, streamField } from "./request.ts";

/** Fields of OpenAI and Gemini requests that the Messages API has not (it refuses fields it does not know). */
const FOREIGN = [
  "max_completion_tokens",
  "max_output_tokens",
  "stream_options",
  "n",
  "stop",
  "response_format",
  "frequency_penalty",
  "presence_penalty",
  "logit_bias",
  "logprobs",
  "top_logprobs",
  "seed",
  "user",
  "parallel_tool_calls",
  "functions",
  "function_call",
  "input",
  "instructions",
  "previous_response_id",
  "contents",
  "generationConfig",
  "systemInstruction",
] as const;

/** Anthropic's error type for each status it answers with. */
const ERROR_TYPES: Record<number, string> = {
  400: "invalid_request_error",
  401: "authentication_error",
  403: "permission_error",
  404: "not_found_error",
  413: "request_too_large",
  429: "rate_limit_error",
  500: "api_error",
  529: "overloaded_error",
};

const errorJson = (status: number, message: string): string =>
  JSON.stringify({ type: "error", error: { type: ERROR_TYPES[status] ?? "invalid_request_error", message } });

/** An injected fault as Anthropic answers it: the 503 is its 529, "overloaded". */
function fault(f: ErrorFault): { status: number; body: string } {
  const status = f === "503" ? 529 : Number(f);
  return { status, body: errorJson(status, FAULT_MESSAGES[f]) };
}

/** The headers every Messages request carries: a key (x-api-key, or authorization) and the API version. */
function checkHeaders(h: Headers): Refusal | undefined {
  if (!h.has("x-api-key") && !h.has("authorization")) return refuse(401, "No API key: send it in the x-api-key header (or authorization: Bearer).");
  if (!h.has("anthropic-version")) return refuse(400, "The anthropic-version header is required, e.g. anthropic-version: 2023-06-01.");
  return undefined;
}

/** `messages`: a non-empty list of user and assistant turns, each with string or block content. */
function checkMessages(messages: unknown): Refusal | undefined {
  if (!Array.isArray(messages)) return refuse(400, "messages: Field required (a list of user and assistant turns).", "messages");
  if (messages.length === 0) return refuse(400, "messages: at least one message is required.", "messages");
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i];
    if (!isObject(m)) return refuse(400, `messages.${i}: expected an object with role and content.`, `messages.${i}`);
    if (m.role !== "user" && m.role !== "assistant") {
      const hint = m.role === "system" ? " (the system prompt goes in the top-level system field)" : "";
      return refuse(400, `messages.${i}.role: expected "user" or "assistant", got ${JSON.stringify(m.role)}${hint}.`, `messages.${i}.role`);
    }
    const c = m.content;
    if (typeof c === "string") continue;
    if (!Array.isArray(c)) return refuse(400, `messages.${i}.content: expected a string or a list of content blocks.`, `messages.${i}.content`);
    const bad = badBlock(c);
    if (bad !== -1) return refuse(400, `messages.${i}.content.${bad}: expected a content block with a type.`, `messages.${i}.content.${bad}`);
  }
  return undefined;
}

function parse(text: string, req: Request): { ok: true; info: GenerationInfo } | Refusal {
  const h = checkHeaders(req.headers);
  if (h) return h;
  const b = jsonObject(text);
  if (isRefusal(b)) return b;
  const foreign = foreignField(b, FOREIGN);
  if (foreign) return refuse(400, `${foreign}: not a field of the Messages API (a request shaped for another API?).`, foreign);
  if (typeof b.model !== "string") return refuse(400, "model: Field required.", "model");
  const max = countField(b.max_tokens, "max_tokens");
  if (isRefusal(max)) return max;
  if (max === undefined) return refuse(400, "max_tokens: Field required.", "max_tokens");
  const bad = checkMessages(b.messages);
  if (bad) return bad;
  if (b.system !== undefined && typeof b.system !== "string" && !Array.isArray(b.system)) {
    return refuse(400, "system: expected a string or a list of text blocks.", "system");
  }
  const stream = streamField(b.stream);
  if (isRefusal(stream)) return stream;
  return { ok: true, info: { model: b.model, stream, maxTokens: max, promptChars: text.length } };
}

const stopReason = (g: Generation<GenerationInfo>): string => (g.truncated ? "max_tokens" : "end_turn");

/** Usage as the message carries it; output_tokens is 0 at message_start, as nothing is generated yet. */
const usageJson = (g: Generation<GenerationInfo>, output: number): string =>
  `{"input_tokens":${promptTokensOf(g.info.promptChars)},"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":${output}}`;

function unary(g: Generation<GenerationInfo>): string {
  return (
    `{"id":"msg_mock_${g.seq}","type":"message","role":"assistant","model":${modelJson(g.info.model)},` +
    `"content":[{"type":"text","text":${contentJson(g.tokens, g.tokenChars)}}],"stop_reason":"${stopReason(g)}","stop_sequence":null,` +
    `"usage":${usageJson(g, g.tokens)}}`
  );
}

const event = (name: string, data: string): string => `event: ${name}\ndata: {"type":"${name}"${data}}\n\n`;

/**
 * The stream: message_start (the message without content, input tokens
 * counted), content_block_start and a ping with the first delta, one
 * text_delta per chunk, then content_block_stop and message_delta (the stop
 * reason and output tokens), closed by message_stop.
 */
function stream(g: Generation<GenerationInfo>, perChunk: number, chunks: number): StreamParts {
  const head = (): string =>
    event(
      "message_start",
      `,"message":{"id":"msg_mock_${g.seq}","type":"message","role":"assistant","model":${modelJson(g.info.model)},"content":[],` +
        `"stop_reason":null,"stop_sequence":null,"usage":${usageJson(g, 0)}}`,
    ) +
    event("content_block_start", `,"index":0,"content_block":{"type":"text","text":""}`) +
    event("ping", "");
  const delta = (k: number): string =>
    event("content_block_delta", `,"index":0,"delta":{"type":"text_delta","text":${textJson(chunkText(k, perChunk, g.tokens, g.tokenChars))}}`);
  const tail = (): string =>
    (chunks === 0 ? head() : "") +
    event("content_block_stop", `,"index":0`) +
    event("message_delta", `,"delta":{"stop_reason":"${stopReason(g)}","stop_sequence":null},"usage":{"output_tokens":${g.tokens}}`);
  return { piece: (k) => (k === 0 ? head() + delta(0) : delta(k)), tail, final: () => event("message_stop", "") };
}

export const MESSAGES: Dialect<GenerationInfo> = {
  api: "messages",
  parse,
  error: (status, message) => ({ status, body: errorJson(status, message) }),
  fault,
  unary,
  stream,
};
