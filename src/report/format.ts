// Number formatting shared by the reporters: fixed decimals, units on every figure.
import { withinNoise } from "../metrics/overhead.ts";

export const fmtMs = (ms: number | undefined): string => (ms === undefined ? "-" : ms >= 100 ? ms.toFixed(1) : ms >= 10 ? ms.toFixed(2) : ms.toFixed(3));
export const fmtRate = (r: number): string => r.toFixed(2);
export const fmtPct = (ratio: number): string => `${(ratio * 100).toFixed(2)} %`;
export const fmtMb = (mb: number): string => `${mb.toFixed(1)} MB`;
export const fmtCpu = (pct: number | null): string => (pct === null ? "-" : `${pct.toFixed(1)} %`);
export const fmtSeconds = (ms: number): string => `${+(ms / 1000).toFixed(3)} s`;
/** A signed difference in ms with its 95 % band: "+1.21 ±0.04"; "~0 (+0.02 ±0.05)" within noise; "(+0.9, few requests)" without a band. */
export const fmtOverhead = (value: number, band: number | null): string => {
  const diff = `${value >= 0 ? "+" : "−"}${fmtMs(Math.abs(value))}`;
  if (band === null) return `(${diff}, too few)`;
  const signed = `${diff} ±${fmtMs(band)}`;
  return withinNoise(value, band) ? `~0 (${signed})` : signed;
};

/** How much load an early end came after: "after 2.5 s of load", or "before the load began" (Ctrl-C in the idle phase). */
export const loadLasted = (loadMs: number): string => (loadMs > 0 ? `after ${fmtSeconds(loadMs)} of load` : "before the load began");

/** "kind: n (first: message)" for each error kind of a path's summary (the gateway's, or the baseline's). */
export const errorItems = (s: { errors: Record<string, number>; error_samples?: Record<string, string> }): string[] =>
  Object.entries(s.errors).map(([kind, n]) => `${kind}: ${n}${s.error_samples?.[kind] ? ` (first: ${s.error_samples[kind]})` : ""}`);
