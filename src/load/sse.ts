// Server-sent events, scanned as bytes. The scanner finds event boundaries
// (a blank line), `data: [DONE]`, events whose delta carries non-empty
// content (content, reasoning, tool-call arguments, legacy `text`), and the
// usage chunk, which is the only one parsed as JSON; and the mock's comment
// that says when it sent the last event.
import { MOCK_TIMING } from "../metrics/mock-timing.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const DATA = enc.encode("data:");
const DONE = enc.encode("[DONE]");
const LAST_EVENT = enc.encode(`: ${MOCK_TIMING.lastEventComment}=`);
const USAGE = enc.encode('"usage"');
/** Keys whose non-empty string value counts as generated output. */
const CONTENT_KEYS = ["content", "reasoning", "arguments", "text"].map((k) => enc.encode(`${k}"`));

const LF = 10;
const CR = 13;
const QUOTE = 34;
const UNDERSCORE = 95;
const COLON = 58;
const SPACE = 32;
const TAB = 9;
const LBRACE = 123;

export interface SseSink {
  /** An event carrying non-empty content arrived (at tMs). */
  content(tMs: number): void;
  /** `data: [DONE]` arrived. */
  done(tMs: number): void;
  /** A usage chunk reported this many completion tokens. */
  usage(completionTokens: number): void;
  /** The mock's comment said when it sent the stream's last event (epoch µs). */
  upstreamLast?(epochUs: number): void;
}

export function indexOfBytes(hay: Uint8Array, needle: Uint8Array, from: number, to: number): number {
  const first = needle[0];
  const last = to - needle.length;
  outer: for (let i = hay.indexOf(first!, from); i !== -1 && i <= last; i = hay.indexOf(first!, i + 1)) {
    for (let j = 1; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

const isWs = (b: number | undefined): boolean => b === SPACE || b === TAB;

/** True when `"key": "x…"` appears in [from, to) with a non-empty string value. */
function hasNonEmptyString(buf: Uint8Array, key: Uint8Array, from: number, to: number): boolean {
  for (let i = indexOfBytes(buf, key, from, to); i !== -1; i = indexOfBytes(buf, key, i + 1, to)) {
    const before = buf[i - 1];
    if (before !== QUOTE && before !== UNDERSCORE) continue;
    let p = i + key.length;
    while (isWs(buf[p])) p++;
    if (buf[p] !== COLON) continue;
    p++;
    while (isWs(buf[p])) p++;
    if (buf[p] === QUOTE && p + 1 < to && buf[p + 1] !== QUOTE) return true;
  }
  return false;
}

export class SseScanner {
  private buf = new Uint8Array(1024);
  private len = 0;
  /** Where the line being assembled starts in buf. */
  private lineStart = 0;
  sawDone = false;
  /** Why the stream is not a well-formed OpenAI event stream, when it is not (the first reason seen). */
  malformed = "";

  constructor(private readonly sink: SseSink) {}

  /** Scans chunk[from, to), received at tMs. */
  push(chunk: Uint8Array, from: number, to: number, tMs: number): void {
    let pos = from;
    while (pos < to) {
      let nl = chunk.indexOf(LF, pos);
      if (nl >= to) nl = -1;
      const end = nl === -1 ? to : nl + 1;
      this.append(chunk, pos, end);
      pos = end;
      if (nl !== -1) this.endOfLine(tMs);
    }
  }

  /** Readies the scanner for the next stream (a scanner is reused from request to request). */
  reset(): void {
    this.len = 0;
    this.lineStart = 0;
    this.sawDone = false;
    this.malformed = "";
  }

  private append(chunk: Uint8Array, from: number, to: number): void {
    const need = this.len + (to - from);
    if (need > this.buf.length) {
      const bigger = new Uint8Array(Math.max(need, this.buf.length * 2));
      bigger.set(this.buf.subarray(0, this.len));
      this.buf = bigger;
    }
    this.buf.set(chunk.subarray(from, to), this.len);
    this.len = need;
  }

  /** buf ends with LF: decide whether the line just completed is blank. */
  private endOfLine(tMs: number): void {
    let lineLen = this.len - 1 - this.lineStart;
    if (lineLen > 0 && this.buf[this.len - 2] === CR) lineLen--;
    if (lineLen > 0) {
      this.lineStart = this.len;
      return;
    }
    // Blank line: the event is buf[0, lineStart).
    if (this.lineStart > 0) this.event(this.lineStart, tMs);
    this.len = 0;
    this.lineStart = 0;
  }

  private event(end: number, tMs: number): void {
    const buf = this.buf;
    let lineFrom = 0;
    let content = false;
    while (lineFrom < end) {
      let lineEnd = buf.indexOf(LF, lineFrom);
      if (lineEnd === -1 || lineEnd > end) lineEnd = end;
      if (indexOfBytes(buf, DATA, lineFrom, lineFrom + DATA.length) === lineFrom) {
        let v = lineFrom + DATA.length;
        if (buf[v] === SPACE) v++;
        let vEnd = lineEnd;
        if (buf[vEnd - 1] === CR) vEnd--;
        if (vEnd - v === DONE.length && indexOfBytes(buf, DONE, v, vEnd) === v) {
          this.sawDone = true;
          this.sink.done(tMs);
        } else if (buf[v] !== LBRACE) {
          // every event of the OpenAI stream format is a JSON object, or [DONE]
          if (!this.malformed) this.malformed = `an event's data is not a JSON object: "${dec.decode(buf.subarray(v, Math.min(vEnd, v + 40)))}"`;
        } else {
          if (!content) content = CONTENT_KEYS.some((k) => hasNonEmptyString(buf, k, v, vEnd));
          this.maybeUsage(v, vEnd);
        }
      } else if (buf[lineFrom] === COLON && indexOfBytes(buf, LAST_EVENT, lineFrom, lineFrom + LAST_EVENT.length) === lineFrom) {
        const us = Number(dec.decode(buf.subarray(lineFrom + LAST_EVENT.length, lineEnd)).trim());
        if (us > 0) this.sink.upstreamLast?.(us);
      }
      lineFrom = lineEnd + 1;
    }
    if (content) this.sink.content(tMs);
  }

  private maybeUsage(from: number, to: number): void {
    const at = indexOfBytes(this.buf, USAGE, from, to);
    if (at === -1) return;
    let p = at + USAGE.length;
    while (isWs(this.buf[p])) p++;
    if (this.buf[p] !== COLON) return;
    p++;
    while (isWs(this.buf[p])) p++;
    if (this.buf[p] !== LBRACE) return; // "usage": null
    try {
      const chunk = JSON.parse(dec.decode(this.buf.subarray(from, to)));
      const n = chunk?.usage?.completion_tokens;
      if (typeof n === "number" && n >= 0) this.sink.usage(n);
    } catch {
      // A malformed usage chunk only means tokens are counted from events instead.
    }
  }
}
