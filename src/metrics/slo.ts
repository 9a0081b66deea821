// Gates evaluated after a run. For now the success gate (--min-success);
// the full SLO grammar grows here.
import type { Summary } from "./summary.ts";

export interface GateResult {
  expr: string;
  value: number;
  pass: boolean;
}

export function successGate(s: Summary, minRatio: number): GateResult {
  const pct = (r: number): string => `${+(r * 100).toFixed(4)}%`;
  return { expr: `success >= ${pct(minRatio)}`, value: s.requests.success_ratio, pass: s.requests.success_ratio >= minRatio };
}
