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
import type { Api } from "../../apis.ts";
import { openFileLimit } from "../../platform.ts";
import { emptyResult, ErrorKind } from "../../metrics/outcome.ts";
import { Recorder } from "../../metrics/recorder.ts";
import { cannedAnswer } from "../canned.ts";
import type { Client, PreparedRequest } from "../client.ts";
import { checksShape } from "../shape.ts";
import { Connection, PLAIN, SECURE, State } from "./connection.ts";
import type { Pool, Queued } from "./pool.ts";
import { encodeRequests, originOf, tlsFailure, tlsOptionsOf, type Origin } from "./request.ts";

/**
 * Handshakes in progress at most. A load that starts (or jumps) faster than
 * connections open would otherwise open one per due request, thousands at
 * once, and overflow the target's accept queue (dropped SYNs come back a
 * second later); beyond this, requests wait for the next connection free,
 * the wait counted in their latency.
 */
export const MAX_CONNECTING = 64;

export class SocketClient implements Client, Pool<Connection> {
  readonly requests: Uint8Array[];
  readonly stream: boolean;
  readonly api: Api;
  readonly checkShape: boolean;
  readonly head: boolean;
  readonly insecure: boolean;
  connectionsOpened = 0;
  keepAliveRetries = 0;
  statusSampled = false;
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
    this.api = request.api ?? "chat";
    this.checkShape = checksShape(this.api, request.url);
    this.head = request.method.toUpperCase() === "HEAD";
    this.insecure = request.insecure ?? false;
    this.timeoutMs = request.timeoutMs;
    this.tls = tlsOptionsOf(this.origin, request);
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
    const answer = cannedAnswer(this.api, this.stream, this.head);
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
    Bun.connect<Connection>({
      hostname: o.hostname,
      port: o.port,
      data: c,
      socket: (this.tls ? SECURE : PLAIN) as unknown as SocketHandler<Connection>,
      ...(this.tls ? { tls: this.tls } : {}),
    }).catch((err: unknown) => {
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
    while (this.waitHead < this.waiting.length && now - this.waiting[this.waitHead]!.sentMs >= limit)
      this.record(this.takeWaiting(), ErrorKind.Timeout, message);
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

  tlsMessage(err: Error | null): string {
    return tlsFailure(this.origin, err);
  }
}
