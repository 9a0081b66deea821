// Flag values: parsed, checked, and on failure explained in one line that
// names the flag, the value, what was expected and an example.
import { UsageError } from "./errors.ts";

const UNIT_MS: Record<string, number> = { us: 0.001, µs: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const PART_RE = /(\d+(?:\.\d+)?|\.\d+)(us|µs|ms|s|m|h)/g;

function bad(flag: string, value: string, expected: string, example: string): UsageError {
  return new UsageError(`--${flag} "${value}": expected ${expected}, e.g. --${flag} ${example}`);
}

/**
 * Go-style durations: "500ms", "10s", "1m", "1.5s", "1m30s", "2h".
 * Returns milliseconds. A bare number is refused (is "10" seconds or ms?).
 */
export function parseDuration(value: string): number | undefined {
  const v = value.trim();
  if (v === "") return undefined;
  let total = 0;
  let consumed = 0;
  for (const m of v.matchAll(PART_RE)) {
    if (m.index !== consumed) return undefined;
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
    consumed += m[0].length;
  }
  return consumed === v.length && consumed > 0 ? total : undefined;
}

/** A duration flag in ms; zero only where `allowZero` (where "0" needs no unit). */
export function durationFlag(flag: string, value: string, opts: { allowZero?: boolean; example?: string } = {}): number {
  const example = opts.example ?? "10s";
  const ms = opts.allowZero && value.trim() === "0" ? 0 : parseDuration(value);
  if (ms === undefined && value.trim().startsWith("-") && parseDuration(value.trim().slice(1)) !== undefined)
    throw new UsageError(`--${flag} "${value}": a duration cannot be negative, e.g. --${flag} ${example}`);
  if (ms === undefined) throw bad(flag, value, "a duration with a unit (ms, s, m, h)", example);
  if (ms === 0 && !opts.allowZero) throw bad(flag, value, "a duration longer than zero", example);
  return ms;
}

export function wholeNumberFlag(flag: string, value: string, example: string): number {
  const n = /^\s*\d+\s*$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n <= 0) throw bad(flag, value, "a whole number above zero", example);
  return n;
}

export function positiveNumberFlag(flag: string, value: string, example: string): number {
  const n = /^\s*[+]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?\s*$/i.test(value) ? Number(value) : Number.NaN;
  if (!Number.isFinite(n) || n <= 0) throw bad(flag, value, "a positive number", example);
  return n;
}

export function portFlag(flag: string, value: string): number {
  const n = /^\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw bad(flag, value, "a port from 0 to 65535 (0 picks a free port)", "8081");
  return n;
}

/** A ratio given as a percentage ("99.5%") or a fraction ("0.995"). */
export function ratioFlag(flag: string, value: string, example = "99.9%"): number {
  const v = value.trim();
  const pct = v.endsWith("%");
  const num = pct ? v.slice(0, -1).trim() : v;
  const n = /^(\d+(\.\d*)?|\.\d+)$/.test(num) ? Number(num) : Number.NaN;
  const ratio = pct ? n / 100 : n;
  if (!Number.isFinite(ratio) || ratio < 0 || ratio > 1) {
    throw bad(flag, value, "a percentage up to 100% or a fraction from 0 to 1", example);
  }
  return ratio;
}
