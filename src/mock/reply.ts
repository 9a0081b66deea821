// What every answer of the mock carries: its timing headers (when the
// request arrived, when the answer left, epoch µs) and a count of the bytes
// it sent. Answers are built on one Headers object per kind, reset per
// answer: half the cost of a fresh header list (measured: 0.59 µs against
// 1.15 µs a response).
import { errorBody } from "./openai.ts";
import { MOCK_HEADERS } from "./plan.ts";
import type { MockCounters } from "./stats.ts";

export const JSON_TYPE = "application/json";
export const SSE_TYPE = "text/event-stream";

const ORIGIN_MS = performance.timeOrigin;

/** Epoch microseconds of a performance.now() reading: comparable with another process's clock. */
export const epochUs = (nowMs: number = performance.now()): number => Math.round((ORIGIN_MS + nowMs) * 1000);

export class Replies {
  private readonly jsonHeaders = new Headers({ "content-type": JSON_TYPE, [MOCK_HEADERS.receivedUs]: "0", [MOCK_HEADERS.sentUs]: "0" });
  private readonly sseHeaders = new Headers({
    "content-type": SSE_TYPE,
    "cache-control": "no-cache",
    [MOCK_HEADERS.receivedUs]: "0",
    [MOCK_HEADERS.sentUs]: "0",
  });

  constructor(private readonly counters: MockCounters) {}

  /** A JSON answer; `extra` headers (retry-after, allow) are the rare case and get a header list of their own. */
  json(status: number, body: string, receivedUs: number, extra?: Record<string, string>): Response {
    this.counters.bytesOut += Buffer.byteLength(body);
    if (extra) {
      const headers = new Headers(this.jsonHeaders);
      for (const [k, v] of Object.entries(extra)) headers.set(k, v);
      return this.stamp(headers, status, body, receivedUs);
    }
    return this.stamp(this.jsonHeaders, status, body, receivedUs);
  }

  /** An OpenAI-shaped error answer (`invalid_request_error`). */
  apiError(status: number, message: string, receivedUs: number, param?: string, extra?: Record<string, string>): Response {
    return this.json(status, errorBody(message, "invalid_request_error", param), receivedUs, extra);
  }

  /** A stream's answer: its head now, its body as the stream writes it. */
  sse(body: ReadableStream, receivedUs: number): Response {
    return this.stamp(this.sseHeaders, 200, body, receivedUs);
  }

  private stamp(headers: Headers, status: number, body: string | ReadableStream, receivedUs: number): Response {
    headers.set(MOCK_HEADERS.receivedUs, String(receivedUs));
    headers.set(MOCK_HEADERS.sentUs, String(epochUs()));
    // the Response copies the headers: the shared object is free for the next answer
    return new Response(body, { status, headers });
  }
}
