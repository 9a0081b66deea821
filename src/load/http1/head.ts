// The head of an HTTP/1.1 response (RFC 9112), read from the bytes of its
// lines: the status line, the few header fields the client needs (matched
// as bytes, case-insensitive), and from them how the body is framed and
// whether the connection stays open. The response parser reads lines and
// the body; this is what it makes of the head's lines.
import { COLON, SP, TAB, ZERO } from "../bytes.ts";
import { CLOSE, decimal, equalsLower, hasToken, HTTP1, IDENTITY, KEEP_ALIVE, lastIsChunked, latin1, listedLength, NAMES, snippet } from "./fields.ts";

/** How the end of the body is known. */
export const enum Framing {
  None,
  Length,
  Chunked,
  Close,
}

export class ResponseHead {
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
  /** Set to read content-type. */
  wantContentType = false;
  protected http10 = false;
  protected sawLength = false;
  protected sawChunked = false;
  protected sawTe = false;
  /** Bytes of head lines read (interim responses' heads included). */
  protected headBytes = 0;

  /** Forgets the head read (a new response, or the real one after a 1xx). */
  protected resetHead(): void {
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

  /** Reads the status line (HTTP/1.x SP 3DIGIT [SP reason]); returns why it is malformed, or "". */
  protected statusLine(buf: Uint8Array, s: number, e: number): string {
    let ok = e - s >= 12 && buf[s + 8] === SP && (e - s === 12 || buf[s + 12] === SP);
    for (let i = 0; ok && i < HTTP1.length; i++) ok = buf[s + i] === HTTP1[i];
    const minor = buf[s + 7]! - ZERO;
    const status = ok ? decimal(buf, s + 9, s + 12) : -1;
    if (!ok || minor < 0 || minor > 9 || status < 100) {
      return `not an HTTP/1.x status line: ${snippet(buf, s, e)}`;
    }
    this.status = status;
    this.http10 = minor === 0;
    // HTTP/1.0 closes after each response unless it says keep-alive
    this.keepAlive = !this.http10;
    return "";
  }

  /** Reads one header field line, keeping what the client needs; returns why it is malformed, or "". */
  protected field(buf: Uint8Array, s: number, e: number): string {
    const colon = buf.indexOf(COLON, s);
    if (colon === -1 || colon >= e || colon === s) {
      return `a header line without a field name and colon: ${snippet(buf, s, e)}`;
    }
    if (buf[colon - 1] === SP || buf[colon - 1] === TAB) {
      return `whitespace between a field name and its colon: ${snippet(buf, s, e)}`;
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
          return `an invalid content-length: ${snippet(buf, v, ve)}`;
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
    return "";
  }

  /** Decides how the body is framed, once the head is read (`headRequest`: no body follows a HEAD). */
  protected frame(headRequest: boolean): void {
    const status = this.status;
    if (headRequest || status === 204 || status === 304) this.framing = Framing.None;
    else if (this.sawTe) {
      // transfer-encoding overrides content-length; a body not chunked last runs to the close
      this.framing = this.sawChunked ? Framing.Chunked : Framing.Close;
      if (this.sawLength) this.keepAlive = false;
    } else if (this.sawLength) this.framing = Framing.Length;
    else this.framing = Framing.Close;
    if (this.framing === Framing.Close) this.keepAlive = false;
  }
}

const numberOr = (n: number): number => (n > 0 ? n : Number.NaN);
