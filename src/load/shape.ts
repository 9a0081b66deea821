// Which LLM API a JSON answer (or a stream's first event) is in, told from
// the keys of its outer object as bytes, without decoding or parsing: an
// `object` or `type` value, or a key only one API uses. A 2xx answer in
// another API's shape than the one asked for is `wrong_shape`, not a success
// (a gateway routed the request to the wrong handler, or did not translate).
import { API_TITLES, type Api } from "../apis.ts";
import { BACKSLASH, COLON, LBRACE, LBRACKET, QUOTE, RBRACE, RBRACKET, SP, TAB } from "./bytes.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const bytes = (s: string): Uint8Array => enc.encode(s);

const OBJECT = bytes("object");
const TYPE = bytes("type");
/** `object` values of OpenAI's chat and legacy completions, and of a Responses response. */
const CHAT_OBJECTS = ["chat.completion", "chat.completion.chunk", "text_completion"].map(bytes);
const RESPONSE_OBJECT = bytes("response");
/** `type` values of an Anthropic message and of its stream's events. */
const MESSAGES_TYPES = [
  "message",
  "message_start",
  "message_delta",
  "message_stop",
  "content_block_start",
  "content_block_delta",
  "content_block_stop",
  "ping",
].map(bytes);
/** Every Responses stream event's `type` starts so. */
const RESPONSES_PREFIX = bytes("response.");
/** Keys only one API puts in its outer object. */
const CHAT_KEY = bytes("choices");
const GEMINI_KEYS = ["candidates", "usageMetadata", "promptFeedback"].map(bytes);

/** Where the last marker shapeOf found lies in its buffer (read by the message, only when there is one). */
let markerFrom = 0;
let markerTo = 0;

const equals = (buf: Uint8Array, from: number, to: number, word: Uint8Array): boolean => {
  if (to - from !== word.length) return false;
  for (let j = 0; j < word.length; j++) if (buf[from + j] !== word[j]) return false;
  return true;
};

const anyOf = (buf: Uint8Array, from: number, to: number, words: Uint8Array[]): boolean => {
  for (const w of words) if (equals(buf, from, to, w)) return true;
  return false;
};

/** The end of the string whose first byte is at s (the index of its closing quote, or `end`). */
function stringEnd(buf: Uint8Array, s: number, end: number): number {
  let j = s;
  while (j < end && buf[j] !== QUOTE) j += buf[j] === BACKSLASH ? 2 : 1;
  return j;
}

/** The API a key of the outer object and its value (a string at [vs, ve), or vs = -1) point to; undefined when they point to none. */
function apiOfKey(buf: Uint8Array, ks: number, ke: number, vs: number, ve: number): Api | undefined {
  if (vs >= 0 && equals(buf, ks, ke, OBJECT)) {
    if (anyOf(buf, vs, ve, CHAT_OBJECTS)) return "chat";
    if (equals(buf, vs, ve, RESPONSE_OBJECT)) return "responses";
  } else if (vs >= 0 && equals(buf, ks, ke, TYPE)) {
    if (anyOf(buf, vs, ve, MESSAGES_TYPES)) return "messages";
    if (ve - vs > RESPONSES_PREFIX.length && equals(buf, vs, vs + RESPONSES_PREFIX.length, RESPONSES_PREFIX)) return "responses";
  } else if (equals(buf, ks, ke, CHAT_KEY)) return "chat";
  else if (anyOf(buf, ks, ke, GEMINI_KEYS)) return "gemini";
  return undefined;
}

/**
 * The API whose shape the JSON object at buf[from, end) has, from the first
 * key of its outer object that tells; undefined when none does (not an
 * object, cut short, or keys no API owns). One pass, nested values skipped.
 */
export function shapeOf(buf: Uint8Array, from: number, end: number): Api | undefined {
  let i = from;
  while (i < end && (buf[i] === SP || buf[i] === TAB)) i++;
  if (buf[i] !== LBRACE) return undefined;
  let depth = 0;
  for (; i < end; i++) {
    const b = buf[i];
    if (b === LBRACE || b === LBRACKET) depth++;
    else if (b === RBRACE || b === RBRACKET) depth--;
    else if (b === QUOTE) {
      const s = i + 1;
      const e = stringEnd(buf, s, end);
      i = e;
      if (depth !== 1) continue;
      let p = e + 1;
      while (buf[p] === SP || buf[p] === TAB) p++;
      if (buf[p] !== COLON) continue;
      p++;
      while (buf[p] === SP || buf[p] === TAB) p++;
      const ve = buf[p] === QUOTE ? stringEnd(buf, p + 1, end) : -1;
      const api = apiOfKey(buf, s, e, ve >= 0 ? p + 1 : -1, ve);
      if (api) {
        markerFrom = s - 1;
        markerTo = Math.min(end, ve >= 0 ? ve + 1 : e + 1);
        return api;
      }
      // a string value is skipped whole: its bytes are not structure
      if (ve >= 0) i = ve;
    }
  }
  return undefined;
}

/**
 * Whether answers to a request of `api` at `url` are held to its shape:
 * always for the APIs chosen with --api; for chat (the default, also what
 * a run against any HTTP server sends) only on a chat or completions
 * endpoint, as anything else (/health, /v1/embeddings) may answer anything.
 */
export function checksShape(api: Api, url: string): boolean {
  if (api !== "chat") return true;
  let path: string;
  try {
    path = new URL(url).pathname.replace(/\/+$/, "");
  } catch {
    return false;
  }
  return path.endsWith("/completions");
}

/** How an answer in `api`'s shape is named, unary and streamed. */
const NAMED: Record<Api, [string, string]> = {
  chat: ["an OpenAI Chat Completions answer", "OpenAI Chat Completions chunks"],
  responses: ["an OpenAI Responses answer", "OpenAI Responses events"],
  messages: ["an Anthropic Messages answer", "Anthropic Messages events"],
  gemini: ["a Gemini generateContent answer", "Gemini generateContent chunks"],
};

/**
 * Why the JSON at buf[from, end) is not an answer of `expected`: it is
 * recognisably another API's (named, with the marker that told); "" when
 * it is `expected`'s or no API's (an answer gatebench cannot place is given
 * the benefit of the doubt).
 */
export function wrongShape(expected: Api, buf: Uint8Array, from: number, end: number, stream: boolean): string {
  const found = shapeOf(buf, from, end);
  if (found === undefined || found === expected) return "";
  const marker = dec.decode(buf.subarray(markerFrom, markerTo));
  return `${NAMED[found][stream ? 1 : 0]} (${marker}) where ${API_TITLES[expected]} was asked for: check --api, and which API the gateway serves on this path`;
}
