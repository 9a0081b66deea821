// The units a gate's bound may take, by the quantity its metric measures,
// each with its factor to the unit the summary holds values in.
import type { Quantity } from "./expr.ts";

/** Unit → factor to the quantity's base unit (ms, MB as the report counts it: 2^20 bytes, %, /s). */
export const UNITS: Record<string, { quantity: Quantity; factor: number }> = {
  us: { quantity: "time", factor: 0.001 },
  µs: { quantity: "time", factor: 0.001 },
  μs: { quantity: "time", factor: 0.001 },
  ms: { quantity: "time", factor: 1 },
  s: { quantity: "time", factor: 1000 },
  m: { quantity: "time", factor: 60_000 },
  min: { quantity: "time", factor: 60_000 },
  b: { quantity: "size", factor: 1 / 2 ** 20 },
  kb: { quantity: "size", factor: 1 / 1024 },
  kib: { quantity: "size", factor: 1 / 1024 },
  mb: { quantity: "size", factor: 1 },
  mib: { quantity: "size", factor: 1 },
  gb: { quantity: "size", factor: 1024 },
  gib: { quantity: "size", factor: 1024 },
  "%": { quantity: "percent", factor: 1 },
  "/s": { quantity: "rate", factor: 1 },
  rps: { quantity: "rate", factor: 1 },
  "req/s": { quantity: "rate", factor: 1 },
};

export const UNIT_NAMES: Record<Quantity, string> = {
  time: "a time (us, ms, s, m)",
  size: "a size (B, KB, MB, GB)",
  percent: "a percentage (%)",
  ratio: "a ratio (99.9% or 0.999)",
  rate: "a rate (a number, or /s)",
  count: "a count (a whole number, no unit)",
  number: "a number",
};

/** The unit summary.slo reports each quantity's values in. */
export const QUANTITY_UNIT: Record<Quantity, string> = { time: "ms", size: "MB", percent: "%", ratio: "ratio", rate: "/s", count: "", number: "" };
