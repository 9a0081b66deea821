// Checks shared by the request parsers of the Responses, Messages and
// Gemini APIs: a JSON object body, whole numbers, and fields that belong
// to another API. Pure: each returns what it read, or a refusal that the
// API answers in its own error envelope.

/** A request the mock refuses: the status, a message, and the parameter at fault when there is one. */
export interface Refusal {
  ok: false;
  status: number;
  message: string;
  param?: string;
}

export const refuse = (status: number, message: string, param?: string): Refusal => ({ ok: false, status, message, param });

export const isRefusal = (x: unknown): x is Refusal => typeof x === "object" && x !== null && (x as Refusal).ok === false;

/** The body as a JSON object, or why it is not one. */
export function jsonObject(text: string): Record<string, unknown> | Refusal {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return refuse(400, "The request body is not valid JSON.");
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) return refuse(400, "The request body must be a JSON object.");
  return body as Record<string, unknown>;
}

/** A whole number of at least 1, undefined when absent (or null), or a refusal naming `param`. */
export function countField(v: unknown, param: string): number | undefined | Refusal {
  if (v === undefined || v === null) return undefined;
  if (typeof v === "number" && Number.isInteger(v) && v >= 1) return v;
  return refuse(400, `Invalid '${param}': expected an integer of at least 1, got ${JSON.stringify(v)}.`, param);
}

/** `stream` when present must be a boolean. */
export function streamField(v: unknown): boolean | Refusal {
  if (v === undefined || v === null) return false;
  if (typeof v === "boolean") return v;
  return refuse(400, `Invalid 'stream': expected a boolean, got ${JSON.stringify(v)}.`, "stream");
}

/**
 * The first field of `body` that belongs to another API and not to this one
 * (e.g. `messages` in a Responses body, `max_completion_tokens` in a Messages
 * body): the sign of a request shaped for the wrong API, or half translated.
 * A list of foreign names rather than of allowed ones, so that a field an
 * API adds later is not refused.
 */
export function foreignField(body: Record<string, unknown>, foreign: readonly string[]): string | undefined {
  for (const k of foreign) if (body[k] !== undefined) return k;
  return undefined;
}

/** A plain object (not an array, not null). */
export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** The first element of a content array that is not an object with a string `type`, as its index; -1 when all are. */
export function badBlock(content: unknown[]): number {
  return content.findIndex((b) => !isObject(b) || typeof b.type !== "string");
}
