// SLO gates (k6-style thresholds) checked against a run's summary.
//
// An expression is `metric[.stat] op value[unit]`: `latency.p99 < 250ms`,
// `success >= 99.9%`, `rss.load.max < 100MB`, `errors.timeout == 0`. Each
// metric has a quantity (a time, a size, a percentage…); the bound's unit
// must be one of that quantity's, and is converted to the unit the summary
// holds it in (ms, MB, %, a ratio, per second, a count). A malformed
// expression throws SloError, which says where in the text it went wrong.
import type { Summary } from "../summary.ts";

/** What a metric measures, which decides the units its bound may take. */
export type Quantity = "time" | "size" | "percent" | "ratio" | "rate" | "count" | "number";

/** What a run must have for a metric to be measured. */
export type Need = "stream" | "baseline" | "mock" | "gateway-samples";

export const OPS = ["<=", ">=", "==", "!=", "<", ">"] as const;
export type Op = (typeof OPS)[number];

export interface Slo {
  /** The expression as written (trimmed). */
  expr: string;
  /** The metric part, e.g. "latency.p99". */
  metric: string;
  op: Op;
  /** The bound in the metric's own unit (ms, MB, %, ratio, per second, count). */
  bound: number;
  quantity: Quantity;
  /** The unit values are reported in: ms, MB, %, ratio, /s, MB/min, or "" for counts and plain numbers. */
  unit: string;
  needs: Need[];
  /** The metric's value in a summary; undefined when the run did not measure it. */
  read(s: Summary): number | undefined;
  /** For overhead metrics: the half-width of the value's 95 % band. */
  band?(s: Summary): number | null | undefined;
}

/** An expression that cannot be read: `at` and `length` mark the offending part of `expr`. */
export class SloError extends Error {
  constructor(
    readonly expr: string,
    readonly at: number,
    readonly length: number,
    readonly reason: string,
  ) {
    super(reason);
  }

  /** The reason, then the expression with the bad part underlined. */
  explain(prefix = ""): string {
    const pad = " ".repeat(prefix.length);
    return `${prefix}"${this.expr}": ${this.reason}\n${pad}  ${this.expr}\n${pad}  ${" ".repeat(this.at)}${"^".repeat(Math.max(1, this.length))}`;
  }
}
