// One connection of the socket client: the request in flight on it (its
// result filled in place and reused from request to request), its response
// read by the parser and, for a stream, the SSE scanner, and what happens
// when the connection ends under a request. The pool that owns it (the
// SocketClient, socket.ts) is what a connection asks of it: `Pool` (pool.ts).
import type { Socket, SocketHandler } from "bun";
import { emptyResult, ErrorKind, type RequestResult } from "../../metrics/outcome.ts";
import type { Recorder } from "../../metrics/recorder.ts";
import { AnswerStart } from "../answer-start.ts";
import { kindOfCode } from "../client.ts";
import { DIALECTS } from "../dialects.ts";
import { endStream, ERROR_BODY_CHARS, statusSample, StreamSink, upstreamMs, within } from "../response.ts";
import { SseScanner } from "../sse.ts";
import { ResponseParser, type ResponseSink } from "./parser.ts";
import type { Pool, Queued } from "./pool.ts";

const DECODER = new TextDecoder();

export const enum State {
  Connecting,
  Idle,
  Busy,
  Closed,
}

/** What becomes of a connection once its request is recorded: kept for the next, closed, or reset (it failed). */
export const enum Then {
  Keep,
  End,
  Reset,
}

export class Connection implements ResponseSink {
  socket: Socket<Connection> | undefined;
  state = State.Connecting;
  readonly parser: ResponseParser;
  /** The result of the request in flight, reused from request to request (the recorder reads it at once). */
  readonly r: RequestResult = emptyResult(-1);
  /** The request in flight: its recorder and what to call when it is recorded; undefined when there is none. */
  rec: Recorder | undefined;
  done: (() => void) | undefined;
  n = 0;
  /** This request was already sent again after a kept-alive connection closed under it. */
  retried = false;
  /** Set while Bun.connect is being called: a failure then is this machine's (no socket could be made), not the target's. */
  dialing = false;
  private bytes: Uint8Array | undefined;
  private written = 0;
  /** Responses read in full on this connection. */
  served = 0;
  /** Index in the client's list of connections, and in its idle list (-1: not idle). */
  index = -1;
  idleIndex = -1;
  private readonly sink: StreamSink | undefined;
  private readonly scanner: SseScanner | undefined;
  /** A unary answer's start, read for its API's shape (when answers are held to one). */
  private readonly start: AnswerStart | undefined;
  /** The start of an error answer's body, while the client has no sample yet. */
  private errorBody = "";

  constructor(private readonly client: Pool<Connection>) {
    this.parser = new ResponseParser(this);
    this.parser.wantContentType = client.stream;
    if (client.stream) {
      this.sink = new StreamSink();
      this.scanner = new SseScanner(this.sink, DIALECTS[client.api], client.checkShape);
    } else if (client.checkShape) this.start = new AnswerStart(client.api);
  }

  /** Takes a queued request. */
  take(q: Queued): void {
    this.assign(q.n, q.intendedMs, q.sentMs, q.rec, q.done, q.retried);
  }

  /** Takes a request: fills the result afresh and writes it when the socket is ready. */
  assign(n: number, intendedMs: number, sentMs: number, rec: Recorder, done: () => void, retried: boolean): void {
    const r = this.r;
    r.intendedMs = intendedMs < 0 ? sentMs : intendedMs;
    r.sentMs = sentMs;
    r.headersMs = -1;
    r.firstByteMs = -1;
    r.firstContentMs = -1;
    r.lastContentMs = -1;
    r.endMs = -1;
    r.status = 0;
    r.error = -1;
    r.errorMessage = "";
    r.bytesIn = 0;
    r.contentEvents = 0;
    r.usageTokens = -1;
    r.requestPathMs = Number.NaN;
    r.responsePathMs = Number.NaN;
    this.errorBody = "";
    this.n = n;
    this.rec = rec;
    this.done = done;
    this.retried = retried;
    this.parser.reset(this.client.head);
    if (this.sink) {
      this.sink.bind(r, rec);
      this.scanner!.reset();
    } else this.start?.reset();
    const all = this.client.requests;
    this.bytes = all[n % all.length];
    this.written = 0;
    if (this.state === State.Idle) {
      this.state = State.Busy;
      this.write();
    }
  }

  /** The socket is ready (connected, or through the TLS handshake). */
  ready(socket: Socket<Connection>): void {
    this.socket = socket;
    // given up on while it connected (the run's end, or its request's timeout with close())
    if (this.state === State.Closed) socket.terminate();
    if (this.state !== State.Connecting) return;
    this.client.opened();
    if (this.rec) {
      this.state = State.Busy;
      this.write();
    } else this.client.release(this); // its request timed out or was aborted while it connected
  }

  write(): void {
    const s = this.socket!;
    const b = this.bytes!;
    const w = s.write(b, this.written, b.length - this.written);
    // -1: the socket is closing; the close handler tells what became of the request
    if (w > 0) this.written += w;
  }

  /** The socket can take more (a request larger than its buffer). */
  drain(): void {
    if (this.state === State.Busy && this.written < this.bytes!.length) this.write();
  }

  data(chunk: Uint8Array): void {
    if (this.state !== State.Busy) {
      // bytes no request asked for: the connection cannot be trusted for another
      if (this.state === State.Idle) this.destroy(true);
      return;
    }
    const t = performance.now();
    const p = this.parser;
    const end = p.feed(chunk, 0, chunk.length, t);
    if (p.failed) this.fail(ErrorKind.Protocol, p.failure, t);
    else if (p.done) {
      if (end < chunk.length)
        this.fail(ErrorKind.Protocol, `${chunk.length - end} bytes came after the end of the response (a body longer than its content-length?)`, t);
      else this.complete(t, p.keepAlive);
    }
  }

  // ResponseSink: the parser's calls
  head(t: number): void {
    const r = this.r;
    r.headersMs = t;
    r.status = this.parser.status;
    const receivedMs = upstreamMs(this.parser.mockReceivedUs);
    if (within(receivedMs, r.sentMs, t)) r.requestPathMs = receivedMs - r.sentMs;
  }

  body(buf: Uint8Array, from: number, to: number, t: number): void {
    const r = this.r;
    r.bytesIn += to - from;
    const ok = r.status >= 200 && r.status <= 299;
    if (!ok && !this.client.statusSampled && this.errorBody.length < ERROR_BODY_CHARS)
      this.errorBody += DECODER.decode(buf.subarray(from, Math.min(to, from + ERROR_BODY_CHARS)));
    // the parser counts a piece before handing it over: the first piece is the whole body when it is all content-length announced
    if (ok && this.start) this.start.feed(buf, from, to, this.parser.bodyBytes === this.parser.contentLength);
    if (this.scanner) {
      if (r.firstByteMs < 0) r.firstByteMs = t;
      this.scanner.push(buf, from, to, t);
    }
  }

  end(t: number): void {
    if (this.r.endMs < 0) this.r.endMs = t;
  }

  /** The response was read in full. */
  private complete(t: number, reusable: boolean): void {
    const r = this.r;
    if (r.endMs < 0) r.endMs = t;
    const ok = r.status >= 200 && r.status <= 299;
    if (this.scanner) {
      endStream(r, this.sink!, this.scanner, this.parser.contentType);
      if (ok && this.parser.encoded && r.error === ErrorKind.StreamMalformed)
        r.errorMessage = `the stream came compressed (content-encoding), which the socket client does not decode; use --client fetch`;
    } else {
      const answeredMs = upstreamMs(this.parser.mockSentUs);
      if (within(answeredMs, r.sentMs, r.endMs)) r.responsePathMs = r.endMs - answeredMs;
      if (ok) this.start?.judge(r);
    }
    if (!ok) {
      r.error = ErrorKind.Status;
      if (!this.client.statusSampled) {
        this.client.statusSampled = true;
        r.errorMessage = statusSample(r.status, this.errorBody);
      }
    }
    this.served++;
    this.finish(reusable ? Then.Keep : Then.End);
  }

  /** The request in flight failed: recorded with `kind`, and the connection closed. */
  fail(kind: ErrorKind, message: string, t: number): void {
    const r = this.r;
    r.endMs = t;
    r.error = kind;
    r.errorMessage = message;
    this.finish(Then.Reset);
  }

  /** Records the request in flight, hands the connection back or closes it, then tells the dispatcher. */
  private finish(then: Then): void {
    const rec = this.rec!;
    const done = this.done!;
    this.rec = undefined;
    this.done = undefined;
    rec.add(this.r);
    // index -1: the warm-up's connection, which belongs to no pool
    if (this.index < 0) this.state = State.Idle;
    else if (then === Then.Keep && this.state === State.Busy) this.client.release(this);
    else this.destroy(then === Then.Reset);
    done();
  }

  /** Closes the connection (`abrupt`: with a reset, for one that failed) and takes it out of the pool. */
  destroy(abrupt: boolean): void {
    if (this.state === State.Closed) return;
    const connecting = this.state === State.Connecting;
    this.state = State.Closed;
    this.client.forget(this, connecting);
    const s = this.socket;
    if (!s) return;
    if (abrupt) s.terminate();
    else s.end();
  }

  /**
   * The connection ended under us: the server closed it (`err` undefined),
   * reset it, or it never opened. A body delimited by the close ends well;
   * otherwise the request in flight fails, or is sent once more when a
   * kept-alive connection was closed before any answer.
   */
  lost(err: (Error & { code?: string }) | undefined): void {
    if (this.state === State.Closed) return;
    const connecting = this.state === State.Connecting;
    this.state = State.Closed;
    this.client.forget(this, connecting);
    if (!this.rec) return;
    const t = performance.now();
    const p = this.parser;
    if (connecting) {
      // Bun reports a socket it could not create (EMFILE, ENFILE, EADDRNOTAVAIL) as ECONNREFUSED, but at once, within the connect call; a refusal by the target comes later
      // (recorded on the next turn of the loop: a closed loop would otherwise fail, retry and fail again in one call stack)
      if (this.dialing) setImmediate(() => this.fail(ErrorKind.LoadGenerator, this.client.localMessage(), t));
      else {
        const kind = err?.code ? kindOfCode(err.code) : ErrorKind.Connect;
        this.fail(kind === ErrorKind.Reset || kind === ErrorKind.Other ? ErrorKind.Connect : kind, this.client.connectMessage(err), t);
      }
      return;
    }
    if (!err && p.eof(t)) {
      this.complete(t, false);
      return;
    }
    if (p.idle && this.served > 0 && !this.retried) {
      const q: Queued = { n: this.n, intendedMs: this.r.intendedMs, sentMs: this.r.sentMs, rec: this.rec, done: this.done!, retried: true };
      this.rec = undefined;
      this.done = undefined;
      this.client.keepAliveRetries++;
      this.client.dispatch(q);
      return;
    }
    if (err) p.eof(t);
    const why = err ? `${err.code ?? err.message}: ${p.failure || "the connection failed"}` : p.failure;
    const cut = this.scanner && p.headRead && p.status >= 200 && p.status <= 299;
    const kind = cut ? ErrorKind.StreamIncomplete : err?.code ? kindOfCode(err.code) : ErrorKind.Reset;
    this.fail(kind === ErrorKind.Other ? ErrorKind.Reset : kind, why, t);
  }

  /** TLS: the handshake is over; a certificate that did not verify fails the request with one clear line. */
  handshake(socket: Socket<Connection>, success: boolean, authError: Error | null): void {
    if (this.state === State.Closed) {
      socket.terminate();
      return;
    }
    if (!success && !this.client.insecure) {
      this.socket = socket;
      const t = performance.now();
      // still Connecting: destroy() counts the handshake as ended
      if (this.rec) this.fail(ErrorKind.Connect, this.client.tlsMessage(authError), t);
      else this.destroy(true);
      return;
    }
    this.ready(socket);
  }
}

type Handlers = SocketHandler<Connection, "uint8array">;

/** One set of handlers for every connection (Bun shares them; the connection is the socket's data). */
export const PLAIN: Handlers = {
  binaryType: "uint8array",
  open: (s) => s.data.ready(s),
  data: (s, chunk) => s.data.data(chunk),
  drain: (s) => s.data.drain(),
  end: (s) => s.data.lost(undefined),
  close: (s, err) => s.data.lost(err),
  error: (s, err) => s.data.lost(err),
  connectError: (s, err) => s.data.lost(err),
};
/** TLS: the request is written once the handshake is through, never before. */
export const SECURE: Handlers = {
  ...PLAIN,
  open: () => {},
  handshake: (s, ok, err) => s.data.handshake(s, ok, err),
};
