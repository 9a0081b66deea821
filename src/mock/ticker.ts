// One timer for every wait of the mock: stream chunks and unary delays. Each
// says when it is due; the ticker keeps them in a min-heap by due time,
// sleeps until the earliest, and then runs every step that is due.
// Thousands of streams cost one timer, not one per chunk. Under load, each
// arriving request also runs what has come due (poll), so at thousands of
// requests per second an answer waits a fraction of a millisecond past its
// time instead of up to a timer's millisecond.

/** A stream's next step: runs at (or after) `dueMs`; returns its next due time, or undefined when it is done. */
export interface Step {
  dueMs: number;
  run(nowMs: number): number | undefined;
}

/** Timers fire about this long after the whole millisecond they were set for. */
export const TIMER_LATE_MS = 0.1;
/** Waits pending at most, for the last fraction of a millisecond to be spun rather than timed. */
const SPIN_MAX_PENDING = 64;
/** Longest run of steps before the event loop gets a turn. */
const SLICE_MS = 4;
/** Longest run of steps a poll takes: it comes before a request is read, which must not wait long. */
const POLL_SLICE_MS = 0.5;

export class Ticker {
  private heap: Step[] = [];
  private timer: Timer | undefined;
  private immediate = false;
  private armedFor = Number.POSITIVE_INFINITY;

  get size(): number {
    return this.heap.length;
  }

  add(step: Step): void {
    this.push(step);
    if (step.dueMs < this.armedFor) this.arm();
  }

  /** Resolves at `dueMs` (performance.now() clock), never before. */
  until(dueMs: number): Promise<void> {
    return new Promise((resolve) => this.add({ dueMs, run: () => void resolve() }));
  }

  /**
   * Runs what is due now, if anything, for half a millisecond at most:
   * called on each request's arrival. When the ticker is behind (a slice is
   * already queued), it leaves the work to that slice, so that a flood of
   * due steps cannot hold up reading requests. `nowMs`: the caller's clock
   * reading, when it has one.
   */
  poll(nowMs = performance.now()): void {
    const first = this.heap[0];
    if (!this.immediate && first && first.dueMs <= nowMs) this.tick(POLL_SLICE_MS);
  }

  private arm(): void {
    if (this.immediate) return; // a slice is already coming
    clearTimeout(this.timer);
    const first = this.heap[0];
    if (!first) {
      this.armedFor = Number.POSITIVE_INFINITY;
      this.timer = undefined;
      return;
    }
    this.armedFor = first.dueMs;
    // never early: a step runs no sooner than it is due. The timer aims TIMER_LATE_MS short, and the
    // last fraction of a millisecond is spun through the event loop (setImmediate) while few waits are
    // pending: a timer instead would make a step that fired a hair early a whole millisecond late
    // (measured: p99 +1.1 ms against wrk's at 5 connections). With many pending (thousands of
    // streams), the next step is always that close, and spinning cost a loop turn per step (13,000 a
    // second for 40,000 chunks: 12.7 against 10.0 µs of CPU per chunk, for the same lateness): a timer.
    const ahead = first.dueMs - performance.now();
    const spin = ahead <= TIMER_LATE_MS && this.heap.length <= SPIN_MAX_PENDING;
    const wait = ahead <= 0 || spin ? 0 : Math.max(1, Math.ceil(ahead - TIMER_LATE_MS));
    if (wait === 0) {
      // behind: take the next slice after the event loop has had its turn
      this.timer = undefined;
      this.immediate = true;
      setImmediate(() => {
        this.immediate = false;
        this.tick();
      });
      return;
    }
    this.timer = setTimeout(() => this.tick(), wait);
  }

  private tick(sliceMs = SLICE_MS): void {
    this.armedFor = Number.POSITIVE_INFINITY;
    let now = performance.now();
    // Work in slices, so that accepting connections and reading requests
    // go on even when thousands of chunks are due at once.
    const sliceEnd = now + sliceMs;
    while (this.heap.length > 0 && this.heap[0]!.dueMs <= now && now < sliceEnd) {
      const step = this.pop()!;
      const next = step.run(now);
      if (next !== undefined) {
        step.dueMs = next;
        this.push(step);
      }
      now = performance.now();
    }
    this.arm();
  }

  private push(s: Step): void {
    const h = this.heap;
    h.push(s);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (h[parent]!.dueMs <= s.dueMs) break;
      h[i] = h[parent]!;
      i = parent;
    }
    h[i] = s;
  }

  private pop(): Step | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length === 0 || last === undefined) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= h.length) break;
      const r = l + 1;
      const c = r < h.length && h[r]!.dueMs < h[l]!.dueMs ? r : l;
      if (h[c]!.dueMs >= last.dueMs) break;
      h[i] = h[c]!;
      i = c;
    }
    h[i] = last;
    return top;
  }
}
