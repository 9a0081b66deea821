// Deciding early (--abort-on-fail): whether a gate can already no longer
// pass from the counts so far, since counts of failures only grow.
import type { Slo } from "./expr.ts";
import { compare } from "./evaluate.ts";

/** Counts of the measured requests through the gateway so far. */
export interface Tally {
  total: number;
  ok: number;
  dropped: number;
  /** Per error kind name. */
  errors: Record<string, number>;
}

/** Whether decidedFailure can ever decide this gate before the run's end. */
export function decidable(slo: Slo): boolean {
  const upper = slo.op === "<" || slo.op === "<=" || slo.op === "==";
  if (slo.metric === "success") return slo.op === ">=" || slo.op === ">";
  return upper && (slo.metric === "errors" || slo.metric === "requests.failed" || slo.metric === "requests.dropped" || slo.metric.startsWith("errors."));
}

/**
 * Whether a gate can no longer pass, whatever the rest of the run does, and
 * why; undefined while it still can (or cannot be decided before the end).
 * Counts only grow, so `errors.timeout == 0` is decided by the first
 * timeout; the success ratio is decided once the failures so far exceed
 * what the planned requests allow (`planned`: undefined when unknown, e.g.
 * a closed loop run for a duration, when only a 100 % bound is decided).
 */
export function decidedFailure(slo: Slo, t: Tally, planned: number | undefined): string | undefined {
  const failed = t.total - t.ok;
  const grows = (count: number, what: string): string | undefined => {
    const over = slo.op === "<" ? count >= slo.bound : slo.op === "<=" || slo.op === "==" ? count > slo.bound : false;
    return over ? `${count} ${count === 1 ? what.replace(/s$/, "") : what} so far` : undefined;
  };
  switch (slo.metric) {
    case "errors":
    case "requests.failed":
      return grows(failed, "failed requests");
    case "requests.dropped":
      return grows(t.dropped, "dropped requests");
    case "success": {
      if (slo.op !== ">=" && slo.op !== ">") return undefined;
      const lost = failed + t.dropped;
      if (lost === 0) return undefined;
      if (planned === undefined || planned <= 0) {
        return slo.bound >= 1 ? `${lost} request${lost === 1 ? "" : "s"} failed or dropped so far` : undefined;
      }
      const best = Math.max(0, planned - lost) / planned;
      return compare(best, slo.op, slo.bound)
        ? undefined
        : `${lost} of the ${planned} planned requests failed or were dropped: at most ${+(best * 100).toFixed(3)}% can succeed`;
    }
  }
  if (slo.metric.startsWith("errors.")) {
    const kind = slo.metric.slice("errors.".length);
    return grows(t.errors[kind] ?? 0, `${kind} errors`);
  }
  return undefined;
}
