// The load's clocks: sleeping until a deadline on the performance.now()
// clock, with a stop that can cut it short. Millisecond timers for long
// waits; for the last stretch, a thread of its own (wake-thread.ts) that
// sleeps on a futex and wakes this one just before the deadline, and
// yielding to the event loop within a CPU budget.

/** Sleeps `ms`, or less if `signal` aborts first. */
export function sleepOrAbort(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

/** What a waiter reads time from and sleeps on: the real one, or a fake one in tests. */
export interface Clock {
  /** ms on the performance.now() clock. */
  now(): number;
  /** A short sleep (a whole number of ms; 0 yields to the event loop once). */
  sleep(ms: number): Promise<void>;
  /** A long sleep that a stop cuts short. */
  sleepOrAbort(ms: number, signal: AbortSignal): Promise<void>;
}

export const REAL_CLOCK: Clock = { now: () => performance.now(), sleep: (ms) => Bun.sleep(ms), sleepOrAbort };

/** What the waiter needs of a wake thread: a sleep until an instant that the thread ends (or a stop). */
export interface Wake {
  readonly broken: boolean;
  sleepUntil(atMs: number, signal: AbortSignal): Promise<void>;
}

/** What a yield to the event loop costs when nothing else is waiting (measured: 2–10 µs). */
const IDLE_YIELD_MS = 0.01;
/**
 * How early the wake thread fires; the rest is yielded away. The hand-over to
 * this thread takes ~0.12 ms on a busy machine, ~0.3 ms (up to ~0.6 ms)
 * after a sleep of a few ms, when the cores have gone idle.
 */
const WAKE_EARLY_MS = 0.13;
const WAKE_EARLY_IDLE_MS = 0.6;
/** The wake thread wakes this thread at most once per this many ms (a wake-up costs ~50 µs of CPU). */
const MIN_WAKE_GAP_MS = 0.5;

/**
 * The wake thread (wake-thread.ts): sleeps on a futex until the deadline
 * written into shared memory and wakes this thread with a message, where
 * this thread's own timers only have whole milliseconds. Measured on 2
 * cores: the wake-up arrives ~0.12 ms after the deadline, for ~75 µs of CPU.
 */
export class WakeThread implements Wake {
  private readonly shared = new SharedArrayBuffer(16);
  private readonly deadline = new Float64Array(this.shared, 0, 1);
  private readonly flag = new Int32Array(this.shared, 8, 2);
  private readonly worker: Worker | undefined;
  private seq = 0;
  private wake: ((n: number) => void) | undefined;
  /** The wait in progress, and the signal whose abort ends it. */
  private pending: (() => void) | undefined;
  private watched: AbortSignal | undefined;
  /** Set when the thread could not start: waits fall back to timers. */
  broken = false;
  /** Resolves once the thread runs (a wait before that would wake late). */
  readonly ready: Promise<void>;

  constructor() {
    let ready: () => void = () => {};
    this.ready = new Promise<void>((resolve) => (ready = resolve));
    try {
      const w = new Worker(threadUrl("wake-thread"));
      w.onmessage = (e: MessageEvent<number>) => (e.data === 0 ? ready() : this.wake?.(e.data));
      w.onerror = () => {
        this.broken = true;
        ready();
        this.wake?.(this.seq);
      };
      w.unref();
      w.postMessage(this.shared);
      this.worker = w;
    } catch {
      this.broken = true;
      ready();
    }
  }

  /** Sleeps until `atMs` on the wake thread (or until `signal` aborts). */
  sleepUntil(atMs: number, signal: AbortSignal): Promise<void> {
    const n = ++this.seq;
    // one abort listener per signal (a run waits on the same one thousands of times), which ends whichever wait is pending
    if (signal !== this.watched) {
      this.watched = signal;
      signal.addEventListener("abort", () => this.pending?.(), { once: true });
    }
    const woken = new Promise<void>((resolve) => {
      this.pending = resolve;
      this.wake = (got) => got === n && resolve();
    });
    Atomics.store(this.flag, 1, n);
    this.deadline[0] = performance.timeOrigin + atMs;
    Atomics.store(this.flag, 0, 1);
    Atomics.notify(this.flag, 0);
    return woken;
  }

  close(): void {
    this.deadline[0] = -1;
    Atomics.store(this.flag, 0, 1);
    Atomics.notify(this.flag, 0);
    this.worker?.terminate();
  }
}

/**
 * The entry of a thread (the wake thread, a load worker thread): from source, the
 * sibling file; in the compiled binary (scripts/compile.ts lists them as
 * entry points), load/NAME under the root of the binary's embedded files
 * (/$bunfs/root/, B:/~BUN/root/ on Windows), wherever this code was bundled.
 */
export function threadUrl(name: "wake-thread" | "thread"): string {
  const m = /^(.*?\/(?:\$bunfs|~BUN)\/root\/)/.exec(import.meta.url);
  return m ? `${m[1]}load/${name}.ts` : new URL(`./${name}.ts`, import.meta.url).href;
}

/**
 * Waits for deadlines on the performance.now() clock. Long waits sleep on a
 * timer that also wakes for a stop. The last stretch: with `precise` and a
 * wake thread, it wakes this thread just before the deadline; otherwise
 * a millisecond timer (which fires ~0.1 ms, at times ~0.9 ms, late) sleeps
 * short of it. The remainder is yielded away to the event loop (sends
 * within a few µs of the deadline) while the idle part of that yielding
 * (a yield that found nothing to do costs a few µs; responses handled
 * meanwhile are work, not waiting) stays under `spinBudget` of the wall
 * time; past the budget the waiter settles for the next timer or wake-up (up
 * to ~1 ms late), so high rates do not steal a core from the gateway being
 * measured. Either way the lateness is recorded as schedule lag and counted
 * in latency.
 */
export class Waiter {
  private spentMs = 0;
  private readonly startMs: number;
  private lastWakeMs = Number.NEGATIVE_INFINITY;

  /** `coarseSpin`: yield towards a deadline that is not `precise` too (off for the open loop's high rates, where responses wake the thread anyway). */
  constructor(
    private readonly spinBudget = 0.05,
    private readonly wake?: Wake,
    private readonly coarseSpin = true,
    private readonly clock: Clock = REAL_CLOCK,
  ) {
    this.startMs = clock.now();
  }

  /** Spent yielding, ms (what the spin budget is charged). */
  get yieldedMs(): number {
    return this.spentMs;
  }

  async until(deadlineMs: number, signal: AbortSignal, precise = false): Promise<void> {
    const clock = this.clock;
    for (;;) {
      const now = clock.now();
      const remaining = deadlineMs - now;
      if (remaining <= 0 || signal.aborted) return;
      if (remaining >= 50) {
        await clock.sleepOrAbort(Math.floor(remaining - 5), signal);
        continue;
      }
      const spin = (precise || this.coarseSpin) && this.spentMs <= this.spinBudget * (now - this.startMs);
      if (precise && this.wake && !this.wake.broken) {
        // at most one wake-up per MIN_WAKE_GAP_MS; a thread that slept longer wakes slower, so fire earlier then
        const target = Math.max(deadlineMs, this.lastWakeMs + MIN_WAKE_GAP_MS);
        const fireAt = spin ? target - (target - now > 2 ? WAKE_EARLY_IDLE_MS : WAKE_EARLY_MS) : target;
        if (fireAt - now > 0.02) await this.wake.sleepUntil(fireAt, signal);
        this.lastWakeMs = clock.now();
        if (!spin) return;
        await this.yieldUntil(deadlineMs, signal);
        return;
      }
      if (!spin) {
        // over budget: the nearest whole millisecond (late by up to ~0.6 ms, or ~1 ms under half a millisecond)
        await clock.sleep(Math.max(1, Math.round(remaining)));
      } else if (remaining >= 1.3) {
        // a timer fires up to ~0.3 ms late: stop short, and yield the rest
        await clock.sleep(Math.floor(remaining - 0.3));
      } else {
        await this.yieldUntil(deadlineMs, signal);
      }
    }
  }

  /** Yields to the event loop until the deadline, charging each yield what an idle one costs. */
  private async yieldUntil(deadlineMs: number, signal: AbortSignal): Promise<void> {
    const clock = this.clock;
    while (!signal.aborted) {
      const t = clock.now();
      if (t >= deadlineMs) return;
      await clock.sleep(0);
      this.spentMs += Math.min(clock.now() - t, IDLE_YIELD_MS);
    }
  }
}
