// The fetch client (--client fetch): one fetch per request, the body read
// chunk by chunk, streams scanned as they arrive. Bun's fetch does its I/O
// on an HTTP client thread of its own, shared by the whole process, and
// keeps at most FETCH_POOL_SIZE idle connections; the socket client has
// neither limit. This one stays as the reference the truth tests also run
// against, and for whatever the socket client does not speak.
import { emptyResult, ErrorKind } from "../metrics/outcome.ts";
import type { Recorder } from "../metrics/recorder.ts";
import { MOCK_TIMING } from "../mock-timing.ts";
import { START_BYTES } from "./answer-start.ts";
import { classifyError, type Client, type PreparedRequest } from "./client.ts";
import { DIALECTS } from "./dialects.ts";
import { endStream, ERROR_BODY_CHARS, statusSample, StreamSink, upstreamMs, within } from "./response.ts";
import { checksShape, wrongShape } from "./shape.ts";
import { SseScanner } from "./sse.ts";

/**
 * Idle keep-alive connections Bun's fetch keeps per process (fixed in Bun,
 * shared by every Worker of the process): with more requests open than
 * this, connections are opened and closed per request. Measured: 5,000
 * requests at 64 open used 64 connections; at 65 open, 72; at 100, 793.
 */
export const FETCH_POOL_SIZE = 64;

/**
 * Bun's fetch sends at most this variable's number of requests at once (256
 * unless set), read once at start-up; a process that loads with fetch (the
 * run with --client fetch, the built-in proxy) is started with it raised.
 */
export const FETCH_LIMIT_VAR = "BUN_CONFIG_MAX_HTTP_REQUESTS";
/** The most Bun allows; the run's own --max-in-flight is the real cap. */
export const FETCH_LIMIT = "65535";

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
export async function execute(
  req: PreparedRequest,
  n: number,
  intendedMs: number,
  rec: Recorder,
  slot: Slot,
  client: { statusSampled: boolean; checkShape: boolean },
): Promise<void> {
  const api = req.api ?? "chat";
  const r = emptyResult(intendedMs);
  r.sentMs = performance.now();
  if (intendedMs < 0) r.intendedMs = r.sentMs;
  let reading = false;
  try {
    const res = await fetch(req.url, {
      method: req.method,
      headers: req.headers,
      body: req.bodies.length > 0 ? req.bodies[n % req.bodies.length] : undefined,
      signal: slot.ctl.signal,
      tls: req.insecure || req.caPem ? { rejectUnauthorized: !req.insecure, ...(req.caPem ? { ca: req.caPem } : {}) } : undefined,
    });
    r.headersMs = performance.now();
    r.status = res.status;
    const receivedMs = upstreamMs(res.headers.get(MOCK_TIMING.receivedUs));
    if (within(receivedMs, r.sentMs, r.headersMs)) r.requestPathMs = receivedMs - r.sentMs;
    if (req.stream && res.body) {
      const sink = new StreamSink().bind(r, rec);
      const scanner = new SseScanner(sink, DIALECTS[api], client.checkShape);
      const reader = res.body.getReader();
      reading = res.status >= 200 && res.status <= 299;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        const t = performance.now();
        if (r.firstByteMs < 0) r.firstByteMs = t;
        r.bytesIn += value.byteLength;
        scanner.push(value, 0, value.length, t);
      }
      reading = false;
      if (r.endMs < 0) r.endMs = performance.now();
      endStream(r, sink, scanner, res.headers.get("content-type") ?? "");
    } else {
      const body = await res.arrayBuffer();
      r.bytesIn = body.byteLength;
      if ((res.status < 200 || res.status > 299) && !client.statusSampled) {
        client.statusSampled = true;
        r.errorMessage = statusSample(res.status, new TextDecoder().decode(body.slice(0, ERROR_BODY_CHARS)));
      }
      r.endMs = performance.now();
      const answeredMs = upstreamMs(res.headers.get(MOCK_TIMING.sentUs));
      if (within(answeredMs, r.sentMs, r.endMs)) r.responsePathMs = r.endMs - answeredMs;
      // the start of a 2xx answer, for its API's marker (answer-start.ts)
      const n = Math.min(body.byteLength, START_BYTES);
      const wrong = res.ok && client.checkShape ? wrongShape(api, new Uint8Array(body, 0, n), 0, n, false) : "";
      if (wrong) {
        r.error = ErrorKind.WrongShape;
        r.errorMessage = wrong;
      }
    }
    if (res.status < 200 || res.status > 299) r.error = ErrorKind.Status;
  } catch (err) {
    r.endMs = performance.now();
    const c = slot.timedOut ? { kind: ErrorKind.Timeout, message: `no complete response within ${req.timeoutMs} ms` } : classifyError(err);
    // a 2xx stream cut while it was read is an incomplete stream, as the socket client says
    r.error = reading && c.kind !== ErrorKind.Timeout && c.kind !== ErrorKind.Aborted ? ErrorKind.StreamIncomplete : c.kind;
    r.errorMessage = c.message;
  }
  rec.add(r);
}

export class FetchClient implements Client {
  private readonly slots: TimeoutSlots;
  readonly connectionsOpened = -1;
  readonly keepAliveRetries = 0;
  /** The first error answer's status and body are kept in its result's message. */
  statusSampled = false;
  /** Answers are held to the shape of the request's API (shape.ts). */
  readonly checkShape: boolean;

  constructor(private readonly request: PreparedRequest) {
    this.slots = new TimeoutSlots(request.timeoutMs);
    this.checkShape = checksShape(request.api ?? "chat", request.url);
  }

  send(n: number, intendedMs: number, rec: Recorder, done: () => void): void {
    const slot = this.slots.take(performance.now());
    void execute(this.request, n, intendedMs, rec, slot, this).then(() => {
      this.slots.release(slot);
      done();
    });
  }

  abortAll(): void {
    this.slots.abortAll();
  }

  close(): void {
    this.slots.dispose();
  }
}
