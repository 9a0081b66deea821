// Judging gates on a summary: each one's value, verdict and note; the gates
// a run's config asks for.
import type { GateResult } from "../verdicts.ts";
import type { Summary } from "../summary.ts";
import type { Need, Op, Slo } from "./expr.ts";
import { parseSlo } from "./parse.ts";

export const compare = (v: number, op: Op, bound: number): boolean => {
  const eps = 1e-9 * Math.max(1, Math.abs(bound));
  switch (op) {
    case "<":
      return v < bound - eps;
    case "<=":
      return v <= bound + eps;
    case ">":
      return v > bound + eps;
    case ">=":
      return v >= bound - eps;
    case "==":
      return Math.abs(v - bound) <= eps;
    case "!=":
      return Math.abs(v - bound) > eps;
  }
};

const NEED_WHY: Record<Need, string> = {
  stream: "is measured in streaming runs only (--stream)",
  baseline: "needs the direct baseline (--baseline interleaved or sequential)",
  mock: "needs the mock upstream (not with --no-mock)",
  "gateway-samples": "needs the gateway's process sampled (gatebench starts it, or --pid / --pid-of-port with --target)",
};

/** The verdict of one gate on a summary. A metric the run did not measure fails, with a note saying why. */
export function evaluateSlo(slo: Slo, s: Summary): GateResult {
  const unit = slo.unit;
  const value = slo.read(s);
  if (value === undefined) {
    const why = slo.needs.length > 0 ? `${slo.metric} ${slo.needs.map((n) => NEED_WHY[n]).join(", and ")}` : "no data";
    return { expr: slo.expr, value: null, pass: false, unit, note: `not measured in this run: ${why}` };
  }
  const pass = compare(value, slo.op, slo.bound);
  const out: GateResult = { expr: slo.expr, value, pass, unit };
  const band = slo.band?.(s);
  if (band === null) out.note = "too few requests beyond this percentile for a 95 % band";
  else if (band !== undefined && Math.abs(value - slo.bound) <= band) out.note = `within noise of the bound (±${band} ms)`;
  return out;
}

/** What the run's set-up lacks for this gate to be measured, or undefined. */
export function unmeasurable(slo: Slo, run: { stream: boolean; baseline: boolean; mock: boolean; gatewaySampled: boolean }): string | undefined {
  const lacking = slo.needs.filter((n) => !(n === "stream" ? run.stream : n === "baseline" ? run.baseline : n === "mock" ? run.mock : run.gatewaySampled));
  if (lacking.length === 0) return undefined;
  // without a mock there is no baseline either: --no-mock is the cause to name
  if (!run.mock && lacking.includes("baseline"))
    return `${slo.metric} needs the direct baseline, sent to the mock, and --no-mock starts no mock: drop --no-mock, or this gate`;
  return `${slo.metric} ${lacking.map((n) => NEED_WHY[n]).join(", and ")}`;
}

/** The success gate of --min-success, as an expression. */
export function successGate(minRatio: number): Slo {
  return parseSlo(`success >= ${+(minRatio * 100).toFixed(4)}%`);
}

/** A run's gates from its config: each --slo, and --min-success. */
export function gatesFrom(c: { slo?: string[]; minSuccess?: number }): Slo[] {
  return [...(c.slo ?? []).map((e) => parseSlo(e)), ...(c.minSuccess !== undefined ? [successGate(c.minSuccess)] : [])];
}
