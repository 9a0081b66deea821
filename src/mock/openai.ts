// OpenAI-shaped bodies: unary chat completions, stream chunks, errors; and
// the mock's text (its words, their JSON encodings, kept), which every API
// answers with. Pure builders: no I/O, no timers.

export interface ChatRequestInfo {
  model: string;
  stream: boolean;
  includeUsage: boolean;
  maxTokens: number | undefined;
  promptChars: number;
}

type Refusal = { ok: false; status: number; message: string; param?: string };
export type Parsed = { ok: true; info: ChatRequestInfo } | Refusal;

function parseObject(text: string): Record<string, unknown> | Refusal {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { ok: false, status: 400, message: "We could not parse the JSON body of your request." };
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return { ok: false, status: 400, message: "The request body must be a JSON object." };
  }
  return body as Record<string, unknown>;
}

/** max_tokens / max_completion_tokens, n, stream and model: shared by chat and legacy completions. */
function generationInfo(b: Record<string, unknown>, promptChars: number): Parsed {
  const maxKey = b.max_completion_tokens !== undefined ? "max_completion_tokens" : "max_tokens";
  const max = b[maxKey];
  if (max !== undefined && max !== null && !(typeof max === "number" && Number.isInteger(max) && max >= 1)) {
    return { ok: false, status: 400, message: `Invalid '${maxKey}': expected an integer of at least 1, got ${JSON.stringify(max)}.`, param: maxKey };
  }
  if (b.n !== undefined && b.n !== null && b.n !== 1) {
    return { ok: false, status: 400, message: `Invalid 'n': the mock answers with one choice (n = 1), got ${JSON.stringify(b.n)}.`, param: "n" };
  }
  const opts = b.stream_options as Record<string, unknown> | undefined;
  return {
    ok: true,
    info: {
      model: typeof b.model === "string" ? b.model : "gpt-mock",
      stream: b.stream === true,
      includeUsage: opts?.include_usage === true,
      maxTokens: typeof max === "number" ? max : undefined,
      promptChars,
    },
  };
}

/** Reads what the mock needs from a chat completion request body. */
export function parseChatRequest(text: string): Parsed {
  const b = parseObject(text);
  if ("ok" in b) return b as Refusal;
  if (!Array.isArray(b.messages)) {
    return { ok: false, status: 400, message: "Missing required parameter: 'messages'.", param: "messages" };
  }
  return generationInfo(b, text.length);
}

/** Legacy completions: a `prompt` instead of `messages`. */
export function parseCompletionRequest(text: string): Parsed {
  const b = parseObject(text);
  if ("ok" in b) return b as Refusal;
  if (typeof b.prompt !== "string" && !Array.isArray(b.prompt)) {
    return { ok: false, status: 400, message: "Missing required parameter: 'prompt'.", param: "prompt" };
  }
  return generationInfo(b, text.length);
}

export interface EmbeddingsInfo {
  model: string;
  inputs: number;
  promptChars: number;
}

export function parseEmbeddingsRequest(text: string): { ok: true; info: EmbeddingsInfo } | Refusal {
  const b = parseObject(text);
  if ("ok" in b) return b as Refusal;
  const input = b.input;
  const ok = typeof input === "string" || (Array.isArray(input) && input.length > 0);
  if (!ok) return { ok: false, status: 400, message: "Missing required parameter: 'input'.", param: "input" };
  return {
    ok: true,
    info: { model: typeof b.model === "string" ? b.model : "text-embedding-mock", inputs: Array.isArray(input) ? input.length : 1, promptChars: text.length },
  };
}

export function errorBody(message: string, type: string, param?: string, code?: string): string {
  return JSON.stringify({ error: { message, type, param: param ?? null, code: code ?? null } });
}

/** Roughly four characters per token, as for English text. */
export const promptTokensOf = (chars: number): number => Math.max(1, Math.round(chars / 4));

const WORDS = ["The", " quick", " brown", " fox", " jumps", " over", " the", " lazy", " dog", ".", " "];
export const tokenText = (i: number): string => WORDS[i % WORDS.length]!;

/** "length" when max_tokens cut the answer short, as the real API says. */
export type FinishReason = "stop" | "length";

/** Tokens first … first+count-1 of the mock's text; `chars` > 0 makes every token that long. */
export function textOf(first: number, count: number, chars: number): string {
  let out = "";
  for (let i = first; i < first + count; i++) {
    const t = tokenText(i);
    out += chars > 0 ? (chars <= t.length ? t.slice(0, chars) : t + "x".repeat(chars - t.length)) : t;
  }
  return out;
}

/** The JSON string of an answer's text, built once per (tokens, characters per token). */
const contentCache = new Map<number, string>();
export function contentJson(tokens: number, tokenChars: number): string {
  const key = tokens * 65_536 + tokenChars;
  let c = contentCache.get(key);
  if (c === undefined) {
    c = JSON.stringify(textOf(0, tokens, tokenChars));
    if (contentCache.size < 1024) contentCache.set(key, c);
  }
  return c;
}

/** Model names repeat: their JSON encoding is kept. */
const modelCache = new Map<string, string>();
export function modelJson(model: string): string {
  let m = modelCache.get(model);
  if (m === undefined) {
    m = JSON.stringify(model);
    if (modelCache.size < 1024) modelCache.set(model, m);
  }
  return m;
}

/** A chat.completion body; the constant parts are literal text, nothing is stringified per request. */
export function unaryChat(id: string, created: number, info: ChatRequestInfo, tokens: number, finish: FinishReason, tokenChars: number): string {
  const prompt = promptTokensOf(info.promptChars);
  return (
    `{"id":"${id}","object":"chat.completion","created":${created},"model":${modelJson(info.model)},` +
    `"choices":[{"index":0,"message":{"role":"assistant","content":${contentJson(tokens, tokenChars)},"refusal":null},"logprobs":null,"finish_reason":"${finish}"}],` +
    `"usage":{"prompt_tokens":${prompt},"completion_tokens":${tokens},"total_tokens":${prompt + tokens}},"system_fingerprint":"fp_gatebench_mock"}`
  );
}

/** A legacy text_completion body, built like unaryChat. */
export function unaryCompletion(id: string, created: number, info: ChatRequestInfo, tokens: number, finish: FinishReason, tokenChars: number): string {
  const prompt = promptTokensOf(info.promptChars);
  return (
    `{"id":"${id}","object":"text_completion","created":${created},"model":${modelJson(info.model)},` +
    `"choices":[{"text":${contentJson(tokens, tokenChars)},"index":0,"logprobs":null,"finish_reason":"${finish}"}],` +
    `"usage":{"prompt_tokens":${prompt},"completion_tokens":${tokens},"total_tokens":${prompt + tokens}}}`
  );
}

const vectorCache = new Map<number, string>();

/** A fixed unit vector of `dim` floats, encoded once per dimension. */
function vectorJson(dim: number): string {
  let v = vectorCache.get(dim);
  if (v === undefined) {
    const xs = Array.from({ length: dim }, (_, i) => Math.sin(i + 1));
    const norm = Math.sqrt(xs.reduce((a, x) => a + x * x, 0)) || 1;
    v = `[${xs.map((x) => (x / norm).toFixed(6)).join(",")}]`;
    vectorCache.set(dim, v);
  }
  return v;
}

export function embeddingsBody(info: EmbeddingsInfo, dim: number): string {
  const vec = vectorJson(dim);
  const data: string[] = [];
  for (let i = 0; i < info.inputs; i++) data.push(`{"object":"embedding","index":${i},"embedding":${vec}}`);
  const prompt = promptTokensOf(info.promptChars);
  return `{"object":"list","data":[${data.join(",")}],"model":${modelJson(info.model)},"usage":{"prompt_tokens":${prompt},"total_tokens":${prompt}}}`;
}

/** A content event after its stream's head, per text: the texts repeat (the mock's words), so each is encoded once. */
const chatTails = new Map<string, string>();
const completionTails = new Map<string, string>();
function cachedTail(cache: Map<string, string>, text: string, make: (t: string) => string): string {
  let tail = cache.get(text);
  if (tail === undefined) {
    tail = make(text);
    if (cache.size < 4096) cache.set(text, tail);
  }
  return tail;
}

/** A chunk's text as a JSON string: the texts repeat (the mock's words), so each is encoded once. */
const textCache = new Map<string, string>();
export function textJson(text: string): string {
  let j = textCache.get(text);
  if (j === undefined) {
    j = JSON.stringify(text);
    if (textCache.size < 4096) textCache.set(text, j);
  }
  return j;
}

/** The SSE events of one stream; each kind of stream says how its chunks look. */
abstract class StreamWriter {
  protected readonly head: string;
  constructor(id: string, object: string, created: number, model: string, extra: string) {
    this.head = `data: {"id":"${id}","object":"${object}","created":${created},"model":${modelJson(model)},${extra}"choices":`;
  }
  /** The first chunk (chat streams announce the assistant role in it). */
  abstract first(text: string): string;
  abstract content(text: string): string;
  abstract finish(reason: FinishReason): string;
  /** The usage chunk the API sends before [DONE] when stream_options.include_usage is set. */
  usage(prompt: number, completion: number): string {
    return `${this.head}[],"usage":{"prompt_tokens":${prompt},"completion_tokens":${completion},"total_tokens":${prompt + completion}}}\n\n`;
  }
  static readonly DONE = "data: [DONE]\n\n";
}

/** A chat.completion.chunk stream. */
export class ChunkWriter extends StreamWriter {
  constructor(id: string, created: number, model: string) {
    super(id, "chat.completion.chunk", created, model, `"system_fingerprint":"fp_gatebench_mock",`);
  }
  first(text: string): string {
    return `${this.head}[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}]}\n\n${this.content(text)}`;
  }
  content(text: string): string {
    return this.head + cachedTail(chatTails, text, (t) => `[{"index":0,"delta":{"content":${JSON.stringify(t)}},"logprobs":null,"finish_reason":null}]}\n\n`);
  }
  finish(reason: FinishReason): string {
    return `${this.head}[{"index":0,"delta":{},"logprobs":null,"finish_reason":"${reason}"}]}\n\n`;
  }
}

/** A legacy text_completion stream. */
export class CompletionChunkWriter extends StreamWriter {
  constructor(id: string, created: number, model: string) {
    super(id, "text_completion", created, model, "");
  }
  first(text: string): string {
    return this.content(text);
  }
  content(text: string): string {
    return this.head + cachedTail(completionTails, text, (t) => `[{"text":${JSON.stringify(t)},"index":0,"logprobs":null,"finish_reason":null}]}\n\n`);
  }
  finish(reason: FinishReason): string {
    return `${this.head}[{"text":"","index":0,"logprobs":null,"finish_reason":"${reason}"}]}\n\n`;
  }
}
