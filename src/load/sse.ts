// Server-sent events, scanned as bytes where they arrive. The scanner finds
// event boundaries (a blank line), `data: [DONE]`, events whose JSON carries
// a non-empty string under a content key (content, reasoning, arguments,
// legacy text, or a key ending in _content and the like), the usage's
// completion_tokens, and the mock's comment that says when it sent the last
// event. One pass over each event's bytes, in place: only an event split
// across reads is copied, and nothing is decoded or parsed as JSON.
import { MOCK_TIMING } from "../mock-timing.ts";
import { appendBytes, BACKSLASH, COLON, CR, LBRACE, LF, QUOTE, SP as SPACE, TAB, UNDERSCORE, ZERO } from "./bytes.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const DATA = enc.encode("data:");
const DONE = enc.encode("[DONE]");
const LAST_EVENT = enc.encode(`: ${MOCK_TIMING.lastEventComment}=`);
/** Keys whose non-empty string value counts as generated output (also as the end of a longer key after "_": reasoning_content). */
const CONTENT_KEYS = ["content", "reasoning", "arguments", "text"].map((k) => enc.encode(k));
const USAGE = enc.encode("usage");
const COMPLETION_TOKENS = enc.encode("completion_tokens");

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

/** Whether buf[at, at + needle.length) is `needle`. */
function startsWith(buf: Uint8Array, at: number, end: number, needle: Uint8Array): boolean {
  if (end - at < needle.length) return false;
  for (let j = 0; j < needle.length; j++) if (buf[at + j] !== needle[j]) return false;
  return true;
}

/** Whether the key buf[from, to) is `name`, or ends in "_" + `name`. */
function keyIs(buf: Uint8Array, from: number, to: number, name: Uint8Array): boolean {
  const at = to - name.length;
  if (at < from || (at > from && buf[at - 1] !== UNDERSCORE)) return false;
  return startsWith(buf, at, to, name);
}

/** The digits at buf[p…), as a number; -1 when there are none. */
function digitsAt(buf: Uint8Array, p: number, end: number): number {
  let n = -1;
  for (; p < end; p++) {
    const d = buf[p]! - ZERO;
    if (d < 0 || d > 9) break;
    n = (n < 0 ? 0 : n * 10) + d;
  }
  return n;
}

const isWs = (b: number | undefined): boolean => b === SPACE || b === TAB;

export class SseScanner {
  /** An event split across reads, assembled here: buf[0, len). */
  private buf = new Uint8Array(1024);
  private len = 0;
  /** Where the line being read starts in buf. */
  private lineStart = 0;
  sawDone = false;
  /** Why the stream is not a well-formed OpenAI event stream, when it is not (the first reason seen). */
  malformed = "";

  constructor(private readonly sink: SseSink) {}

  /** Readies the scanner for the next stream (a scanner is reused from request to request). */
  reset(): void {
    this.len = 0;
    this.lineStart = 0;
    this.sawDone = false;
    this.malformed = "";
  }

  /** Scans chunk[from, to), received at tMs. */
  push(chunk: Uint8Array, from: number, to: number, tMs: number): void {
    if (this.len === 0) {
      // nothing pending: the whole events in the chunk are read where they are
      const rest = this.scan(chunk, from, from, to, tMs);
      if (rest < to) this.keep(chunk, rest, to, this.lineStart - rest);
      return;
    }
    this.append(chunk, from, to);
    const rest = this.scan(this.buf, 0, this.lineStart, this.len, tMs);
    // what is left is the start of an event: moved to the front
    if (rest > 0) {
      this.buf.copyWithin(0, rest, this.len);
      this.len -= rest;
      this.lineStart -= rest;
    }
  }

  /**
   * Reads the lines of buf from `lineFrom` to `end` (an event starts at
   * `eventFrom`); every event ended by a blank line is handled. Returns
   * where the unfinished event starts; leaves the unfinished line's start
   * in lineStart (as an offset in buf).
   */
  private scan(buf: Uint8Array, eventFrom: number, lineFrom: number, end: number, tMs: number): number {
    let ls = lineFrom;
    let ev = eventFrom;
    for (;;) {
      const nl = buf.indexOf(LF, ls);
      if (nl === -1 || nl >= end) break;
      const blank = nl === ls || (nl === ls + 1 && buf[ls] === CR);
      if (blank) {
        if (ls > ev) this.event(buf, ev, ls, tMs);
        ev = nl + 1;
      }
      ls = nl + 1;
    }
    this.lineStart = ls;
    return ev;
  }

  /** Starts the pending event with chunk[from, to), whose unfinished line starts `lineOffset` bytes in. */
  private keep(chunk: Uint8Array, from: number, to: number, lineOffset: number): void {
    this.len = 0;
    this.append(chunk, from, to);
    this.lineStart = lineOffset;
  }

  private append(chunk: Uint8Array, from: number, to: number): void {
    this.buf = appendBytes(this.buf, this.len, chunk, from, to);
    this.len += to - from;
  }

  /** One event: buf[from, end), its lines each ended by LF. */
  private event(buf: Uint8Array, from: number, end: number, tMs: number): void {
    let lineFrom = from;
    let content = false;
    while (lineFrom < end) {
      let lineEnd = buf.indexOf(LF, lineFrom);
      if (lineEnd === -1 || lineEnd > end) lineEnd = end;
      let vEnd = lineEnd;
      if (vEnd > lineFrom && buf[vEnd - 1] === CR) vEnd--;
      if (startsWith(buf, lineFrom, vEnd, DATA)) {
        let v = lineFrom + DATA.length;
        if (buf[v] === SPACE) v++;
        if (vEnd - v === DONE.length && startsWith(buf, v, vEnd, DONE)) {
          this.sawDone = true;
          this.sink.done(tMs);
        } else if (buf[v] !== LBRACE) {
          // every event of the OpenAI stream format is a JSON object, or [DONE]
          if (!this.malformed) this.malformed = `an event's data is not a JSON object: "${dec.decode(buf.subarray(v, Math.min(vEnd, v + 40)))}"`;
        } else if (this.json(buf, v, vEnd)) content = true;
      } else if (buf[lineFrom] === COLON && startsWith(buf, lineFrom, vEnd, LAST_EVENT)) {
        const us = digitsAt(buf, lineFrom + LAST_EVENT.length, vEnd);
        if (us > 0) this.sink.upstreamLast?.(us);
      }
      lineFrom = lineEnd + 1;
    }
    if (content) this.sink.content(tMs);
  }

  /**
   * One pass over a JSON object's bytes, string by string: true when a
   * content key has a non-empty string value. A usage object's
   * completion_tokens goes to the sink.
   */
  private json(buf: Uint8Array, from: number, end: number): boolean {
    let content = false;
    let usage = false;
    for (let i = from; i < end; i++) {
      if (buf[i] !== QUOTE) continue;
      // a string: [s, j), escapes skipped
      const s = i + 1;
      let j = s;
      while (j < end && buf[j] !== QUOTE) j += buf[j] === BACKSLASH ? 2 : 1;
      i = j;
      let p = j + 1;
      while (isWs(buf[p])) p++;
      if (buf[p] !== COLON) continue;
      // it was a key: look at its value
      p++;
      while (isWs(buf[p])) p++;
      if (!content && buf[p] === QUOTE && p + 1 < end && buf[p + 1] !== QUOTE) {
        for (const k of CONTENT_KEYS) {
          if (keyIs(buf, s, j, k)) {
            content = true;
            break;
          }
        }
      } else if (buf[p] === LBRACE && j - s === USAGE.length && startsWith(buf, s, j, USAGE)) usage = true;
      else if (usage && j - s === COMPLETION_TOKENS.length && startsWith(buf, s, j, COMPLETION_TOKENS)) {
        const n = digitsAt(buf, p, end);
        if (n >= 0) this.sink.usage(n);
      }
    }
    return content;
  }
}
