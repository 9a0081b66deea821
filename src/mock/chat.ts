// OpenAI's Chat Completions and legacy Completions as dialects of the one
// generation flow (answer.ts), like the Responses, Messages and Gemini APIs:
// how a request is read, and how its answers, chunks and errors look. Both
// close their streams with data: [DONE].
import type { Dialect, Generation, StreamParts } from "./answer.ts";
import { openaiFault } from "./faults.ts";
import {
  type ChatRequestInfo,
  ChunkWriter,
  CompletionChunkWriter,
  errorBody,
  type FinishReason,
  parseChatRequest,
  parseCompletionRequest,
  promptTokensOf,
  textOf,
  unaryChat,
  unaryCompletion,
} from "./openai.ts";

const done = (): string => ChunkWriter.DONE;
const finishOf = (g: Generation<ChatRequestInfo>): FinishReason => (g.truncated ? "length" : "stop");
const error = (status: number, message: string, param?: string) => ({ status, body: errorBody(message, "invalid_request_error", param) });

/** A stream of chunks written by `w`: the usage chunk only when the request asked for it (stream_options.include_usage). */
function chunks(w: ChunkWriter | CompletionChunkWriter, g: Generation<ChatRequestInfo>, perChunk: number): StreamParts {
  const piece = (k: number): string => {
    const first = k * perChunk;
    const text = textOf(first, Math.min(perChunk, g.tokens - first), g.tokenChars);
    return k === 0 ? w.first(text) : w.content(text);
  };
  const tail = () => w.finish(finishOf(g)) + (g.info.includeUsage ? w.usage(promptTokensOf(g.info.promptChars), g.tokens) : "");
  return { piece, tail, final: done };
}

export const CHAT: Dialect<ChatRequestInfo> = {
  api: "chat",
  parse: parseChatRequest,
  error,
  fault: openaiFault,
  unary: (g) => unaryChat(`chatcmpl-mock-${g.seq}`, g.created, g.info, g.tokens, finishOf(g), g.tokenChars),
  stream: (g, perChunk) => chunks(new ChunkWriter(`chatcmpl-mock-${g.seq}`, g.created, g.info.model), g, perChunk),
};

export const COMPLETIONS: Dialect<ChatRequestInfo> = {
  api: "completions",
  parse: parseCompletionRequest,
  error,
  fault: openaiFault,
  unary: (g) => unaryCompletion(`cmpl-mock-${g.seq}`, g.created, g.info, g.tokens, finishOf(g), g.tokenChars),
  stream: (g, perChunk) => chunks(new CompletionChunkWriter(`cmpl-mock-${g.seq}`, g.created, g.info.model), g, perChunk),
};
