// Verdicts as a summary carries them: a gate's (--slo, --min-success) and a
// preset target's (--targets). Types only, so that the summary, the gates
// and the targets all use them without importing one another.

/** A gate's verdict, as summary.slo holds it. */
export interface GateResult {
  expr: string;
  /** The measured value in `unit`; null when the run did not measure it. */
  value: number | null;
  pass: boolean;
  /** ms, MB, %, ratio, /s, MB/min, or "" for counts and plain numbers. */
  unit: string;
  /** Why there is no value, or what makes the verdict uncertain. */
  note?: string;
}

export const TARGET_PRESETS = ["seed", "none"] as const;
export type TargetPreset = (typeof TARGET_PRESETS)[number];

/** One target's verdict: pass true/false, or null when this run cannot judge it. */
export interface TargetResult extends Omit<GateResult, "pass"> {
  target: string;
  pass: boolean | null;
}

export interface TargetsSummary {
  preset: TargetPreset;
  /** Whether the targets were enforced (--strict): a miss then fails the run like a gate. */
  strict: boolean;
  results: TargetResult[];
}
