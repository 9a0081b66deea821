// What both clients do with a response once it is read: the mock's timing
// placed on this process's clock, the stream's events counted into the
// result, and the verdict on a stream (complete, cut, or not an event stream).
import { ErrorKind, type RequestResult } from "../metrics/outcome.ts";
import type { Recorder } from "../metrics/recorder.ts";
import type { SseScanner, SseSink } from "./sse.ts";

/** The mock's timing (epoch µs, another process's clock) → ms on this process's performance.now() clock; NaN when absent or not a time. */
export const upstreamMs = (us: string | null | number): number => {
  const n = us === null ? Number.NaN : Number(us);
  return n > 0 ? n / 1000 - performance.timeOrigin : Number.NaN;
};

/** Clocks of two processes on one machine agree within microseconds; a mock time outside [from − 1 ms, to + 1 ms] is not this request's (a cache replaying old headers). */
export const within = (t: number, from: number, to: number): boolean => t >= from - 1 && t <= to + 1;

/** Characters of an error answer's body kept for the report. */
export const ERROR_BODY_CHARS = 200;

/** The first error answer as the report shows it: its status and the start of its body, on one line ("404: {"error":…}"). */
export function statusSample(status: number, body: string): string {
  const text = body.replace(/\s+/g, " ").trim();
  if (text === "") return `${status} with an empty body`;
  return `${status}: ${text.length > 160 ? `${text.slice(0, 160)}…` : text}`;
}

/** Streams feed the scanner through this sink, which writes straight into the result and the ITL histogram. */
export class StreamSink implements SseSink {
  r!: RequestResult;
  rec!: Recorder;
  lastUs = Number.NaN;

  /** Points the sink at the next request's result (a sink is reused from request to request). */
  bind(r: RequestResult, rec: Recorder): this {
    this.r = r;
    this.rec = rec;
    this.lastUs = Number.NaN;
    return this;
  }
  content(tMs: number): void {
    const r = this.r;
    if (r.firstContentMs < 0) r.firstContentMs = tMs;
    else this.rec.gap(tMs - r.lastContentMs);
    r.lastContentMs = tMs;
    r.contentEvents++;
  }
  done(tMs: number): void {
    if (this.r.endMs < 0) this.r.endMs = tMs;
  }
  usage(n: number): void {
    this.r.usageTokens = n;
  }
  upstreamLast(us: number): void {
    this.lastUs = us;
  }
}

/**
 * A stream read to its end: the response path from the mock's last event,
 * and for a 2xx answer, whether it was a whole event stream of the API
 * asked for: not an event stream at all (malformed), another API's
 * (wrong_shape), ended by a failure event or cut before its end event
 * (incomplete).
 */
export function endStream(r: RequestResult, sink: StreamSink, scanner: SseScanner, contentType: string): void {
  const lastMs = upstreamMs(sink.lastUs);
  if (within(lastMs, r.sentMs, r.endMs)) r.responsePathMs = r.endMs - lastMs;
  if (r.status < 200 || r.status > 299) return;
  const malformed = scanner.malformed || (contentType.startsWith("text/event-stream") ? "" : `content-type is "${contentType}", not text/event-stream`);
  if (malformed) {
    r.error = ErrorKind.StreamMalformed;
    r.errorMessage = malformed;
  } else if (scanner.wrongShape) {
    r.error = ErrorKind.WrongShape;
    r.errorMessage = scanner.wrongShape;
  } else if (scanner.failure) {
    r.error = ErrorKind.StreamIncomplete;
    r.errorMessage = scanner.failure;
  } else if (!scanner.sawDone) {
    r.error = ErrorKind.StreamIncomplete;
    r.errorMessage = `the stream ended without ${scanner.d.endName}`;
  }
}
