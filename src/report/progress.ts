// The live progress line on stderr while the load runs: elapsed (of the
// planned length), requests sent, send rate, in flight, p99 so far, errors.
import { fmtMs } from "./format.ts";

export interface ProgressFigures {
  elapsedMs: number;
  /** The load phase's planned length (warm-up and baseline included); undefined when it ends on a request count. */
  plannedMs: number | undefined;
  sent: number;
  inFlight: number;
  ok: number;
  failed: number;
  /** p99 latency through the gateway so far; -1 before any. */
  p99Ms: number;
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;

export function progressLine(p: ProgressFigures): string {
  const of = p.plannedMs === undefined ? "" : ` / ${seconds(p.plannedMs)}`;
  const rate = p.elapsedMs > 0 ? Math.round(p.sent / (p.elapsedMs / 1000)) : 0;
  const p99 = p.p99Ms < 0 ? "-" : `${fmtMs(p.p99Ms)} ms`;
  return `${seconds(p.elapsedMs)}${of}  sent ${p.sent} (${rate}/s)  in flight ${p.inFlight}  ok ${p.ok}  errors ${p.failed}  p99 ${p99}`;
}
