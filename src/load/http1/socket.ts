// The socket client (--client socket, the default): HTTP/1.1 over
// Bun.connect in this thread's event loop, one request at a time per
// connection, kept alive in a pool. A request takes an idle connection, or
// opens one while fewer than `maxConnections` are open, or waits for one
// (the wait is in its latency, which runs from its intended time). What
// the response costs the client is one parser pass over the bytes as they
// come off the socket, and for a stream the SSE scanner's.
//
// Timeouts: one sweep of the open connections every tenth of the timeout
// (at most 100 ms), no timer per request. A connection the server closes
// while idle leaves the pool when the close is seen; a request written to
// one the server was closing at that moment (no byte of an answer, on a
// connection that had answered before) is sent once more on a new one and
// counted in keepAliveRetries, as browsers and HTTP libraries do.
import type { Socket, SocketHandler, TLSOptions } from "bun";
import { emptyResult, ErrorKind, type RequestResult } from "../../metrics/outcome.ts";
import { Recorder } from "../../metrics/recorder.ts";
import { kindOfCode, type Client, type PreparedRequest } from "../client.ts";
import { endStream, StreamSink, upstreamMs, within } from "../response.ts";
import { SseScanner } from "../sse.ts";
import { ResponseParser, type ResponseSink } from "./parser.ts";
import { encodeRequests, originOf, type Origin } from "./request.ts";
import { openFileLimit } from "../../gateway/tree.ts";

const enum State {
  Connecting,
  Idle,
  Busy,
  Closed,
}

/** What becomes of a connection once its request is recorded: kept for the next, closed, or reset (it failed). */
const enum Then {
  Keep,
  End,
  Reset,
}

/** A request waiting for a connection (the pool is at its cap), or being sent again. */
interface Queued {
  n: number;
  intendedMs: number;
  sentMs: number;
  rec: Recorder;
  done: () => void;
  retried: boolean;
}

class Connection implements ResponseSink {
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

  constructor(private readonly client: SocketClient) {
    this.parser = new ResponseParser(this);
    this.parser.wantContentType = client.stream;
    if (client.stream) {
      this.sink = new StreamSink();
      this.scanner = new SseScanner(this.sink);
    }
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
    this.n = n;
    this.rec = rec;
    this.done = done;
    this.retried = retried;
    this.parser.reset(this.client.head);
    if (this.sink) {
      this.sink.bind(r, rec);
      this.scanner!.reset();
    }
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
      if (end < chunk.length) this.fail(ErrorKind.Protocol, `${chunk.length - end} bytes came after the end of the response (a body longer than its content-length?)`, t);
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
      if (ok && this.parser.encoded && r.error === ErrorKind.StreamMalformed) r.errorMessage = `the stream came compressed (content-encoding), which the socket client does not decode; use --client fetch`;
    } else {
      const answeredMs = upstreamMs(this.parser.mockSentUs);
      if (within(answeredMs, r.sentMs, r.endMs)) r.responsePathMs = r.endMs - answeredMs;
    }
    if (!ok) r.error = ErrorKind.Status;
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

/** An answer like the ones the load will read (the mock's timing headers; a stream of a few events), for warmUp(). */
function cannedAnswer(stream: boolean, head: boolean): Uint8Array {
  const us = Math.round((performance.timeOrigin + performance.now()) * 1000);
  const event = (content: string): string => `data: {"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"${content}"},"finish_reason":null}]}\n\n`;
  const body = stream
    ? `${event("")}${event("warm")}${event(" up")}data: {"id":"c","choices":[],"usage":{"prompt_tokens":1,"completion_tokens":2}}\n\ndata: [DONE]\n\n`
    : '{"id":"c","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"warm up"},"finish_reason":"stop"}]}';
  const type = stream ? "text/event-stream" : "application/json";
  return new TextEncoder().encode(`HTTP/1.1 200 OK\r\ncontent-type: ${type}\r\nx-mock-received-us: ${us}\r\nx-mock-sent-us: ${us}\r\ncontent-length: ${body.length}\r\n\r\n${head ? "" : body}`);
}

/**
 * Handshakes in progress at most. A load that starts (or jumps) faster than
 * connections open would otherwise open one per due request, thousands at
 * once, and overflow the target's accept queue (dropped SYNs come back a
 * second later); beyond this, requests wait for the next connection free,
 * the wait counted in their latency.
 */
export const MAX_CONNECTING = 64;

/** One set of handlers for every connection (Bun shares them; the connection is the socket's data). */
const PLAIN: Handlers = {
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
const SECURE: Handlers = {
  ...PLAIN,
  open: () => {},
  handshake: (s, ok, err) => s.data.handshake(s, ok, err),
};

export class SocketClient implements Client {
  readonly requests: Uint8Array[];
  readonly stream: boolean;
  readonly head: boolean;
  readonly insecure: boolean;
  connectionsOpened = 0;
  keepAliveRetries = 0;
  private readonly origin: Origin;
  private readonly tls: TLSOptions | undefined;
  private readonly timeoutMs: number;
  /** Every connection open or opening; the idle ones among them. */
  private readonly conns: Connection[] = [];
  private readonly idle: Connection[] = [];
  /** Requests waiting for a connection, oldest first (from `waitHead` on). */
  private waiting: Queued[] = [];
  private waitHead = 0;
  private sweeper: Timer | undefined;
  private aborted = false;
  /** Connections between connect() and the end of their handshake. */
  private connecting = 0;
  /** The open-file limit, read before the load (with no descriptor left, it could not be read). */
  private readonly fdLimit = openFileLimit();

  constructor(
    request: PreparedRequest,
    private readonly maxConnections: number,
  ) {
    this.origin = originOf(request.url);
    this.requests = encodeRequests(request);
    this.stream = request.stream;
    this.head = request.method.toUpperCase() === "HEAD";
    this.insecure = request.insecure ?? false;
    this.timeoutMs = request.timeoutMs;
    if (this.origin.tls) {
      this.tls = { rejectUnauthorized: !this.insecure, ...(this.origin.serverName ? { serverName: this.origin.serverName } : {}), ...(request.caPem ? { ca: request.caPem } : {}) };
    }
  }

  send(n: number, intendedMs: number, rec: Recorder, done: () => void): void {
    // the common case, an idle connection, allocates nothing
    const c = this.aborted ? undefined : this.idle.pop();
    if (c) {
      c.idleIndex = -1;
      c.assign(n, intendedMs, performance.now(), rec, done, false);
    } else this.dispatch({ n, intendedMs, sentMs: performance.now(), rec, done, retried: false });
  }

  /** Gives a request an idle connection, a new one, or a place in the queue. */
  dispatch(q: Queued): void {
    if (this.aborted) {
      this.record(q, ErrorKind.Aborted, "the run was stopped");
      return;
    }
    if (this.sweeper === undefined) this.startSweeper();
    const c = this.idle.pop();
    if (c) {
      c.idleIndex = -1;
      c.take(q);
    } else if (this.canOpen()) this.connect(q);
    else this.waiting.push(q);
  }

  /**
   * Runs the response path (parser, stream scanner, recorder) over canned
   * answers on a connection of no pool, so that the JIT has compiled it
   * before the first measured request. Without it the first half second
   * of a run carries the compiler's pauses into the tail: p99 +1.2 ms at 5
   * connections against a 10 ms server. 15–35 ms, before the load's lead time runs out.
   */
  warmUp(rounds = 2000): void {
    const c = new Connection(this);
    c.state = State.Idle;
    c.socket = { write: (_b: Uint8Array, _o: number, n: number) => n } as unknown as Socket<Connection>;
    const rec = new Recorder();
    const answer = cannedAnswer(this.stream, this.head);
    const done = (): void => {};
    for (let i = 0; i < rounds; i++) {
      c.assign(i, -1, performance.now(), rec, done, false);
      c.data(answer);
    }
  }

  /** Another connection may be opened now: under the cap, and not too many handshakes at once. */
  private canOpen(): boolean {
    return this.conns.length < this.maxConnections && this.connecting < MAX_CONNECTING;
  }

  /** A connection got through its handshake. */
  opened(): void {
    this.connectionsOpened++;
    this.connecting--;
    this.openForWaiting();
  }

  /** Requests waiting for a connection open new ones while they may. */
  private openForWaiting(): void {
    while (this.waitHead < this.waiting.length && !this.aborted && this.canOpen()) this.connect(this.takeWaiting());
  }

  private takeWaiting(): Queued {
    const q = this.waiting[this.waitHead]!;
    this.waiting[this.waitHead++] = undefined as unknown as Queued;
    if (this.waitHead > 1024 && this.waitHead * 2 > this.waiting.length) {
      this.waiting = this.waiting.slice(this.waitHead);
      this.waitHead = 0;
    }
    return q;
  }

  /** Opens a new connection for `q` (the request is its own before the connect starts: a failure may come back at once). */
  private connect(q: Queued): void {
    this.connecting++;
    const c = new Connection(this);
    c.index = this.conns.length;
    this.conns.push(c);
    c.take(q);
    const o = this.origin;
    c.dialing = true;
    Bun.connect<Connection>({ hostname: o.hostname, port: o.port, data: c, socket: (this.tls ? SECURE : PLAIN) as unknown as SocketHandler<Connection>, ...(this.tls ? { tls: this.tls } : {}) }).catch((err: unknown) => {
      // connectError has the failure already; this covers what fails before a socket exists
      if (c.state === State.Connecting) c.lost(err as Error);
    });
    c.dialing = false;
  }

  /** A connection is free: the oldest waiting request takes it, or it idles. */
  release(c: Connection): void {
    if (this.waitHead < this.waiting.length) {
      c.state = State.Idle;
      c.take(this.takeWaiting());
      return;
    }
    c.state = State.Idle;
    c.idleIndex = this.idle.length;
    this.idle.push(c);
  }

  /** A connection has closed (`connecting`: before its handshake was through): out of the lists. */
  forget(c: Connection, connecting: boolean): void {
    if (connecting) this.connecting--;
    const last = this.conns.pop()!;
    if (last !== c) {
      this.conns[c.index] = last;
      last.index = c.index;
    }
    if (c.idleIndex >= 0) {
      const li = this.idle.pop()!;
      if (li !== c) {
        this.idle[c.idleIndex] = li;
        li.idleIndex = c.idleIndex;
      }
      c.idleIndex = -1;
    }
    // a request waiting for a connection may now open one
    this.openForWaiting();
  }

  /** Records a request that never got a connection. */
  private record(q: Queued, kind: ErrorKind, message: string): void {
    const r = emptyResult(q.intendedMs < 0 ? q.sentMs : q.intendedMs);
    r.sentMs = q.sentMs;
    r.endMs = performance.now();
    r.error = kind;
    r.errorMessage = message;
    q.rec.add(r);
    q.done();
  }

  private startSweeper(): void {
    const everyMs = Math.min(100, Math.max(1, this.timeoutMs / 10));
    this.sweeper = setInterval(() => this.sweep(), everyMs);
    this.sweeper.unref();
  }

  /** Times out requests open (or waiting) for longer than the timeout. */
  private sweep(): void {
    const now = performance.now();
    const limit = this.timeoutMs;
    const message = `no complete response within ${limit} ms`;
    for (let i = this.conns.length - 1; i >= 0; i--) {
      const c = this.conns[i];
      if (c?.rec && now - c.r.sentMs >= limit) c.fail(ErrorKind.Timeout, message, now);
    }
    while (this.waitHead < this.waiting.length && now - this.waiting[this.waitHead]!.sentMs >= limit) this.record(this.takeWaiting(), ErrorKind.Timeout, message);
  }

  abortAll(): void {
    this.aborted = true;
    const now = performance.now();
    for (let i = this.conns.length - 1; i >= 0; i--) {
      const c = this.conns[i];
      if (c?.rec) c.fail(ErrorKind.Aborted, "the run was stopped", now);
    }
    while (this.waitHead < this.waiting.length) this.record(this.takeWaiting(), ErrorKind.Aborted, "the run was stopped");
  }

  close(): void {
    clearInterval(this.sweeper);
    this.sweeper = undefined;
    for (let i = this.conns.length - 1; i >= 0; i--) this.conns[i]?.destroy(this.conns[i]!.rec !== undefined);
  }

  /** Why a connection could not be made, in one line. */
  connectMessage(err: (Error & { code?: string }) | undefined): string {
    const o = this.origin;
    return `cannot connect to ${o.hostname}:${o.port}: ${err?.code ?? ""}${err?.message ? ` ${err.message}` : ""}`.trim();
  }

  /** Why no socket could be made on this machine, with the open-file limit when it can be read. */
  localMessage(): string {
    const limit = this.fdLimit;
    return `this machine could not open another connection (out of file descriptors${limit ? `, ulimit -n is ${limit}` : ""}, or of ephemeral ports): not the target's failure; raise the limit (ulimit -n 65536) or lower the load`;
  }

  /** Why a TLS handshake failed, in one line with the way out. */
  tlsMessage(err: Error | null): string {
    const o = this.origin;
    return `TLS handshake with ${o.serverName ?? o.hostname}:${o.port} failed: ${err?.message ?? "the certificate was not accepted"}; trust its CA with --cacert FILE, or skip verification with --insecure`;
  }
}

/**
 * Whether the target can be reached as the load will reach it: a TCP
 * connection, and for https the TLS handshake with the same verification.
 * Resolves to the problem in one line, or undefined.
 */
export function probe(request: PreparedRequest, timeoutMs = 5000): Promise<string | undefined> {
  const o = originOf(request.url);
  const where = `${o.hostname}:${o.port}`;
  return new Promise((resolve) => {
    let settled = false;
    const settle = (problem: string | undefined, s?: Socket<undefined>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      s?.end();
      resolve(problem);
    };
    const timer = setTimeout(() => settle(`nothing answered on ${where} within ${timeoutMs / 1000} s`), timeoutMs);
    const refused = (err: (Error & { code?: string }) | undefined): string => `nothing accepts connections on ${where}${err?.code ? ` (${err.code})` : ""}`;
    const tls: TLSOptions | undefined = o.tls ? { rejectUnauthorized: !request.insecure, ...(o.serverName ? { serverName: o.serverName } : {}), ...(request.caPem ? { ca: request.caPem } : {}) } : undefined;
    Bun.connect({
      hostname: o.hostname,
      port: o.port,
      ...(tls ? { tls } : {}),
      socket: {
        data() {},
        open: (s) => (tls ? undefined : settle(undefined, s)),
        handshake: (s, ok, err) => {
          if (ok || request.insecure) settle(undefined, s);
          else settle(`the TLS handshake with ${o.serverName ?? o.hostname}:${o.port} failed: ${err?.message ?? "the certificate was not accepted"}; trust its CA with --cacert FILE, or skip verification with --insecure`, s);
        },
        close: () => settle(o.tls ? `${where} closed the connection during the TLS handshake (is it https?)` : refused(undefined)),
        connectError: (_s, err) => settle(refused(err)),
      },
    }).catch((err: unknown) => settle(refused(err as Error)));
  });
}
