// Google's Gemini API: POST /v1beta/models/{model}:generateContent and
// :streamGenerateContent?alt=sse (also under /v1/models/). The request is
// checked as the real API does (a key, `contents` of parts, no field of
// another API); the answer is a GenerateContentResponse, and a stream is
// `data:` chunks of them, one piece of text each, the last with the finish
// reason and the usage, then the end of the body (no event names, no
// [DONE]). Errors in Google's envelope: {error: {code, message, status}}.
import { chunkText, type Dialect, type Generation, type GenerationInfo, type StreamParts } from "./answer.ts";
import { type ErrorFault, FAULT_MESSAGES } from "./faults.ts";
import { contentJson, modelJson, promptTokensOf, textJson } from "./openai.ts";
import { countField, foreignField, isObject, isRefusal, jsonObject, refuse, type Refusal } from "./request.ts";

/** The generation methods, after the model in the path. */
const METHODS = new Set(["generateContent", "streamGenerateContent"]);

/** A Gemini path: its model and method, undefined when the path is not under /v1beta/models/ or /v1/models/ with a method. */
export function geminiPath(path: string): { model: string; method: string } | undefined {
  const rest = path.startsWith("/v1beta/models/") ? path.slice(15) : path.startsWith("/v1/models/") ? path.slice(11) : undefined;
  if (rest === undefined) return undefined;
  const colon = rest.lastIndexOf(":");
  if (colon <= 0) return undefined;
  let model = rest.slice(0, colon);
  try {
    model = decodeURIComponent(model);
  } catch {
    // a malformed escape: the model name as it came
  }
  return { model, method: rest.slice(colon + 1) };
}

export const isGeminiMethod = (method: string): boolean => METHODS.has(method);

/** Fields of OpenAI and Anthropic requests that a GenerateContentRequest has not (Gemini refuses unknown names). */
const FOREIGN = [
  "messages",
  "input",
  "prompt",
  "system",
  "instructions",
  "max_tokens",
  "max_completion_tokens",
  "max_output_tokens",
  "stream",
  "stream_options",
  "temperature",
  "top_p",
  "n",
  "stop",
  "stop_sequences",
] as const;

/** Google's status names for the HTTP statuses the mock answers with. */
const STATUSES: Record<number, string> = {
  400: "INVALID_ARGUMENT",
  401: "UNAUTHENTICATED",
  403: "PERMISSION_DENIED",
  404: "NOT_FOUND",
  429: "RESOURCE_EXHAUSTED",
  500: "INTERNAL",
  503: "UNAVAILABLE",
};

/** Google's envelope. A wrong method is NOT_FOUND there, as no such method exists on that path. */
function error(status: number, message: string): { status: number; body: string } {
  const code = status === 405 ? 404 : status;
  return { status: code, body: JSON.stringify({ error: { code, message, status: STATUSES[code] ?? "INVALID_ARGUMENT" } }) };
}

const fault = (f: ErrorFault): { status: number; body: string } => error(Number(f), FAULT_MESSAGES[f]);

/** A key in the x-goog-api-key header or the ?key= query (or an OAuth bearer token, which the real API takes too). */
function hasKey(req: Request, query: URLSearchParams): boolean {
  return req.headers.has("x-goog-api-key") || query.has("key") || req.headers.has("authorization");
}

/** `contents`: a non-empty list of turns, each with a role of user or model (or none) and a non-empty list of parts. */
function checkContents(contents: unknown): Refusal | undefined {
  if (!Array.isArray(contents) || contents.length === 0)
    return refuse(400, "contents is not specified: a list of turns, each with parts, is required.", "contents");
  for (let i = 0; i < contents.length; i++) {
    const c = contents[i];
    const at = `contents[${i}]`;
    if (!isObject(c)) return refuse(400, `${at}: expected a Content object with parts.`, at);
    if (c.role !== undefined && c.role !== "user" && c.role !== "model") {
      return refuse(400, `${at}.role: expected "user" or "model", got ${JSON.stringify(c.role)}.`, `${at}.role`);
    }
    if (!Array.isArray(c.parts) || c.parts.length === 0) return refuse(400, `${at}.parts: must not be empty.`, `${at}.parts`);
    for (let j = 0; j < c.parts.length; j++) {
      const p = c.parts[j];
      const pat = `${at}.parts[${j}]`;
      if (!isObject(p) || Object.keys(p).length === 0) return refuse(400, `${pat}: expected a Part with data (text, inlineData, …).`, pat);
      if (p.text !== undefined && typeof p.text !== "string") return refuse(400, `${pat}.text: expected a string.`, `${pat}.text`);
    }
  }
  return undefined;
}

/** generationConfig.maxOutputTokens (the snake_case spelling is accepted too, as by the real API). */
function maxOutputTokens(b: Record<string, unknown>): number | undefined | Refusal {
  const cfg = b.generationConfig ?? b.generation_config;
  if (cfg === undefined || cfg === null) return undefined;
  if (!isObject(cfg)) return refuse(400, "generationConfig: expected an object.", "generationConfig");
  return countField(cfg.maxOutputTokens ?? cfg.max_output_tokens, "generationConfig.maxOutputTokens");
}

function parse(text: string, req: Request, path: string): { ok: true; info: GenerationInfo } | Refusal {
  const at = geminiPath(path)!; // the route matched it
  const query = new URL(req.url).searchParams;
  if (!hasKey(req, query)) return refuse(403, "No API key: send it in the x-goog-api-key header or the key query parameter.");
  const stream = at.method === "streamGenerateContent";
  if (stream && query.get("alt") !== "sse") {
    return refuse(400, "streamGenerateContent is answered as server-sent events only: add ?alt=sse (the mock does not stream a JSON array).", "alt");
  }
  const b = jsonObject(text);
  if (isRefusal(b)) return b;
  const foreign = foreignField(b, FOREIGN);
  if (foreign)
    return refuse(400, `Unknown name "${foreign}" in the request body: not a GenerateContentRequest field (a request shaped for another API?).`, foreign);
  const bad = checkContents(b.contents);
  if (bad) return bad;
  const max = maxOutputTokens(b);
  if (isRefusal(max)) return max;
  return { ok: true, info: { model: at.model, stream, maxTokens: max, promptChars: text.length } };
}

const finishReason = (g: Generation<GenerationInfo>): string => (g.truncated ? "MAX_TOKENS" : "STOP");

function usageJson(g: Generation<GenerationInfo>): string {
  const prompt = promptTokensOf(g.info.promptChars);
  return `{"promptTokenCount":${prompt},"candidatesTokenCount":${g.tokens},"totalTokenCount":${prompt + g.tokens}}`;
}

/** A GenerateContentResponse with one candidate of `textJson`; with `finish`, its finish reason and the usage. */
function responseJson(g: Generation<GenerationInfo>, textJsonValue: string, finish: boolean): string {
  const end = finish ? `,"finishReason":"${finishReason(g)}"` : "";
  const usage = finish ? `,"usageMetadata":${usageJson(g)}` : "";
  return (
    `{"candidates":[{"content":{"parts":[{"text":${textJsonValue}}],"role":"model"}${end},"index":0}]${usage},` +
    `"modelVersion":${modelJson(g.info.model)},"responseId":"mock-${g.seq}"}`
  );
}

/** The stream: one chunk per piece of text, the last with the finish reason and usage (alone, empty, for an answer of no token). */
function stream(g: Generation<GenerationInfo>, perChunk: number, chunks: number): StreamParts {
  const piece = (k: number): string => `data: ${responseJson(g, textJson(chunkText(k, perChunk, g.tokens, g.tokenChars)), k === chunks - 1)}\n\n`;
  const tail = (): string => (chunks === 0 ? `data: ${responseJson(g, '""', true)}\n\n` : "");
  return { piece, tail, final: () => "" };
}

export const GEMINI: Dialect<GenerationInfo> = {
  api: "gemini",
  parse,
  error,
  fault,
  unary: (g) => responseJson(g, contentJson(g.tokens, g.tokenChars), true),
  stream,
};
