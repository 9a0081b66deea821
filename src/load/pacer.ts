// Pacers: pure arrival schedules. Given how long the run has been going,
// a pacer says how many requests should have been sent by now; given a
// request's index, when it was due. The dispatcher works from these absolute
// deadlines, so a stall is followed by a catch-up burst, never by drift.

export interface Pacer {
  /** Number of requests the schedule holds. */
  readonly total: number;
  /** Length of the schedule in ms (arrivals fall in [0, durationMs)). */
  readonly durationMs: number;
  /** Offset in ms from the start at which request i is due. */
  dueAtMs(i: number): number;
  /** How many requests are due at elapsed time `elapsedMs` (arrivals at t <= elapsed), capped at total. */
  dueBy(elapsedMs: number): number;
}

/** Tolerance for floating-point products such as 0.1 * 30 landing a hair off an integer. */
const EPS = 1e-9;

/**
 * Evenly spaced arrivals: request i is due at i / rate seconds.
 * The schedule holds every arrival strictly before `durationMs`:
 * 10 s at 50 req/s is 500 requests, due at 0, 20, …, 9980 ms.
 */
export function constantPacer(rateRps: number, durationMs: number): Pacer {
  if (!(rateRps > 0) || !Number.isFinite(rateRps)) throw new RangeError(`rate must be > 0, got ${rateRps}`);
  if (!(durationMs > 0) || !Number.isFinite(durationMs)) throw new RangeError(`duration must be > 0, got ${durationMs}`);
  const intervalMs = 1000 / rateRps;
  const total = Math.max(1, Math.ceil((durationMs * rateRps) / 1000 - EPS));
  return {
    total,
    durationMs,
    dueAtMs: (i) => i * intervalMs,
    dueBy(elapsedMs) {
      if (elapsedMs < 0) return 0;
      const n = Math.floor((elapsedMs * rateRps) / 1000 + EPS) + 1;
      return n < total ? n : total;
    },
  };
}
