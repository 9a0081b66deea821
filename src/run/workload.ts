// What a run sends, built once before the load: the request bodies (a
// generated request of the run's API, the user's body, or a cycle of
// prompts from a JSONL file), encoded to bytes, and the headers (the API's
// placeholder key). Nothing here runs per request.
import { API_TITLES, type Api } from "../apis.ts";
import type { PreparedRequest } from "../load/client.ts";
import { ConfigError } from "./errors.ts";
import type { RunConfig } from "./config.ts";

/** Short words that common BPE tokenizers encode as one token each (with their leading space). */
const WORDS =
  "the of and to in is that for it as with was on be at by this had not are but from or have an they which one you were her all she there would their we him been has when who will more no if out so said what up its about into than them can only other new some could time these two may then do first any my now such like our over man me even most made after also did many before must through back years where much your way well down should because each just those people how too little state good very make world still own see men work long get here between both life being under never day same another know while last might us great old year off come since against go came right used take three".split(
    " ",
  );

/** A prompt of about `tokens` tokens (one word ≈ one token), the same text every run. */
export function generatedPrompt(tokens: number): string {
  const out: string[] = [];
  for (let i = 0; i < tokens; i++) out.push(WORDS[(i * 7 + (i >> 3)) % WORDS.length]!);
  return out.join(" ");
}

const DEFAULT_PROMPT = "Write one sentence about gateways.";

/** The kind of endpoint a path names, which decides the shape of a generated body. */
export function endpointOf(path: string): "chat" | "completions" | "embeddings" | "other" {
  const p = path.split("?")[0]!.replace(/\/+$/, "");
  if (p.endsWith("/chat/completions")) return "chat";
  if (p.endsWith("/completions")) return "completions";
  if (p.endsWith("/embeddings")) return "embeddings";
  return "other";
}

type Body = Record<string, unknown>;

/** Anthropic's Messages API requires max_tokens: a generated body without --max-tokens asks for this many. */
export const MESSAGES_MAX_TOKENS = 256;

/** A request body for `prompt` in the run's API (for chat, at the configured endpoint). */
function bodyFor(cfg: RunConfig, prompt: string): Body {
  switch (cfg.api) {
    case "responses":
      return { model: cfg.model, input: prompt };
    case "messages":
      return { model: cfg.model, max_tokens: MESSAGES_MAX_TOKENS, messages: [{ role: "user", content: prompt }] };
    case "gemini":
      // the model is in the path
      return { contents: [{ role: "user", parts: [{ text: prompt }] }] };
  }
  switch (endpointOf(cfg.path)) {
    case "completions":
      return { model: cfg.model, prompt };
    case "embeddings":
      return { model: cfg.model, input: prompt };
    default:
      return { model: cfg.model, messages: [{ role: "user", content: prompt }] };
  }
}

/**
 * Applies the flags that shape every body, in the API's own fields:
 * --model when it was given (Gemini: the path's), --max-tokens (max_tokens,
 * max_output_tokens, generationConfig.maxOutputTokens), --stream (stream:
 * true; chat with include_usage; Gemini: the path's streamGenerateContent).
 */
function finish(cfg: RunConfig, b: Body, modelGiven: boolean): Body {
  const out: Body = { ...b };
  if (modelGiven && cfg.api !== "gemini") out.model = cfg.model;
  if (cfg.api === "gemini") {
    if (cfg.maxTokens !== undefined) out.generationConfig = { ...(out.generationConfig as Body | undefined), maxOutputTokens: cfg.maxTokens };
    return out;
  }
  if (cfg.maxTokens !== undefined) out[cfg.api === "responses" ? "max_output_tokens" : "max_tokens"] = cfg.maxTokens;
  // the Messages API refuses a request without max_tokens: a given body or prompt line gets the generated bodies' default
  else if (cfg.api === "messages" && out.max_tokens === undefined) out.max_tokens = MESSAGES_MAX_TOKENS;
  if (cfg.stream && cfg.api !== "chat") out.stream = true;
  else if (cfg.stream && endpointOf(cfg.path) !== "embeddings") {
    out.stream = true;
    out.stream_options = { ...(out.stream_options as Body | undefined), include_usage: true };
  }
  return out;
}

const isObject = (v: unknown): v is Body => typeof v === "object" && v !== null && !Array.isArray(v);

/** The field that makes a JSONL line a request body of the run's API, sent as it is. */
const BODY_FIELD: Record<Api, string> = { chat: "messages", responses: "input", messages: "messages", gemini: "contents" };

/** Whether `v` already is a request body of the run's API (for chat, also of the completions and embeddings endpoints). */
function isBodyOf(cfg: RunConfig, v: Body): boolean {
  switch (cfg.api) {
    case "chat":
      return Array.isArray(v.messages) || v.input !== undefined || (typeof v.prompt === "string" && endpointOf(cfg.path) === "completions");
    case "responses":
      return v.input !== undefined;
    default:
      return Array.isArray(v[BODY_FIELD[cfg.api]]);
  }
}

/** The prompts of a JSONL file: each line a request body of the run's API (with `messages`, `input` or `contents`), an object with `prompt`, or a JSON string. */
export function promptBodies(cfg: RunConfig, text: string, file: string): Body[] {
  const out: Body[] = [];
  text.split("\n").forEach((raw, i) => {
    const line = raw.trim();
    if (line === "") return;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch (err) {
      throw new ConfigError(`--prompts ${file}:${i + 1}: not valid JSON (${(err as Error).message}); each line holds one JSON object or string`);
    }
    if (typeof v === "string") out.push(bodyFor(cfg, v));
    else if (isObject(v) && isBodyOf(cfg, v)) out.push(v);
    else if (isObject(v) && typeof v.prompt === "string") out.push(bodyFor(cfg, v.prompt));
    else
      throw new ConfigError(
        `--prompts ${file}:${i + 1}: expected a request body${cfg.api === "chat" ? "" : ` of ${API_TITLES[cfg.api]}`} with "${BODY_FIELD[cfg.api]}", an object with "prompt", or a string`,
      );
  });
  if (out.length === 0) throw new ConfigError(`--prompts ${file}: no prompts in the file`);
  return out;
}

async function readText(flag: string, path: string): Promise<string> {
  try {
    return await Bun.file(path).text();
  } catch (err) {
    throw new ConfigError(`--${flag} ${path}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

/** The bodies to send, encoded: one, or a cycle of them. */
export async function requestBodies(cfg: RunConfig): Promise<Uint8Array[]> {
  const enc = new TextEncoder();
  const json = (b: Body): Uint8Array => enc.encode(JSON.stringify(b));
  if (cfg.method === "GET" || cfg.method === "HEAD") return [];
  if (cfg.promptsFile) return promptBodies(cfg, await readText("prompts", cfg.promptsFile), cfg.promptsFile).map((b) => json(finish(cfg, b, cfg.modelGiven)));
  const raw = cfg.bodyFile !== undefined ? await readText("body-file", cfg.bodyFile) : cfg.body;
  if (raw === undefined) return [json(finish(cfg, bodyFor(cfg, cfg.promptTokens ? generatedPrompt(cfg.promptTokens) : DEFAULT_PROMPT), true))];
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    v = undefined;
  }
  const flag = cfg.bodyFile !== undefined ? `--body-file ${cfg.bodyFile}` : "--body";
  if (!isObject(v)) {
    // Not a JSON object: sent as it is; flags that edit the body cannot apply.
    const editing = [cfg.stream && "--stream", cfg.maxTokens !== undefined && "--max-tokens", cfg.modelGiven && "--model"].filter(Boolean);
    if (editing.length > 0) throw new ConfigError(`${flag} is not a JSON object, so ${editing.join(" and ")} cannot be applied to it`);
    return [enc.encode(raw)];
  }
  if (cfg.api !== "chat" && !isBodyOf(cfg, v))
    throw new ConfigError(
      `${flag} is not a request body of ${API_TITLES[cfg.api]}: it has no "${BODY_FIELD[cfg.api]}"${v.messages !== undefined && cfg.api === "responses" ? ' (a chat body? Responses takes "input")' : ""}; give one, or --api for the API it is in (the bodies each API takes: docs/commands.md)`,
    );
  return [json(finish(cfg, v, cfg.modelGiven))];
}

/** Each API's auth header with a placeholder key (and Anthropic's required version), as its SDKs send them. */
export const API_HEADERS: Record<Api, Record<string, string>> = {
  chat: { authorization: "Bearer gatebench" },
  responses: { authorization: "Bearer gatebench" },
  messages: { "x-api-key": "gatebench", "anthropic-version": "2023-06-01" },
  gemini: { "x-goog-api-key": "gatebench" },
};

/** Headers for every request: JSON content type and the API's placeholder key unless -H says otherwise. */
export function requestHeaders(cfg: RunConfig): Record<string, string> {
  const h: Record<string, string> = { "content-type": "application/json", ...API_HEADERS[cfg.api] };
  for (const [k, v] of cfg.headers) h[k.toLowerCase()] = v;
  return h;
}

/** The request the load sends to `url`, encoded once. */
export async function prepareRequest(cfg: RunConfig, url: string): Promise<PreparedRequest> {
  return {
    url,
    method: cfg.method,
    headers: requestHeaders(cfg),
    bodies: await requestBodies(cfg),
    stream: cfg.stream,
    api: cfg.api,
    timeoutMs: cfg.timeoutMs,
  };
}

/** The default chat request (what `gatebench run` sends with no body flags), for scripts and tests. */
export function defaultChatBody(stream: boolean, model: string = "gpt-4o-mini"): Uint8Array {
  const b: Body = { model, messages: [{ role: "user", content: DEFAULT_PROMPT }] };
  if (stream) {
    b.stream = true;
    b.stream_options = { include_usage: true };
  }
  return new TextEncoder().encode(JSON.stringify(b));
}
