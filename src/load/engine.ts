// The dispatchers. Open loop: arrival i is due at start + its offset in the
// schedule; the loop sends everything that is due, then waits for the next
// deadline. A slow response never delays a send: requests run concurrently,
// and when the loop itself is late it catches up in a burst (each request
// still carries its own intended time, so the lateness shows in latency).
// Closed loop (hey-style): C loops, each sending its next request when the
// previous one ends; there is no schedule, so latency equals service time.
import type { Recorder } from "../metrics/recorder.ts";
import { createClient, type Client, type PreparedRequest } from "./client.ts";
import type { Arrivals } from "./pacer.ts";

/** Where a request goes and where it is recorded: the gateway, or the mock directly for the baseline. */
export interface Lane {
  request: PreparedRequest;
  /** The measured requests. */
  recorder: Recorder;
  /** Requests due in the warm-up (the first `warmupMs`): sent like the rest, recorded apart and left out of the figures. */
  warmupRecorder?: Recorder;
}

/** What part of the run the requests being sent belong to (resource samples are attributed by it). */
export type LoadPhase = "warmup" | "load" | "baseline";

export interface CommonOptions extends Lane {
  /** The baseline: the same load, straight to the mock (lane 1). */
  direct?: Lane;
  warmupMs?: number;
  /** Stops dispatching (the in-flight requests are left to finish). */
  stopSending: AbortSignal;
  /** Aborts the requests still in flight. */
  abortInFlight: AbortSignal;
  /** When the run starts on the performance.now() clock (workers start together); default: at once. */
  startAtMs?: number;
  /** Called when the requests being sent move to another phase (first call: the first phase). */
  onPhase?: (phase: LoadPhase) => void;
  /** Called once the last request has been sent (or sending was stopped), before the drain. */
  onSendingDone?: () => void;
  /** Connections open at once per lane, at most (default: as many as requests need). */
  maxConnections?: number;
}

export interface OpenLoopOptions extends CommonOptions {
  /** A schedule, or an Interleaved one when there is a baseline lane. */
  schedule: Arrivals;
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
  /** Requests open now, both lanes. */
  inFlight: number;
  /** Most requests open at once through the gateway (lane 0). */
  inFlightPeak: number;
  /** The run's start (warm-up included), on the performance.now() clock. */
  startedMs: number;
  /** When sending stopped (the schedule ended or the run was stopped); -1 while sending. */
  sendingDoneMs: number;
  /** Open loop: offset in the shape of the first arrival not handled (the shape's end when all were), per lane; -1 for a closed loop. */
  nextDueMs: number;
  directNextDueMs: number;
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

/** What a yield to the event loop costs when nothing else is waiting (measured: 2–10 µs). */
const IDLE_YIELD_MS = 0.01;
/**
 * How early the ticker fires; the rest is yielded away. The hand-over to
 * this thread takes ~0.12 ms on a busy machine, ~0.3 ms (up to ~0.6 ms)
 * after a sleep of a few ms, when the cores have gone idle.
 */
const TICK_EARLY_MS = 0.13;
const TICK_EARLY_IDLE_MS = 0.6;
/** The ticker wakes this thread at most once per this many ms (a wake-up costs ~50 µs of CPU). */
const MIN_TICK_GAP_MS = 0.5;

/**
 * The ticker thread (ticker.ts): sleeps on a futex until the deadline
 * written into shared memory and wakes this thread with a message, where
 * this thread's own timers only have whole milliseconds. Measured on 2
 * cores: the wake-up arrives ~0.12 ms after the deadline, for ~75 µs of CPU.
 */
class Ticker {
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
      const w = new Worker(threadUrl("ticker"));
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

  /** Sleeps until `atMs` on the ticker thread (or until `signal` aborts). */
  tick(atMs: number, signal: AbortSignal): Promise<void> {
    const n = ++this.seq;
    // one abort listener per signal (a run waits on the same one thousands of times), which ends whichever wait is pending
    if (signal !== this.watched) {
      this.watched = signal;
      signal.addEventListener("abort", () => this.pending?.(), { once: true });
    }
    const ticked = new Promise<void>((resolve) => {
      this.pending = resolve;
      this.wake = (got) => got === n && resolve();
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
 * The entry of a thread (the ticker, a load worker thread): from source, the
 * sibling file; in the compiled binary (scripts/compile.ts lists them as
 * entry points), load/NAME under the root of the binary's embedded files
 * (/$bunfs/root/, B:/~BUN/root/ on Windows), wherever this code was bundled.
 */
export function threadUrl(name: "ticker" | "thread"): string {
  const m = /^(.*?\/(?:\$bunfs|~BUN)\/root\/)/.exec(import.meta.url);
  return m ? `${m[1]}load/${name}.ts` : new URL(`./${name}.ts`, import.meta.url).href;
}

/**
 * Waits for deadlines on the performance.now() clock. Long waits sleep on a
 * timer that also wakes for a stop. The last stretch: with `precise` and a
 * ticker, the ticker wakes this thread just before the deadline; otherwise
 * a millisecond timer (which fires ~0.1 ms, at times ~0.9 ms, late) sleeps
 * short of it. The remainder is yielded away to the event loop (sends
 * within a few µs of the deadline) while the idle part of that yielding
 * (a yield that found nothing to do costs a few µs; responses handled
 * meanwhile are work, not waiting) stays under `spinBudget` of the wall
 * time; past the budget the waiter settles for the next timer or tick (up
 * to ~1 ms late), so high rates do not steal a core from the gateway being
 * measured. Either way the lateness is recorded as schedule lag and counted
 * in latency.
 */
export class Waiter {
  private spentMs = 0;
  private readonly startMs = performance.now();
  private lastTickMs = Number.NEGATIVE_INFINITY;

  /** `coarseSpin`: yield towards a deadline that is not `precise` too (off for the open loop's high rates, where responses wake the thread anyway). */
  constructor(
    private readonly spinBudget = 0.05,
    private readonly ticker?: Ticker,
    private readonly coarseSpin = true,
  ) {}

  async until(deadlineMs: number, signal: AbortSignal, precise = false): Promise<void> {
    for (;;) {
      const now = performance.now();
      const remaining = deadlineMs - now;
      if (remaining <= 0 || signal.aborted) return;
      if (remaining >= 50) {
        await sleepOrAbort(Math.floor(remaining - 5), signal);
        continue;
      }
      const spin = (precise || this.coarseSpin) && this.spentMs <= this.spinBudget * (now - this.startMs);
      if (precise && this.ticker && !this.ticker.broken) {
        // at most one wake-up per MIN_TICK_GAP_MS; a thread that slept longer wakes slower, so fire earlier then
        const target = Math.max(deadlineMs, this.lastTickMs + MIN_TICK_GAP_MS);
        const fireAt = spin ? target - (target - now > 2 ? TICK_EARLY_IDLE_MS : TICK_EARLY_MS) : target;
        if (fireAt - now > 0.02) await this.ticker.tick(fireAt, signal);
        this.lastTickMs = performance.now();
        if (!spin) return;
        await this.yieldUntil(deadlineMs, signal);
        return;
      }
      if (!spin) {
        // over budget: the nearest whole millisecond (late by up to ~0.6 ms, or ~1 ms under half a millisecond)
        await Bun.sleep(Math.max(1, Math.round(remaining)));
      } else if (remaining >= 1.3) {
        // a timer fires up to ~0.3 ms late: stop short, and yield the rest
        await Bun.sleep(Math.floor(remaining - 0.3));
      } else {
        await this.yieldUntil(deadlineMs, signal);
      }
    }
  }

  /** Yields to the event loop until the deadline, charging each yield what an idle one costs. */
  private async yieldUntil(deadlineMs: number, signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const t = performance.now();
      if (t >= deadlineMs) return;
      await Bun.sleep(0);
      this.spentMs += Math.min(performance.now() - t, IDLE_YIELD_MS);
    }
  }
}

/** Gaps between arrivals from which the ticker is used (below it, rates above 1,000 req/s, responses wake the thread often enough). */
const PRECISE_GAP_MS = 1;

/** What both dispatchers share: a client per lane, launching a request and tracking it, aborting them all, waiting for the last. */
abstract class Dispatcher {
  readonly progress: LoadProgress = { sent: 0, inFlight: 0, inFlightPeak: 0, startedMs: 0, sendingDoneMs: -1, nextDueMs: -1, directNextDueMs: -1 };
  /** Requests open now per lane: each lane has its own in-flight cap, so one path's backlog never drops the other's arrivals. */
  protected readonly laneInFlight = [0, 0];
  /** Lane 0's client, and lane 1's when there is a baseline. */
  private readonly clients: Client[];
  /** What each lane's client calls when a request is recorded (made once: no closure per request). */
  private readonly laneDone: (() => void)[];
  /** Set while run() waits for the last requests. */
  private onIdle: (() => void) | undefined;

  constructor(protected readonly base: CommonOptions) {
    const maxConnections = base.maxConnections ?? Number.POSITIVE_INFINITY;
    this.clients = [createClient({ request: base.request, maxConnections })];
    if (base.direct) this.clients.push(createClient({ request: base.direct.request, maxConnections }));
    this.laneDone = this.clients.map((_, k) => () => this.finished(k));
    for (const c of this.clients) c.warmUp?.();
    const abortAll = (): void => {
      for (const c of this.clients) c.abortAll();
    };
    if (base.abortInFlight.aborted) abortAll();
    else base.abortInFlight.addEventListener("abort", abortAll, { once: true });
  }

  protected get warmupMs(): number {
    return this.base.warmupRecorder ? (this.base.warmupMs ?? 0) : 0;
  }

  /** Lane 0: the gateway; lane 1: the mock directly (the baseline), when there is one. */
  protected lane(k: number): Lane {
    return k === 0 ? this.base : this.base.direct!;
  }

  private phase: LoadPhase | undefined;

  /** Tells the hook when the phase of what is sent changes. */
  protected enter(phase: LoadPhase): void {
    if (phase === this.phase) return;
    this.phase = phase;
    this.base.onPhase?.(phase);
  }

  /** Sends arrival number `n` (picks the body) on lane `k`, due at `intended` (-1: when sent), recorded by `rec`; completed(k) follows its end. */
  protected launch(k: number, n: number, intended: number, rec: Recorder): void {
    const p = this.progress;
    const open = this.laneInFlight;
    p.sent++;
    p.inFlight++;
    if (++open[k]! > p.inFlightPeak && k === 0) p.inFlightPeak = open[k]!;
    this.clients[k]!.send(n, intended, rec, this.laneDone[k]!);
  }

  private finished(k: number): void {
    const p = this.progress;
    p.inFlight--;
    this.laneInFlight[k]!--;
    this.completed(k);
    if (p.inFlight === 0) this.onIdle?.();
  }

  /** Called after each request of lane `k` has finished (the open loop sends what has come due meanwhile; the closed loop sends the next). */
  protected completed(_k: number): void {}

  /** Waits for the start time; returns the start. */
  protected async begin(): Promise<number> {
    const at = this.base.startAtMs;
    if (at !== undefined && at > performance.now()) await new Waiter(1).until(at, this.base.stopSending);
    const start = at ?? performance.now();
    this.progress.startedMs = start;
    return start;
  }

  protected async finish(): Promise<void> {
    this.progress.sendingDoneMs = performance.now();
    this.base.onSendingDone?.();
    // a client records every request it was given, so the last one to finish is the end of the run
    if (this.progress.inFlight > 0) await new Promise<void>((resolve) => (this.onIdle = resolve));
    this.clients.forEach((c, k) => {
      c.close();
      const rec = this.lane(k).recorder;
      rec.connectionsOpened = c.connectionsOpened;
      rec.keepAliveRetries = c.keepAliveRetries;
    });
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
    const { schedule, maxInFlight } = this.o;
    const warmupMs = this.warmupMs;
    while (this.next <= elapsed) {
      this.lastSentOffset = this.next;
      const intended = this.start + this.next;
      const k = schedule.lane;
      const lane = this.lane(k);
      const warm = schedule.virtual < warmupMs;
      this.enter(warm ? "warmup" : k === 0 ? "load" : "baseline");
      const rec = warm ? lane.warmupRecorder! : lane.recorder;
      if (this.laneInFlight[k]! >= maxInFlight) rec.drop(intended);
      else void this.launch(k, schedule.index, intended, rec);
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
    const ticker = new Ticker();
    // no yielding towards the deadlines of gaps under PRECISE_GAP_MS: measured at 10,000 req/s, it cost a quarter more CPU (31.5 against 24.6 µs per request) for the same schedule lag (p99 1.00 against 1.05 ms)
    const waiter = new Waiter(0.1, ticker, false);
    await Promise.race([ticker.ready, Bun.sleep(2000)]);
    this.start = await this.begin();
    this.next = schedule.next();
    this.sending = true;
    while (this.next !== Number.POSITIVE_INFINITY && !stopSending.aborted) {
      this.pump();
      if (this.next !== Number.POSITIVE_INFINITY) {
        await waiter.until(this.start + this.next, stopSending, this.next - this.lastSentOffset >= PRECISE_GAP_MS);
      }
    }
    this.sending = false;
    ticker.close();
    // in the shape's time (with a baseline, each lane plays the shape once, and may have got further than the other)
    const done = this.next === Number.POSITIVE_INFINITY;
    this.progress.nextDueMs = done ? schedule.shape.durationMs : schedule.nextDueOf(0);
    this.progress.directNextDueMs = done ? schedule.shape.durationMs : schedule.nextDueOf(1);
    await this.finish();
  }
}

/**
 * Closed loop: `concurrency` loops, each sending as soon as its previous
 * request ends (each finished request starts the next). With a baseline
 * lane, the whole closed-loop run is made against the mock directly first,
 * then against the gateway (there is no schedule to interleave).
 */
export class ClosedLoopRun extends Dispatcher {
  /** The lane being run, and what its next request needs; undefined between lanes. */
  private current: { k: number; next: () => boolean; ended: () => void } | undefined;

  constructor(private readonly o: ClosedLoopOptions) {
    super(o);
  }

  async run(): Promise<void> {
    let start = await this.begin();
    if (this.o.direct) {
      await this.runLane(1, start);
      start = performance.now();
    }
    if (!this.o.stopSending.aborted) await this.runLane(0, start);
    await this.finish();
  }

  protected override completed(k: number): void {
    const c = this.current;
    if (c?.k === k && !c.next()) c.ended();
  }

  /** One lane's closed-loop run, its warm-up first; resolves when sending has stopped. */
  private async runLane(k: number, start: number): Promise<void> {
    const { stopSending, concurrency, requests, durationMs } = this.o;
    const { recorder, warmupRecorder } = this.lane(k);
    const warmupMs = this.warmupMs;
    const measured: LoadPhase = k === 0 ? "load" : "baseline";
    this.enter(warmupMs > 0 ? "warmup" : measured);
    let claimed = 0;
    let n = 0;
    const deadline = start + durationMs;
    // a loop stops when sending is stopped, the time is up, or the measured requests are all claimed
    const next = (): boolean => {
      if (stopSending.aborted) return false;
      const now = performance.now();
      if (now >= deadline) return false;
      const warm = now - start < warmupMs;
      if (!warm && claimed >= requests) return false;
      if (!warm) {
        claimed++;
        this.enter(measured);
      }
      // no schedule: a request is due when it is sent (-1 tells the client to use its send time)
      this.launch(k, n++, -1, warm ? warmupRecorder! : recorder);
      return true;
    };
    let loops = concurrency;
    let allEnded: () => void = () => {};
    const ended = new Promise<void>((resolve) => (allEnded = resolve));
    this.current = { k, next, ended: () => --loops === 0 && allEnded() };
    for (let i = 0; i < concurrency; i++) if (!next()) this.current.ended();
    if (concurrency <= 0) allEnded();
    // the deadline must end the run even while every loop waits on a slow response
    let wake: (() => void) | undefined;
    const timer = Number.isFinite(deadline) ? setTimeout(() => wake?.(), Math.max(0, deadline - performance.now())) : undefined;
    const onStop = (): void => wake?.();
    stopSending.addEventListener("abort", onStop, { once: true });
    await Promise.race([ended, new Promise<void>((r) => (wake = r))]);
    clearTimeout(timer);
    stopSending.removeEventListener("abort", onStop);
    // the baseline's last requests finish before the gateway's run starts (each within the timeout), so the two never overlap
    if (k !== 0) await ended;
    this.current = undefined;
  }
}
