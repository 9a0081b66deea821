// OpenAI-shaped bodies: unary chat completions, stream chunks, errors.
// Pure builders: no I/O, no timers.

export interface ChatRequestInfo {
  model: string;
  stream: boolean;
  includeUsage: boolean;
  maxTokens: number | undefined;
  promptChars: number;
}

export type Parsed = { ok: true; info: ChatRequestInfo } | { ok: false; status: number; message: string; param?: string };

/** Reads what the mock needs from a chat completion request body. */
export function parseChatRequest(text: string): Parsed {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { ok: false, status: 400, message: "We could not parse the JSON body of your request." };
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return { ok: false, status: 400, message: "The request body must be a JSON object." };
  }
  const b = body as Record<string, unknown>;
  if (!Array.isArray(b.messages)) {
    return { ok: false, status: 400, message: "Missing required parameter: 'messages'.", param: "messages" };
  }
  const maxKey = b.max_completion_tokens !== undefined ? "max_completion_tokens" : "max_tokens";
  const max = b[maxKey];
  if (max !== undefined && max !== null && !(typeof max === "number" && Number.isInteger(max) && max >= 1)) {
    return { ok: false, status: 400, message: `Invalid '${maxKey}': expected an integer of at least 1, got ${JSON.stringify(max)}.`, param: maxKey };
  }
  const opts = b.stream_options as Record<string, unknown> | undefined;
  return {
    ok: true,
    info: {
      model: typeof b.model === "string" ? b.model : "gpt-mock",
      stream: b.stream === true,
      includeUsage: opts?.include_usage === true,
      maxTokens: typeof max === "number" ? max : undefined,
      promptChars: text.length,
    },
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

export function unaryChat(id: string, created: number, info: ChatRequestInfo, tokens: number, finish: FinishReason): string {
  let content = "";
  for (let i = 0; i < tokens; i++) content += tokenText(i);
  const prompt = promptTokensOf(info.promptChars);
  return JSON.stringify({
    id,
    object: "chat.completion",
    created,
    model: info.model,
    choices: [{ index: 0, message: { role: "assistant", content, refusal: null }, logprobs: null, finish_reason: finish }],
    usage: { prompt_tokens: prompt, completion_tokens: tokens, total_tokens: prompt + tokens },
    system_fingerprint: "fp_gatebench_mock",
  });
}

/** The pieces of one stream, as SSE event strings. */
export class ChunkWriter {
  private readonly head: string;
  constructor(id: string, created: number, model: string) {
    this.head = `data: {"id":${JSON.stringify(id)},"object":"chat.completion.chunk","created":${created},"model":${JSON.stringify(model)},"system_fingerprint":"fp_gatebench_mock","choices":`;
  }
  role(): string {
    return `${this.head}[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}]}\n\n`;
  }
  content(i: number): string {
    return `${this.head}[{"index":0,"delta":{"content":${JSON.stringify(tokenText(i))}},"logprobs":null,"finish_reason":null}]}\n\n`;
  }
  finish(reason: FinishReason): string {
    return `${this.head}[{"index":0,"delta":{},"logprobs":null,"finish_reason":"${reason}"}]}\n\n`;
  }
  usage(prompt: number, completion: number): string {
    return `${this.head}[],"usage":{"prompt_tokens":${prompt},"completion_tokens":${completion},"total_tokens":${prompt + completion}}}\n\n`;
  }
  static readonly DONE = "data: [DONE]\n\n";
}
