// The live progress line on stderr while the load runs. It counts what the
// report counts: the measured requests through the gateway (no warm-up, no
// baseline), with their send rate, ok, errors and p99 so far; the time is
// the wall clock of the load phase, whose plan includes the warm-up and the
// baseline's share.
import { fmtMs } from "./format.ts";

export interface ProgressFigures {
  elapsedMs: number;
  /** The load phase's planned length (warm-up and baseline included); undefined when it ends on a request count. */
  plannedMs: number | undefined;
  /** The warm-up in front of the measured load, ms (0: none). */
  warmupMs?: number;
  /** The baseline shares the load phase: its requests are not counted here, and the rate is left out. */
  baseline?: boolean;
  inFlight: number;
  /** p99 latency through the gateway so far; -1 before any. */
  p99Ms: number;
  /** The measured requests through the gateway so far, as the report counts them. */
  measured: { total: number; ok: number; dropped: number };
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;

export function progressLine(p: ProgressFigures): string {
  const of = p.plannedMs === undefined ? "" : ` / ${seconds(p.plannedMs)}`;
  const warmupMs = p.warmupMs ?? 0;
  if (p.elapsedMs < warmupMs) return `${seconds(p.elapsedMs)}${of}  warm-up (not counted)  in flight ${p.inFlight}`;
  const m = p.measured;
  const measuredMs = p.elapsedMs - warmupMs;
  const rate = !p.baseline && measuredMs > 0 ? ` (${Math.round(m.total / (measuredMs / 1000))}/s)` : "";
  const p99 = p.p99Ms < 0 ? "-" : `${fmtMs(p.p99Ms)} ms`;
  const dropped = m.dropped > 0 ? `  dropped ${m.dropped}` : "";
  const gateway = p.baseline ? "  through the gateway:" : "";
  return `${seconds(p.elapsedMs)}${of}${gateway}  sent ${m.total}${rate}  ok ${m.ok}  errors ${m.total - m.ok}${dropped}  p99 ${p99}  in flight ${p.inFlight}`;
}
