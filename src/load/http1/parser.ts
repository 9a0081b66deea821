// An incremental HTTP/1.1 response parser over bytes as they come off a
// socket (RFC 9112): the status line and headers, then the body framed by
// content-length, by chunked transfer coding (extensions and trailers
// skipped), or by the connection's close; no body for HEAD, 1xx, 204 and
// 304; 1xx interim responses skipped. Only the few header fields the client
// needs are read, straight from the bytes. The parser never throws on what
// the server sends: a malformed response sets `failure` and stops. What the
// head's lines say (status, fields, framing) is read by ResponseHead (head.ts).

import { appendBytes, CR, LF, SEMI, SP, TAB } from "../bytes.ts";
import { hexValue, snippet } from "./fields.ts";
import { Framing, ResponseHead } from "./head.ts";

export { Framing } from "./head.ts";

/** A response head (status line and fields) larger than this is refused. */
export const MAX_HEAD_BYTES = 64 * 1024;
/** A chunk-size line (with its extensions) longer than this is refused. */
const MAX_CHUNK_LINE = 4096;
/** Chunk sizes above 2^48 bytes cannot be meant. */
const MAX_CHUNK_HEX_DIGITS = 12;

const enum State {
  StatusLine,
  Header,
  Length,
  ChunkSize,
  ChunkData,
  ChunkEnd,
  Trailer,
  UntilClose,
  Done,
  Failed,
}

/** Where the parsed response goes. Byte ranges are views of the caller's buffer, valid only during the call. */
export interface ResponseSink {
  /** The final (non-1xx) status line and header fields have been read. */
  head(t: number): void;
  /** Body bytes (de-chunked) in buf[from, to). */
  body(buf: Uint8Array, from: number, to: number, t: number): void;
  /** The response is complete. */
  end(t: number): void;
}

export class ResponseParser extends ResponseHead {
  /** Why the response is malformed; empty while it is not. */
  failure = "";
  /** Response bytes seen (head and body, interim responses included). */
  bytes = 0;
  /** Body bytes delivered. */
  bodyBytes = 0;

  private head = false;
  private state = State.StatusLine;
  private remaining = 0;
  /** A line split across reads is assembled here. */
  private line = new Uint8Array(256);
  private lineLen = 0;

  constructor(private readonly sink: ResponseSink) {
    super();
  }

  /** Readies the parser for the response to the next request (`head`: it was a HEAD request, so no body follows). */
  reset(head: boolean): void {
    this.head = head;
    this.state = State.StatusLine;
    this.bytes = 0;
    this.bodyBytes = 0;
    this.failure = "";
    this.lineLen = 0;
    this.headRead = false;
    this.resetHead();
  }

  get done(): boolean {
    return this.state === State.Done;
  }

  get failed(): boolean {
    return this.state === State.Failed;
  }

  /** Nothing of a response has been read yet. */
  get idle(): boolean {
    return this.bytes === 0;
  }

  /** The final head has been read (head() was called), whatever came of the body. */
  headRead = false;

  /**
   * Parses buf[from, to). Returns the offset where the response ended (the
   * rest belongs to no request: with one request at a time, a protocol
   * error), or `to` when all of it was taken.
   */
  feed(buf: Uint8Array, from: number, to: number, t: number): number {
    let pos = from;
    this.bytes += to - from;
    while (pos < to) {
      switch (this.state) {
        case State.StatusLine:
        case State.Header:
        case State.ChunkSize:
        case State.Trailer: {
          const nl = buf.indexOf(LF, pos);
          if (nl === -1 || nl >= to) {
            this.keep(buf, pos, to);
            pos = to;
            break;
          }
          let lineBuf = buf;
          let s = pos;
          let e = nl;
          if (this.lineLen > 0) {
            this.keep(buf, pos, nl);
            if (this.failed) return to;
            lineBuf = this.line;
            s = 0;
            e = this.lineLen;
          } else if (this.state !== State.ChunkSize) {
            this.headBytes += nl - pos;
            if (this.headBytes > MAX_HEAD_BYTES) return this.fail(`the response head is over ${MAX_HEAD_BYTES / 1024} KiB`, to);
          } else if (nl - pos > MAX_CHUNK_LINE) return this.fail("a chunk-size line is over 4 KiB", to);
          this.lineLen = 0;
          pos = nl + 1;
          if (e > s && lineBuf[e - 1] === CR) e--;
          const after = this.onLine(lineBuf, s, e, t);
          if (after === State.Failed) return to;
          if (after === State.Done) return pos;
          break;
        }
        case State.Length:
        case State.ChunkData: {
          const n = Math.min(this.remaining, to - pos);
          this.remaining -= n;
          this.bodyBytes += n;
          this.sink.body(buf, pos, pos + n, t);
          pos += n;
          if (this.remaining === 0) {
            if (this.state === State.Length) {
              this.finish(t);
              return pos;
            }
            this.state = State.ChunkEnd;
          }
          break;
        }
        case State.ChunkEnd: {
          // CRLF after a chunk's data (a bare LF is taken too)
          const b = buf[pos]!;
          if (b === CR && this.lineLen === 0) {
            this.lineLen = 1;
            pos++;
          } else if (b === LF) {
            this.lineLen = 0;
            this.state = State.ChunkSize;
            pos++;
          } else return this.fail(`a chunk's data runs past its size (${snippet(buf, pos, to)} where CRLF belongs)`, to);
          break;
        }
        case State.UntilClose: {
          this.bodyBytes += to - pos;
          this.sink.body(buf, pos, to, t);
          pos = to;
          break;
        }
        default:
          // Done or Failed: the bytes belong to no response
          return pos;
      }
    }
    return to;
  }

  /**
   * The connection was closed by the server. Returns true when that ends
   * the response (a body delimited by the close); otherwise the response
   * is cut short and `failure` says where.
   */
  eof(t: number): boolean {
    switch (this.state) {
      case State.UntilClose:
        this.finish(t);
        return true;
      case State.Done:
        return true;
      case State.Failed:
        return false;
      case State.StatusLine:
        this.fail(this.bytes === 0 ? "the connection was closed before any response" : "the connection was closed in the status line");
        return false;
      case State.Header:
        this.fail("the connection was closed in the response head");
        return false;
      case State.Length:
        this.fail(`the connection was closed after ${this.bodyBytes} of the ${this.contentLength} body bytes its content-length announced`);
        return false;
      default:
        this.fail(`the connection was closed before the chunked body's last chunk (after ${this.bodyBytes} body bytes)`);
        return false;
    }
  }

  private fail(why: string, ret = 0): number {
    if (this.state !== State.Failed) this.failure = why;
    this.state = State.Failed;
    return ret;
  }

  private finish(t: number): void {
    this.state = State.Done;
    this.sink.end(t);
  }

  /** Keeps buf[from, to) of a line not yet complete. */
  private keep(buf: Uint8Array, from: number, to: number): void {
    const need = this.lineLen + (to - from);
    const limit = this.state === State.ChunkSize ? MAX_CHUNK_LINE : MAX_HEAD_BYTES;
    if (need > limit) {
      this.fail(this.state === State.ChunkSize ? "a chunk-size line is over 4 KiB" : `the response head is over ${MAX_HEAD_BYTES / 1024} KiB`);
      return;
    }
    this.line = appendBytes(this.line, this.lineLen, buf, from, to);
    this.lineLen = need;
    if (this.state !== State.ChunkSize) {
      this.headBytes += to - from;
      if (this.headBytes > MAX_HEAD_BYTES) this.fail(`the response head is over ${MAX_HEAD_BYTES / 1024} KiB`);
    }
  }

  /** Handles a whole line (without its line break); returns the state it leads to. */
  private onLine(buf: Uint8Array, s: number, e: number, t: number): State {
    switch (this.state) {
      case State.StatusLine: {
        const why = this.statusLine(buf, s, e);
        if (why) this.fail(why);
        else this.state = State.Header;
        break;
      }
      case State.Header: {
        const why = e === s ? "" : this.field(buf, s, e);
        if (why) this.fail(why);
        else if (e === s) this.endOfHead(t);
        break;
      }
      case State.ChunkSize:
        this.chunkSize(buf, s, e);
        break;
      case State.Trailer:
        // trailer fields are skipped; a blank line ends the message
        if (e === s) this.finish(t);
        break;
    }
    return this.state;
  }

  private endOfHead(t: number): void {
    const status = this.status;
    if (status < 200) {
      // 101 switches protocols, which was not asked for; other 1xx are interim: the real response follows
      if (status === 101) {
        this.fail("101 Switching Protocols, which the request did not ask for");
        return;
      }
      this.resetHead();
      this.state = State.StatusLine;
      return;
    }
    this.frame(this.head);
    this.headRead = true;
    this.sink.head(t);
    if (this.state === State.Failed) return;
    switch (this.framing) {
      case Framing.None:
        this.finish(t);
        return;
      case Framing.Length:
        this.remaining = this.contentLength;
        if (this.remaining === 0) this.finish(t);
        else this.state = State.Length;
        return;
      case Framing.Chunked:
        this.state = State.ChunkSize;
        return;
      case Framing.Close:
        this.state = State.UntilClose;
    }
  }

  /** chunk-size [; extensions] */
  private chunkSize(buf: Uint8Array, s: number, e: number): void {
    let size = 0;
    let i = s;
    while (i < e) {
      const h = hexValue(buf[i]!);
      if (h < 0) break;
      size = size * 16 + h;
      i++;
    }
    const digits = i - s;
    while (i < e && (buf[i] === SP || buf[i] === TAB)) i++;
    if (digits === 0 || digits > MAX_CHUNK_HEX_DIGITS || (i < e && buf[i] !== SEMI)) {
      this.fail(`an invalid chunk-size line: ${snippet(buf, s, e)}`);
      return;
    }
    if (size === 0) {
      this.state = State.Trailer;
      return;
    }
    this.remaining = size;
    this.state = State.ChunkData;
  }
}
