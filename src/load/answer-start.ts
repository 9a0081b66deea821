// The start of a unary 2xx answer, read for its API's shape (shape.ts):
// where the whole body (or its first kilobyte) arrives in one read, it is
// read in place; otherwise its first kilobyte is copied into a buffer made
// once per connection, byte by byte, and read when the answer is complete.
// The marker that tells an API (an `object` or `type` value, a key only one
// API has) sits in the first keys of an answer.
import type { Api } from "../apis.ts";
import { ErrorKind, type RequestResult } from "../metrics/outcome.ts";
import { wrongShape } from "./shape.ts";

/** Bytes of an answer's start that are read for its shape. */
export const START_BYTES = 1024;

export class AnswerStart {
  private readonly start = new Uint8Array(START_BYTES);
  private len = 0;
  private told = false;
  private why = "";

  constructor(private readonly api: Api) {}

  /** Readies it for the next answer. */
  reset(): void {
    this.len = 0;
    this.told = false;
    this.why = "";
  }

  /** Body bytes buf[from, to), in order; `whole`: they are the whole body. */
  feed(buf: Uint8Array, from: number, to: number, whole: boolean): void {
    if (this.told) return;
    if (this.len === 0 && (whole || to - from >= START_BYTES)) {
      this.tell(buf, from, Math.min(to, from + START_BYTES));
      return;
    }
    const n = Math.min(to - from, START_BYTES - this.len);
    // a loop, not set(subarray()): no view object per read
    for (let k = 0; k < n; k++) this.start[this.len + k] = buf[from + k]!;
    this.len += n;
    if (this.len === START_BYTES) this.tell(this.start, 0, this.len);
  }

  /** Why the answer is another API's ("" when it is this one's, or no API's), once it is complete. */
  verdict(): string {
    if (!this.told && this.len > 0) this.tell(this.start, 0, this.len);
    return this.why;
  }

  /** A complete 2xx answer in another API's shape fails its request as wrong_shape. */
  judge(r: RequestResult): void {
    const why = this.verdict();
    if (!why) return;
    r.error = ErrorKind.WrongShape;
    r.errorMessage = why;
  }

  private tell(buf: Uint8Array, from: number, to: number): void {
    this.why = wrongShape(this.api, buf, from, to, false);
    this.told = true;
  }
}
