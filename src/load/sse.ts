// Server-sent events, scanned as bytes where they arrive. The scanner finds
// event boundaries (a blank line), and in each event's JSON what its API's
// dialect (dialects.ts) names: keys whose non-empty string value is
// generated output, the usage's output tokens, the event that ends the
// stream well or as a failure; and the mock's comment that says when it sent
// the last event. The first event's shape is checked against the API asked
// for (shape.ts). One pass over each event's bytes, in place: only an event
// split across reads is copied, and nothing is decoded or parsed as JSON.
import { MOCK_TIMING } from "../mock-timing.ts";
import { appendBytes, BACKSLASH, COLON, CR, LBRACE, LF, QUOTE, SP as SPACE, TAB, UNDERSCORE, ZERO } from "./bytes.ts";
import { DIALECTS, type Dialect } from "./dialects.ts";
import { wrongShape } from "./shape.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const DATA = enc.encode("data:");
const DONE = enc.encode("[DONE]");
const TYPE = enc.encode("type");
const LAST_EVENT = enc.encode(`: ${MOCK_TIMING.lastEventComment}=`);
/** Characters of an event kept in a message about it. */
const SNIPPET = 160;

export interface SseSink {
  /** An event carrying non-empty content arrived (at tMs). */
  content(tMs: number): void;
  /** The event that ends the stream arrived (`data: [DONE]`, message_stop, response.completed). */
  done(tMs: number): void;
  /** A usage report gave this many output tokens. */
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

/** Whether the key buf[from, to) is `name` (or, with `suffix`, ends in "_" + `name`). */
function keyIs(buf: Uint8Array, from: number, to: number, name: Uint8Array, suffix: boolean): boolean {
  const at = to - name.length;
  if (at < from || (at > from && (!suffix || buf[at - 1] !== UNDERSCORE))) return false;
  return startsWith(buf, at, to, name);
}

/** Whether buf[from, to) is one of `words`. */
function oneOf(buf: Uint8Array, from: number, to: number, words: readonly Uint8Array[]): boolean {
  for (let i = 0; i < words.length; i++) if (to - from === words[i]!.length && startsWith(buf, from, to, words[i]!)) return true;
  return false;
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

/** Whether the key buf[s, e) is one of `keys` (an indexed loop: for…of over a dialect's array cost the chat stream a tenth of its scan time). */
function contentKey(buf: Uint8Array, s: number, e: number, keys: readonly Uint8Array[], suffix: boolean): boolean {
  for (let i = 0; i < keys.length; i++) if (keyIs(buf, s, e, keys[i]!, suffix)) return true;
  return false;
}

export class SseScanner {
  /** An event split across reads, assembled here: buf[0, len). */
  private buf = new Uint8Array(1024);
  private len = 0;
  /** Where the line being read starts in buf. */
  private lineStart = 0;
  /** The first data event has been seen (its shape checked). */
  private shapeSeen = false;
  private readonly typed: boolean;
  /** The stream ended well: its end event arrived (Gemini: a chunk with a finishReason). */
  sawDone = false;
  /** Why the stream is not a well-formed event stream, when it is not (the first reason seen). */
  malformed = "";
  /** The stream is another API's (its first event said so); nothing more of it is read. */
  wrongShape = "";
  /** The event that ended the stream as a failure (response.failed, an error event), when one did. */
  failure = "";

  /**
   * `dialect`: the API's events (chat unless told); `checkShape`: whether a
   * first event in another API's shape fails the stream (not for a chat
   * run on a path that is not a chat endpoint, which may answer anything).
   */
  constructor(
    private readonly sink: SseSink,
    readonly d: Dialect = DIALECTS.chat,
    private readonly checkShape = true,
  ) {
    this.typed = d.endTypes.length + d.failTypes.length > 0;
  }

  /** Readies the scanner for the next stream (a scanner is reused from request to request). */
  reset(): void {
    this.len = 0;
    this.lineStart = 0;
    this.shapeSeen = false;
    this.sawDone = false;
    this.malformed = "";
    this.wrongShape = "";
    this.failure = "";
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
    // another API's stream: its events mean nothing in this one's terms
    if (this.wrongShape) return;
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
        if (buf[v] === LBRACE) {
          if (!this.shapeSeen) this.firstEvent(buf, v, vEnd);
          if (!this.wrongShape && this.json(buf, v, vEnd, tMs)) content = true;
        } else if (vEnd - v === DONE.length && startsWith(buf, v, vEnd, DONE)) {
          // the other APIs end with their own event; a [DONE] after it (as some gateways add) is no harm
          if (this.d.doneData) {
            this.sawDone = true;
            this.sink.done(tMs);
          }
        } else if (!this.malformed) {
          // every event of these stream formats is a JSON object (or chat's [DONE])
          this.malformed = `an event's data is not a JSON object: "${dec.decode(buf.subarray(v, Math.min(vEnd, v + 40)))}"`;
        }
      } else if (buf[lineFrom] === COLON && startsWith(buf, lineFrom, vEnd, LAST_EVENT)) {
        const us = digitsAt(buf, lineFrom + LAST_EVENT.length, vEnd);
        if (us > 0) this.sink.upstreamLast?.(us);
      }
      lineFrom = lineEnd + 1;
    }
    if (content) this.sink.content(tMs);
  }

  /** The stream's first data event: in another API's shape, the stream is that API's, not this one's. */
  private firstEvent(buf: Uint8Array, from: number, end: number): void {
    this.shapeSeen = true;
    if (this.checkShape) this.wrongShape = wrongShape(this.d.api, buf, from, end, true);
  }

  /**
   * One pass over a JSON object's bytes, string by string: true when a
   * content key has a non-empty string value. The usage's output tokens go
   * to the sink; a `type` that ends the stream (well or not), or a finish
   * key, is noted.
   */
  private json(buf: Uint8Array, from: number, end: number, tMs: number): boolean {
    const d = this.d;
    const contentKeys = d.content;
    const suffix = d.contentSuffix;
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
      if (buf[p] === QUOTE) {
        // a string value; only a non-empty one tells anything
        if (p + 1 >= end || buf[p + 1] === QUOTE) continue;
        if (!content && contentKey(buf, s, j, contentKeys, suffix)) content = true;
        else if (this.typed && j - s === TYPE.length && startsWith(buf, s, j, TYPE)) this.typeValue(buf, p + 1, end, from, tMs);
        else if (d.finish && j - s === d.finish.length && startsWith(buf, s, j, d.finish)) this.sawDone = true;
      } else if (buf[p] === LBRACE && j - s === d.usage.length && startsWith(buf, s, j, d.usage)) usage = true;
      else if (usage && j - s === d.tokens.length && startsWith(buf, s, j, d.tokens)) {
        const n = digitsAt(buf, p, end);
        if (n >= 0) this.sink.usage(n);
      }
    }
    return content;
  }

  /** A `type` whose value starts at buf[v]: the stream's end event, or one that ends it as a failure (the event, from `eventFrom`, kept in the message). */
  private typeValue(buf: Uint8Array, v: number, end: number, eventFrom: number, tMs: number): void {
    let ve = v;
    while (ve < end && buf[ve] !== QUOTE) ve += buf[ve] === BACKSLASH ? 2 : 1;
    if (oneOf(buf, v, ve, this.d.endTypes)) {
      this.sawDone = true;
      this.sink.done(tMs);
    } else if (!this.failure && oneOf(buf, v, ve, this.d.failTypes)) {
      const text = dec.decode(buf.subarray(eventFrom, Math.min(end, eventFrom + SNIPPET)));
      this.failure = `the stream ended in ${dec.decode(buf.subarray(v, ve))}: ${text}${end - eventFrom > SNIPPET ? "…" : ""}`;
    }
  }
}
