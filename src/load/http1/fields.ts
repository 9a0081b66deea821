// The bytes of HTTP/1.1 header fields, read where they lie: the names the
// client looks for, case-insensitive matches, token lists, numbers, and a
// printable snippet for error messages. For the response parser.
import { COMMA, SP, TAB, ZERO } from "../bytes.ts";

const enc = new TextEncoder();
/** Field names the client reads (lower case). */
export const NAMES = {
  contentLength: enc.encode("content-length"),
  transferEncoding: enc.encode("transfer-encoding"),
  connection: enc.encode("connection"),
  contentType: enc.encode("content-type"),
  contentEncoding: enc.encode("content-encoding"),
  mockReceivedUs: enc.encode("x-mock-received-us"),
  mockSentUs: enc.encode("x-mock-sent-us"),
};
export const CHUNKED = enc.encode("chunked");
export const CLOSE = enc.encode("close");
export const KEEP_ALIVE = enc.encode("keep-alive");
export const IDENTITY = enc.encode("identity");
export const HTTP1 = enc.encode("HTTP/1.");
export const latin1 = new TextDecoder("latin1");

/** Case-insensitive match of buf[from, to) against a lower-case ASCII name ('-' and digits are unchanged by | 0x20). */
export function equalsLower(buf: Uint8Array, from: number, to: number, name: Uint8Array): boolean {
  if (to - from !== name.length) return false;
  for (let i = 0; i < name.length; i++) if ((buf[from + i]! | 0x20) !== name[i]) return false;
  return true;
}

/** Whether a comma-separated list in buf[from, to) holds `token` (case-insensitive). */
export function hasToken(buf: Uint8Array, from: number, to: number, token: Uint8Array): boolean {
  let i = from;
  while (i < to) {
    while (i < to && (buf[i] === SP || buf[i] === TAB || buf[i] === COMMA)) i++;
    let e = i;
    while (e < to && buf[e] !== COMMA) e++;
    let t = e;
    while (t > i && (buf[t - 1] === SP || buf[t - 1] === TAB)) t--;
    if (equalsLower(buf, i, t, token)) return true;
    i = e + 1;
  }
  return false;
}

/** The last coding of a transfer-encoding list is chunked. */
export function lastIsChunked(buf: Uint8Array, from: number, to: number): boolean {
  let t = to;
  while (t > from && (buf[t - 1] === SP || buf[t - 1] === TAB)) t--;
  let s = t;
  while (s > from && buf[s - 1] !== COMMA) s--;
  while (s < t && (buf[s] === SP || buf[s] === TAB)) s++;
  return equalsLower(buf, s, t, CHUNKED);
}

/** A decimal integer filling buf[from, to), or -1. */
export function decimal(buf: Uint8Array, from: number, to: number): number {
  // 16 digits: epoch microseconds (1.8e15) fit, and stay exact below 2^53
  if (to <= from || to - from > 16) return -1;
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = buf[i]! - ZERO;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

export const hexValue = (b: number): number => (b >= 48 && b <= 57 ? b - 48 : b >= 97 && b <= 102 ? b - 87 : b >= 65 && b <= 70 ? b - 55 : -1);

/** Printable text of a few bytes, for an error message. */
export function snippet(buf: Uint8Array, from: number, to: number, max = 40): string {
  const s = latin1.decode(buf.subarray(from, Math.min(to, from + max)));
  return JSON.stringify(s + (to - from > max ? "…" : ""));
}

/** A content-length value: digits, or a list of the same digits ("5, 5"); -1 when not. */
export function listedLength(buf: Uint8Array, v: number, ve: number): number {
  const comma = buf.indexOf(COMMA, v);
  if (comma === -1 || comma >= ve) return decimal(buf, v, ve);
  let n = -1;
  let i = v;
  while (i <= ve) {
    let e = buf.indexOf(COMMA, i);
    if (e === -1 || e > ve) e = ve;
    let a = i;
    let b = e;
    while (a < b && (buf[a] === SP || buf[a] === TAB)) a++;
    while (b > a && (buf[b - 1] === SP || buf[b - 1] === TAB)) b--;
    const x = decimal(buf, a, b);
    if (x < 0 || (n >= 0 && x !== n)) return -1;
    n = x;
    i = e + 1;
  }
  return n;
}
