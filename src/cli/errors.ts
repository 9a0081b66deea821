// Exit codes (docs/DESIGN.md) and the error a user's mistake becomes.

export const EXIT = {
  /** Run completed and every SLO passed. */
  ok: 0,
  /** Run completed and an SLO failed (or success fell below the gate). */
  sloFailed: 1,
  /** Usage or configuration error. */
  usage: 2,
  /** The run could not be carried out. */
  runFailed: 3,
} as const;

/** A mistake in the command line: one line that says what and how to fix it. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}
