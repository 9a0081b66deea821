// An incremental HTTP/1.1 response parser over bytes as they come off a
// socket (RFC 9112): the status line and headers, then the body framed by
// content-length, by chunked transfer coding (extensions and trailers
// skipped), or by the connection's close; no body for HEAD, 1xx, 204 and
// 304; 1xx interim responses skipped. Only the few header fields the client
// needs are read, straight from the bytes. The parser never throws on what
// the server sends: a malformed response sets `failure` and stops.

import { appendBytes, COLON, CR, LF, SEMI, SP, TAB, ZERO } from "../bytes.ts";
import { CLOSE, decimal, equalsLower, hasToken, hexValue, HTTP1, IDENTITY, KEEP_ALIVE, lastIsChunked, latin1, listedLength, NAMES, snippet } from "./fields.ts";

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

/** How the end of the body is known. */
export const enum Framing {
  None,
  Length,
  Chunked,
  Close,
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

export class ResponseParser {
  // the response's fields, valid from head() on
  status = 0;
  /** The connection may carry another request after this response. */
  keepAlive = true;
  framing: Framing = Framing.None;
  /** Body bytes announced by content-length (-1: none). */
  contentLength = -1;
  /** content-type, read only when `wantContentType` is set (streams check it). */
  contentType = "";
  /** content-encoding other than identity was given. */
  encoded = false;
  /** The mock's timing headers (epoch µs), NaN when absent or not a number. */
  mockReceivedUs = Number.NaN;
  mockSentUs = Number.NaN;
  /** Why the response is malformed; empty while it is not. */
  failure = "";
  /** Response bytes seen (head and body, interim responses included). */
  bytes = 0;
  /** Body bytes delivered. */
  bodyBytes = 0;

  wantContentType = false;
  private head = false;
  private state = State.StatusLine;
  private headBytes = 0;
  private remaining = 0;
  private http10 = false;
  private sawLength = false;
  private sawChunked = false;
  private sawTe = false;
  /** A line split across reads is assembled here. */
  private line = new Uint8Array(256);
  private lineLen = 0;

  constructor(private readonly sink: ResponseSink) {}

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

  private resetHead(): void {
    this.status = 0;
    this.keepAlive = true;
    this.framing = Framing.None;
    this.contentLength = -1;
    this.contentType = "";
    this.encoded = false;
    this.mockReceivedUs = Number.NaN;
    this.mockSentUs = Number.NaN;
    this.headBytes = 0;
    this.http10 = false;
    this.sawLength = false;
    this.sawChunked = false;
    this.sawTe = false;
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
      case State.StatusLine:
        this.statusLine(buf, s, e);
        break;
      case State.Header:
        if (e === s) this.endOfHead(t);
        else this.field(buf, s, e);
        break;
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

  /** HTTP/1.x SP 3DIGIT [SP reason] */
  private statusLine(buf: Uint8Array, s: number, e: number): void {
    let ok = e - s >= 12 && buf[s + 8] === SP && (e - s === 12 || buf[s + 12] === SP);
    for (let i = 0; ok && i < HTTP1.length; i++) ok = buf[s + i] === HTTP1[i];
    const minor = buf[s + 7]! - ZERO;
    const status = ok ? decimal(buf, s + 9, s + 12) : -1;
    if (!ok || minor < 0 || minor > 9 || status < 100) {
      this.fail(`not an HTTP/1.x status line: ${snippet(buf, s, e)}`);
      return;
    }
    this.status = status;
    this.http10 = minor === 0;
    // HTTP/1.0 closes after each response unless it says keep-alive
    this.keepAlive = !this.http10;
    this.state = State.Header;
  }

  private field(buf: Uint8Array, s: number, e: number): void {
    const colon = buf.indexOf(COLON, s);
    if (colon === -1 || colon >= e || colon === s) {
      this.fail(`a header line without a field name and colon: ${snippet(buf, s, e)}`);
      return;
    }
    if (buf[colon - 1] === SP || buf[colon - 1] === TAB) {
      this.fail(`whitespace between a field name and its colon: ${snippet(buf, s, e)}`);
      return;
    }
    let v = colon + 1;
    while (v < e && (buf[v] === SP || buf[v] === TAB)) v++;
    let ve = e;
    while (ve > v && (buf[ve - 1] === SP || buf[ve - 1] === TAB)) ve--;
    const len = colon - s;
    const first = buf[s]! | 0x20;
    // the first letter and the length sort out most fields before a byte compare
    if (first === 99 /* c */) {
      if (len === 14 && equalsLower(buf, s, colon, NAMES.contentLength)) {
        const n = listedLength(buf, v, ve);
        if (n < 0 || (this.sawLength && n !== this.contentLength)) {
          this.fail(`an invalid content-length: ${snippet(buf, v, ve)}`);
          return;
        }
        this.contentLength = n;
        this.sawLength = true;
      } else if (len === 10 && equalsLower(buf, s, colon, NAMES.connection)) {
        if (hasToken(buf, v, ve, CLOSE)) this.keepAlive = false;
        else if (this.http10 && hasToken(buf, v, ve, KEEP_ALIVE)) this.keepAlive = true;
      } else if (len === 12 && this.wantContentType && equalsLower(buf, s, colon, NAMES.contentType)) {
        this.contentType = latin1.decode(buf.subarray(v, ve)).toLowerCase();
      } else if (len === 16 && equalsLower(buf, s, colon, NAMES.contentEncoding)) {
        if (ve > v && !equalsLower(buf, v, ve, IDENTITY)) this.encoded = true;
      }
    } else if (first === 116 /* t */) {
      if (len === 17 && equalsLower(buf, s, colon, NAMES.transferEncoding)) {
        this.sawTe = true;
        // of several transfer-encoding fields, the last coding of the last one decides
        this.sawChunked = lastIsChunked(buf, v, ve);
      }
    } else if (first === 120 /* x */) {
      if (len === 18 && equalsLower(buf, s, colon, NAMES.mockReceivedUs)) this.mockReceivedUs = numberOr(decimal(buf, v, ve));
      else if (len === 14 && equalsLower(buf, s, colon, NAMES.mockSentUs)) this.mockSentUs = numberOr(decimal(buf, v, ve));
    }
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
    if (this.head || status === 204 || status === 304) this.framing = Framing.None;
    else if (this.sawTe) {
      // transfer-encoding overrides content-length; a body not chunked last runs to the close
      this.framing = this.sawChunked ? Framing.Chunked : Framing.Close;
      if (this.sawLength) this.keepAlive = false;
    } else if (this.sawLength) this.framing = Framing.Length;
    else this.framing = Framing.Close;
    if (this.framing === Framing.Close) this.keepAlive = false;
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

const numberOr = (n: number): number => (n > 0 ? n : Number.NaN);
