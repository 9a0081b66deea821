// Byte-level helpers of the response readers (the HTTP/1.1 parser, the SSE
// scanner): the ASCII codes they look for, and bytes kept between reads (a
// line or an event split across socket reads).

export const TAB = 9;
export const LF = 10;
export const CR = 13;
export const SP = 32;
export const QUOTE = 34;
export const COMMA = 44;
export const ZERO = 48;
export const COLON = 58;
export const SEMI = 59;
export const BACKSLASH = 92;
export const UNDERSCORE = 95;
export const LBRACKET = 91;
export const RBRACKET = 93;
export const LBRACE = 123;
export const RBRACE = 125;

/** Appends src[from, to) to dst[0, len), growing dst (doubling) when it is full; returns dst or its larger copy. */
export function appendBytes(dst: Uint8Array<ArrayBuffer>, len: number, src: Uint8Array, from: number, to: number): Uint8Array<ArrayBuffer> {
  const need = len + (to - from);
  let out = dst;
  if (need > dst.length) {
    out = new Uint8Array(Math.max(need, dst.length * 2));
    out.set(dst.subarray(0, len));
  }
  out.set(src.subarray(from, to), len);
  return out;
}
