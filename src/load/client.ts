// The request client: one fetch per request, the body read chunk by chunk,
// streams scanned as they arrive. A failed request is data: it is classified
// into an ErrorKind and handed to the recorder like any other.
import { emptyResult, ErrorKind, type RequestResult } from "../metrics/outcome.ts";
import type { Recorder } from "../metrics/recorder.ts";
import { SseScanner, type SseSink } from "./sse.ts";

/** Everything about a request that does not change between sends, encoded once. */
export interface PreparedRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  /** Request bodies, cycled by arrival number (one for a fixed workload; several from --prompts); empty: no body. */
  bodies: Uint8Array[];
  stream: boolean;
  timeoutMs: number;
}

/** A fetch failure as an error kind. The per-request timeout is told apart by the caller, which set it. */
export function classifyError(err: unknown): { kind: ErrorKind; message: string } {
  const e = err as { name?: string; code?: string | number; message?: string } | undefined;
  const message = String(e?.message ?? err);
  if (e?.name === "AbortError") return { kind: ErrorKind.Aborted, message };
  const code = String(e?.code ?? "");
  if (code === "ECONNREFUSED" || code === "FailedToOpenSocket" || code === "ConnectionRefused") {
    return { kind: ErrorKind.Connect, message };
  }
  if (code === "ECONNRESET" || code === "ConnectionClosed" || code === "EPIPE") {
    return { kind: ErrorKind.Reset, message };
  }
  return { kind: ErrorKind.Other, message };
}

/** Streams feed the scanner through this sink, which writes straight into the result and the ITL histogram. */
class StreamSink implements SseSink {
  constructor(
    private readonly r: RequestResult,
    private readonly rec: Recorder,
  ) {}
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
}

/**
 * Sends arrival number `n` (which picks its body), due at `intendedMs`, and records its outcome.
 * `ctl` aborts it (the run is being stopped); the per-request timeout is a
 * timer cleared as soon as the request ends, so finished requests leave
 * nothing behind. Never throws: every failure ends up in the recorder.
 */
export async function execute(req: PreparedRequest, n: number, intendedMs: number, rec: Recorder, ctl: AbortController): Promise<void> {
  const r = emptyResult(intendedMs);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    ctl.abort();
  }, req.timeoutMs);
  r.sentMs = performance.now();
  try {
    const res = await fetch(req.url, { method: req.method, headers: req.headers, body: req.bodies.length > 0 ? req.bodies[n % req.bodies.length] : undefined, signal: ctl.signal });
    r.headersMs = performance.now();
    r.status = res.status;
    const scanner = req.stream ? new SseScanner(new StreamSink(r, rec)) : undefined;
    if (res.body) {
      const reader = res.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        const t = performance.now();
        if (r.firstByteMs < 0) r.firstByteMs = t;
        r.bytesIn += value.byteLength;
        scanner?.push(value, t);
      }
    }
    const closedMs = performance.now();
    if (r.endMs < 0) r.endMs = closedMs;
    if (res.status < 200 || res.status > 299) r.error = ErrorKind.Status;
    else if (scanner && !scanner.sawDone) r.error = ErrorKind.StreamIncomplete;
  } catch (err) {
    r.endMs = performance.now();
    const c = timedOut ? { kind: ErrorKind.Timeout, message: `no complete response within ${req.timeoutMs} ms` } : classifyError(err);
    r.error = c.kind;
    r.errorMessage = c.message;
  } finally {
    clearTimeout(timer);
  }
  rec.add(r);
}
