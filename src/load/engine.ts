// The dispatchers. Open loop: arrival i is due at start + its offset in the
// schedule; the loop sends everything that is due, then waits for the next
// deadline. A slow response never delays a send: requests run concurrently,
// and when the loop itself is late it catches up in a burst (each request
// still carries its own intended time, so the lateness shows in latency).
// Closed loop (hey-style): C loops, each sending its next request when the
// previous one ends; there is no schedule, so latency equals service time.
import type { Recorder } from "../metrics/recorder.ts";
import { execute, type PreparedRequest, TimeoutSlots } from "./client.ts";
import type { Schedule } from "./pacer.ts";

export interface CommonOptions {
  request: PreparedRequest;
  /** The measured requests. */
  recorder: Recorder;
  /** Requests due in the warm-up (the first `warmupMs`): sent like the rest, recorded apart and left out of the figures. */
  warmupRecorder?: Recorder;
  warmupMs?: number;
  /** Stops dispatching (the in-flight requests are left to finish). */
  stopSending: AbortSignal;
  /** Aborts the requests still in flight. */
  abortInFlight: AbortSignal;
  /** When the run starts on the performance.now() clock (workers start together); default: at once. */
  startAtMs?: number;
  /** Called when the warm-up is over and the measured load begins (at once without a warm-up). */
  onMeasureStart?: () => void;
  /** Called once the last request has been sent (or sending was stopped), before the drain. */
  onSendingDone?: () => void;
}

export interface OpenLoopOptions extends CommonOptions {
  schedule: Schedule;
  /** Arrivals beyond this many open requests are dropped (and counted). */
  maxInFlight: number;
}

export interface ClosedLoopOptions extends CommonOptions {
  concurrency: number;
  /** Stop after this many measured requests (Infinity: no limit). */
  requests: number;
  /** Stop sending after this long, warm-up included (Infinity: no limit). */
  durationMs: number;
}

export interface LoadProgress {
  sent: number;
  inFlight: number;
  inFlightPeak: number;
  /** The run's start (warm-up included), on the performance.now() clock. */
  startedMs: number;
  /** When sending stopped (the schedule ended or the run was stopped); -1 while sending. */
  sendingDoneMs: number;
  /** Open loop: offset from the start of the first arrival not handled (the schedule's end when all were); -1 for a closed loop. */
  nextDueMs: number;
}

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

/**
 * Waits for deadlines on the performance.now() clock. Timers have
 * whole-millisecond resolution and fire ~0.1 ms (at times ~0.9 ms) after
 * the time asked, so the wait is slept short of the deadline and the rest
 * spent yielding to the event loop (precise: sends within a few µs of the
 * deadline), or, when yielding is over budget, slept to the nearest whole
 * millisecond (cheap, up to ~1 ms late). Yielding is allowed while the idle part of it (a yield
 * that found nothing else to do costs a few µs; time spent on responses
 * that came in meanwhile is work, not waiting) stays under `spinBudget` of
 * the wall time, so low rates get precise sends and high rates do not steal
 * a core from the gateway being measured. Either way the lateness is
 * recorded as schedule lag and counted in latency.
 */
export class Waiter {
  private spentMs = 0;
  private readonly startMs = performance.now();

  constructor(private readonly spinBudget = 0.05) {}

  async until(deadlineMs: number, signal: AbortSignal): Promise<void> {
    for (;;) {
      const now = performance.now();
      const remaining = deadlineMs - now;
      if (remaining <= 0 || signal.aborted) return;
      const canSpin = this.spentMs <= this.spinBudget * (now - this.startMs);
      if (remaining >= 50) {
        // long waits (low rates) wake up for a stop, not only for the deadline
        await sleepOrAbort(Math.floor(remaining - 1), signal);
      } else if (canSpin) {
        if (remaining >= 1.3) {
          // a timer fires up to ~0.3 ms late: stop short, and yield the rest
          await Bun.sleep(Math.floor(remaining - 0.3));
        } else {
          await Bun.sleep(0);
          // a yield that did other work is charged only what an idle one costs
          this.spentMs += Math.min(performance.now() - now, IDLE_YIELD_MS);
        }
      } else {
        // over budget: the nearest whole millisecond (late by up to ~0.6 ms, or ~1 ms under half a millisecond)
        await Bun.sleep(Math.max(1, Math.round(remaining)));
      }
    }
  }
}

/** What a yield to the event loop costs when nothing else is waiting (measured: 2–10 µs). */
const IDLE_YIELD_MS = 0.01;

/**
 * How early the ticker fires; the rest is yielded away. The hand-over to
 * this thread takes ~0.12 ms on a busy machine, ~0.3 ms (up to ~0.6 ms)
 * after a sleep of a few ms, when the cores have gone idle.
 */
const TICK_EARLY_MS = 0.13;
const TICK_EARLY_IDLE_MS = 0.6;
/** Gaps between arrivals from which the ticker is used (below it, rates above 1,000 req/s). */
const PRECISE_GAP_MS = 1;
/** The ticker wakes this thread at most once per this many ms (a wake-up costs ~50 µs of CPU). */
const MIN_GAP_MS = 0.5;

/**
 * A waiter with sub-millisecond wake-ups: a ticker thread sleeps on a futex
 * until just before the deadline and wakes this thread with a message; the
 * last ~0.1 ms is yielded away. Measured on 2 cores: sends within 2 µs of
 * the deadline at p50, 0.15 ms at p99, for ~75 µs of CPU per wait. Falls
 * back to the timer Waiter when the ticker cannot start.
 */
export class PreciseWaiter {
  private readonly shared = new SharedArrayBuffer(16);
  private readonly deadline = new Float64Array(this.shared, 0, 1);
  private readonly flag = new Int32Array(this.shared, 8, 2);
  private readonly worker: Worker | undefined;
  private readonly fallback = new Waiter();
  private seq = 0;
  private wake: ((n: number) => void) | undefined;
  private lastWakeMs = Number.NEGATIVE_INFINITY;
  private broken = false;
  /** Resolves once the ticker thread runs (a wait before that would wake late). */
  ready: Promise<void> = Promise.resolve();
  private spentMs = 0;
  private readonly startMs = performance.now();

  constructor(private readonly spinBudget = 0.1) {
    try {
      const w = new Worker(entryUrl("ticker"));
      let ready: () => void = () => {};
      this.ready = new Promise<void>((resolve) => (ready = resolve));
      w.onmessage = (e: MessageEvent<number>) => (e.data === 0 ? ready() : this.wake?.(e.data));
      // a ticker that fails to load: back to the timer waiter, and release the wait in progress
      w.onerror = () => {
        this.broken = true;
        ready();
        this.wake?.(this.seq);
      };
      w.unref();
      w.postMessage(this.shared);
      this.worker = w;
    } catch {
      this.worker = undefined;
    }
  }

  async until(deadlineMs: number, signal: AbortSignal): Promise<void> {
    if (!this.worker || this.broken) return this.fallback.until(deadlineMs, signal);
    let now = performance.now();
    if (deadlineMs <= now || signal.aborted) return;
    // long waits (low rates) sleep on a timer first, and wake up for a stop
    if (deadlineMs - now >= 50) {
      await sleepOrAbort(Math.floor(deadlineMs - now - 5), signal);
      now = performance.now();
    }
    // At most one wake-up per MIN_GAP_MS: at high rates the responses wake
    // this thread often enough (each one sends what has come due).
    const target = Math.max(deadlineMs, this.lastWakeMs + MIN_GAP_MS);
    const spin = this.spentMs <= this.spinBudget * (now - this.startMs);
    // a thread that slept longer wakes slower (an idle core): fire earlier then
    const fireAt = spin ? target - (target - now > 2 ? TICK_EARLY_IDLE_MS : TICK_EARLY_MS) : target;
    if (fireAt - now > 0.02 && !signal.aborted) await this.tick(fireAt, signal);
    this.lastWakeMs = performance.now();
    if (!spin) return;
    // the last ~0.1 ms: yield until the deadline (charged as idle yields, within the budget)
    while (!signal.aborted) {
      const t = performance.now();
      if (t >= deadlineMs) return;
      await Bun.sleep(0);
      this.spentMs += Math.min(performance.now() - t, IDLE_YIELD_MS);
    }
  }

  /** Sleeps until `atMs` on the ticker thread (or until `signal` aborts). */
  private tick(atMs: number, signal: AbortSignal): Promise<void> {
    const n = ++this.seq;
    const ticked = new Promise<void>((resolve) => {
      this.wake = (got) => got === n && resolve();
      signal.addEventListener("abort", () => resolve(), { once: true });
    });
    Atomics.store(this.flag, 1, n);
    this.deadline[0] = performance.timeOrigin + atMs;
    Atomics.store(this.flag, 0, 1);
    Atomics.notify(this.flag, 0);
    return ticked;
  }

  close(): void {
    this.deadline[0] = -1;
    Atomics.store(this.flag, 0, 1);
    Atomics.notify(this.flag, 0);
    this.worker?.terminate();
  }
}

/**
 * A worker entry next to this file: from source a sibling .ts file; in the
 * compiled binary (scripts/build.ts lists it as an entry point) bundled
 * under load/ at the root of the binary's embedded files, where
 * import.meta.url points there.
 */
export function entryUrl(name: "ticker"): string {
  const here = import.meta.url;
  // the embedded files' root: /$bunfs/root/ (B:/~BUN/root/ on Windows), from
  // wherever this code was bundled (the main entry, or a worker's)
  const m = /^(.*?\/(?:\$bunfs|~BUN)\/root\/)/.exec(here);
  return m ? `${m[1]}load/${name}.ts` : new URL(`./${name}.ts`, here).href;
}

/** What both dispatchers share: launching a request, tracking it, aborting them all, waiting for the last. */
abstract class Dispatcher {
  readonly progress: LoadProgress = { sent: 0, inFlight: 0, inFlightPeak: 0, startedMs: 0, sendingDoneMs: -1, nextDueMs: -1 };
  /** The requests in flight, by the timeout slot they share (which also aborts them all at once). */
  private readonly slots: TimeoutSlots;
  /** Set while run() waits for the last requests. */
  private onIdle: (() => void) | undefined;
  /** Arrivals handled so far (sent or dropped), warm-up included. */
  arrivals = 0;

  constructor(protected readonly base: CommonOptions) {
    this.slots = new TimeoutSlots(base.request.timeoutMs);
    if (base.abortInFlight.aborted) this.slots.abortAll();
    base.abortInFlight.addEventListener("abort", () => this.slots.abortAll(), { once: true });
  }

  protected get warmupMs(): number {
    return this.base.warmupRecorder ? (this.base.warmupMs ?? 0) : 0;
  }

  /** Sends arrival number `n` (picks the body), due at `intended`, recorded by `rec`. Resolves when it has finished. */
  protected launch(n: number, intended: number, rec: Recorder): Promise<void> {
    const p = this.progress;
    p.sent++;
    if (++p.inFlight > p.inFlightPeak) p.inFlightPeak = p.inFlight;
    const slot = this.slots.take(performance.now());
    return execute(this.base.request, n, intended, rec, slot).then(() => {
      p.inFlight--;
      this.slots.release(slot);
      this.completed();
      if (p.inFlight === 0) this.onIdle?.();
    });
  }

  /** Called after each request has finished (the open loop sends what has come due meanwhile). */
  protected completed(): void {}

  /** Waits for the start time, arms the end-of-warm-up hook; returns the start. */
  protected async begin(): Promise<number> {
    const at = this.base.startAtMs;
    if (at !== undefined && at > performance.now()) await new Waiter(1).until(at, this.base.stopSending);
    const start = at ?? performance.now();
    this.progress.startedMs = start;
    const w = this.warmupMs;
    if (w > 0) {
      const t = setTimeout(() => this.base.onMeasureStart?.(), Math.max(0, start + w - performance.now()));
      this.base.stopSending.addEventListener("abort", () => clearTimeout(t), { once: true });
    } else {
      this.base.onMeasureStart?.();
    }
    return start;
  }

  protected async finish(): Promise<void> {
    this.progress.sendingDoneMs = performance.now();
    this.base.onSendingDone?.();
    // execute() never rejects, so the last one to finish is the end of the run
    if (this.progress.inFlight > 0) await new Promise<void>((resolve) => (this.onIdle = resolve));
    this.slots.dispose();
  }

  /** Runs the load to its end (or until stopSending); resolves when every request has finished. */
  abstract run(): Promise<void>;
}

/** Open loop: arrivals on a schedule, whatever the responses do. */
export class LoadRun extends Dispatcher {
  /** Offset of the next arrival (Infinity when the schedule is over); the start of the run. */
  private next = Number.POSITIVE_INFINITY;
  private start = 0;
  private sending = false;
  /** Offset of the last arrival handled: with `next`, the current gap between arrivals. */
  private lastSentOffset = Number.NEGATIVE_INFINITY;

  constructor(private readonly o: OpenLoopOptions) {
    super(o);
  }

  /**
   * Sends every arrival that is due. Called from the timer loop, and after
   * each response: at high rates responses wake the event loop far more
   * often than a millisecond timer can, so sends keep to the schedule
   * without spinning.
   */
  private pump(): void {
    if (!this.sending || this.o.stopSending.aborted) return;
    const elapsed = performance.now() - this.start;
    if (this.next > elapsed) return;
    const { schedule, recorder, maxInFlight } = this.o;
    const warmupRec = this.o.warmupRecorder;
    const warmupMs = this.warmupMs;
    while (this.next <= elapsed) {
      this.lastSentOffset = this.next;
      const intended = this.start + this.next;
      const rec = this.next < warmupMs ? warmupRec! : recorder;
      if (this.progress.inFlight >= maxInFlight) rec.drop(intended);
      else void this.launch(schedule.index, intended, rec);
      this.arrivals++;
      this.next = schedule.next();
    }
  }

  protected override completed(): void {
    this.pump();
  }

  async run(): Promise<void> {
    const { schedule, stopSending } = this.o;
    // Gaps of a millisecond or more: the ticker's sub-millisecond wake-ups.
    // Shorter gaps (high rates): responses wake this thread often enough
    // and a millisecond timer covers the rest; a ticker wake-up per
    // arrival would cost more CPU than it saves lag.
    const precise = new PreciseWaiter();
    const coarse = new Waiter();
    await Promise.race([precise.ready, Bun.sleep(2000)]);
    this.start = await this.begin();
    this.next = schedule.next();
    this.sending = true;
    while (this.next !== Number.POSITIVE_INFINITY && !stopSending.aborted) {
      this.pump();
      if (this.next !== Number.POSITIVE_INFINITY) {
        const gap = this.next - this.lastSentOffset;
        await (gap >= PRECISE_GAP_MS ? precise : coarse).until(this.start + this.next, stopSending);
      }
    }
    this.sending = false;
    precise.close();
    this.progress.nextDueMs = this.next === Number.POSITIVE_INFINITY ? schedule.shape.durationMs : this.next;
    await this.finish();
  }
}

/** Closed loop: `concurrency` loops, each sending as soon as its previous request ends. */
export class ClosedLoopRun extends Dispatcher {
  constructor(private readonly o: ClosedLoopOptions) {
    super(o);
  }

  async run(): Promise<void> {
    const { recorder, stopSending, concurrency, requests, durationMs } = this.o;
    const warmupRec = this.o.warmupRecorder;
    const warmupMs = this.warmupMs;
    const start = await this.begin();
    let claimed = 0;
    let n = 0;
    const deadline = start + durationMs;
    // a loop stops when sending is stopped, the time is up, or the measured requests are all claimed
    const loop = async (): Promise<void> => {
      for (;;) {
        if (stopSending.aborted) return;
        const now = performance.now();
        if (now >= deadline) return;
        const warm = now - start < warmupMs;
        if (!warm && claimed >= requests) return;
        if (!warm) claimed++;
        this.arrivals++;
        // no schedule: a request is due when it is sent (-1 tells the client to use its send time)
        await this.launch(n++, -1, warm ? warmupRec! : recorder);
      }
    };
    const loops: Promise<void>[] = [];
    for (let i = 0; i < concurrency; i++) loops.push(loop());
    // the deadline must end the run even while every loop waits on a slow response
    let wake: (() => void) | undefined;
    const timer = Number.isFinite(deadline) ? setTimeout(() => wake?.(), Math.max(0, deadline - performance.now())) : undefined;
    const onStop = (): void => wake?.();
    stopSending.addEventListener("abort", onStop, { once: true });
    await Promise.race([Promise.all(loops), new Promise<void>((r) => (wake = r))]);
    clearTimeout(timer);
    stopSending.removeEventListener("abort", onStop);
    await this.finish();
  }
}
