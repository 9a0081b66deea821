// The request client: one fetch per request, the body read chunk by chunk,
// streams scanned as they arrive. A failed request is data: it is classified
// into an ErrorKind and handed to the recorder like any other.
import { emptyResult, ErrorKind, type RequestResult } from "../metrics/outcome.ts";
import type { Recorder } from "../metrics/recorder.ts";
import { MOCK_TIMING } from "../metrics/mock-timing.ts";
import { SseScanner, type SseSink } from "./sse.ts";

/** The mock's timing (epoch µs, another process's clock) → ms on this process's performance.now() clock; NaN when absent or not a time. */
const upstreamMs = (us: string | null | number): number => {
  const n = us === null ? Number.NaN : Number(us);
  return n > 0 ? n / 1000 - performance.timeOrigin : Number.NaN;
};

/** Clocks of two processes on one machine agree within microseconds; a mock time outside [from − 1 ms, to + 1 ms] is not this request's (a cache replaying old headers). */
const within = (t: number, from: number, to: number): boolean => t >= from - 1 && t <= to + 1;

/**
 * Idle keep-alive connections Bun's fetch keeps per process (fixed in Bun,
 * shared by every Worker of the process): with more requests open than
 * this, connections are opened and closed per request. Measured: 5,000
 * requests at 64 open used 64 connections; at 65 open, 72; at 100, 793.
 */
export const FETCH_POOL_SIZE = 64;

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
  upstreamLast(us: number): void {
    this.lastUs = us;
  }
  lastUs = Number.NaN;
}

/**
 * Requests started within the same short window share one AbortController,
 * aborted once the window's last request has been open for the timeout: a
 * request then times out between `timeoutMs` and `timeoutMs + slotMs` after
 * its send, with no timer and no controller of its own (both cost more per
 * request than the rest of the client's bookkeeping). The window is a tenth
 * of the timeout, at most 100 ms.
 */
export class TimeoutSlots {
  private readonly slotMs: number;
  private current: Slot | undefined;
  private readonly live = new Set<Slot>();
  private aborted = false;

  constructor(private readonly timeoutMs: number) {
    this.slotMs = Math.min(100, Math.max(1, timeoutMs / 10));
  }

  /** The slot for a request sent now. */
  take(now: number): Slot {
    let s = this.current;
    if (!s || now >= s.closesMs) {
      if (s && s.open === 0) this.drop(s);
      s = { ctl: new AbortController(), timedOut: false, open: 0, closesMs: now + this.slotMs, timer: undefined };
      if (this.aborted) s.ctl.abort();
      const slot = s;
      slot.timer = setTimeout(() => {
        slot.timedOut = true;
        slot.ctl.abort();
        this.live.delete(slot);
      }, this.slotMs + this.timeoutMs);
      // the timers must not keep a finished run alive
      slot.timer.unref();
      this.live.add(slot);
      this.current = slot;
    }
    s.open++;
    return s;
  }

  /** A request of `s` has finished. */
  release(s: Slot): void {
    if (--s.open === 0 && s !== this.current) this.drop(s);
  }

  private drop(s: Slot): void {
    clearTimeout(s.timer);
    this.live.delete(s);
  }

  /** Clears the timers of slots with nothing left in them (the run is over). */
  dispose(): void {
    for (const s of this.live) if (s.open === 0) this.drop(s);
    if (this.current?.open === 0) this.current = undefined;
  }

  /** Aborts every request in flight, and any sent later. */
  abortAll(): void {
    this.aborted = true;
    for (const s of this.live) {
      clearTimeout(s.timer);
      s.ctl.abort();
    }
    this.live.clear();
  }
}

export interface Slot {
  ctl: AbortController;
  /** Set when the slot was aborted for its timeout (not for a stop). */
  timedOut: boolean;
  open: number;
  closesMs: number;
  timer: Timer | undefined;
}

/**
 * Sends arrival number `n` (which picks its body), due at `intendedMs`, and
 * records its outcome. Unary bodies are read whole; streams chunk by chunk
 * through the SSE scanner. Never throws: every failure ends up in the recorder.
 */
export async function execute(req: PreparedRequest, n: number, intendedMs: number, rec: Recorder, slot: Slot): Promise<void> {
  const r = emptyResult(intendedMs);
  r.sentMs = performance.now();
  if (intendedMs < 0) r.intendedMs = r.sentMs;
  try {
    const res = await fetch(req.url, { method: req.method, headers: req.headers, body: req.bodies.length > 0 ? req.bodies[n % req.bodies.length] : undefined, signal: slot.ctl.signal });
    r.headersMs = performance.now();
    r.status = res.status;
    const receivedMs = upstreamMs(res.headers.get(MOCK_TIMING.receivedUs));
    if (within(receivedMs, r.sentMs, r.headersMs)) r.requestPathMs = receivedMs - r.sentMs;
    if (req.stream && res.body) {
      const sink = new StreamSink(r, rec);
      const scanner = new SseScanner(sink);
      const reader = res.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        const t = performance.now();
        if (r.firstByteMs < 0) r.firstByteMs = t;
        r.bytesIn += value.byteLength;
        scanner.push(value, t);
      }
      if (r.endMs < 0) r.endMs = performance.now();
      const lastMs = upstreamMs(sink.lastUs);
      if (within(lastMs, r.sentMs, r.endMs)) r.responsePathMs = r.endMs - lastMs;
      if (res.status >= 200 && res.status <= 299) {
        const type = res.headers.get("content-type") ?? "";
        const malformed = scanner.malformed || (type.startsWith("text/event-stream") ? "" : `content-type is "${type}", not text/event-stream`);
        if (malformed) {
          r.error = ErrorKind.StreamMalformed;
          r.errorMessage = malformed;
        } else if (!scanner.sawDone) r.error = ErrorKind.StreamIncomplete;
      }
    } else {
      r.bytesIn = (await res.arrayBuffer()).byteLength;
      r.endMs = performance.now();
      const answeredMs = upstreamMs(res.headers.get(MOCK_TIMING.sentUs));
      if (within(answeredMs, r.sentMs, r.endMs)) r.responsePathMs = r.endMs - answeredMs;
    }
    if (res.status < 200 || res.status > 299) r.error = ErrorKind.Status;
  } catch (err) {
    r.endMs = performance.now();
    const c = slot.timedOut ? { kind: ErrorKind.Timeout, message: `no complete response within ${req.timeoutMs} ms` } : classifyError(err);
    r.error = c.kind;
    r.errorMessage = c.message;
  }
  rec.add(r);
}
