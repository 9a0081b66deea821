// The open-loop dispatcher. Request i is due at start + pacer.dueAtMs(i);
// the loop sends everything that is due, then waits for the next deadline.
// A slow response never delays a send: requests run concurrently, and when
// the loop itself is late it catches up in a burst (each request still
// carries its own intended time, so the lateness shows in latency).
import type { Recorder } from "../metrics/recorder.ts";
import { execute, type PreparedRequest } from "./client.ts";
import type { Pacer } from "./pacer.ts";

export interface LoadOptions {
  pacer: Pacer;
  request: PreparedRequest;
  recorder: Recorder;
  /** Arrivals beyond this many open requests are dropped (and counted). */
  maxInFlight: number;
  /** Stops dispatching (the in-flight requests are left to finish). */
  stopSending: AbortSignal;
  /** Aborts the requests still in flight. */
  abortInFlight: AbortSignal;
  /** Called once the last request has been sent (or sending was stopped), before the drain. */
  onSendingDone?: () => void;
}

export interface LoadProgress {
  sent: number;
  inFlight: number;
  startedMs: number;
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
 * whole-millisecond resolution and fire ~0.1 ms after the time asked, so the
 * whole milliseconds are slept; the sub-millisecond rest is either spent
 * yielding to the event loop (precise: sends within a few µs of the
 * deadline, but it keeps a core busy) or slept as one more millisecond
 * (cheap, up to ~1 ms late). Yielding is allowed while it has used less than
 * `spinBudget` of the wall time since the start, so low rates get precise
 * sends and high rates do not steal a core from the gateway being measured.
 * Either way the lateness is recorded as schedule lag and counted in latency.
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
      if (remaining >= 50) {
        // long waits (low rates) wake up for a stop, not only for the deadline
        await sleepOrAbort(Math.floor(remaining), signal);
      } else if (remaining >= 1) {
        await Bun.sleep(Math.floor(remaining));
      } else if (this.spentMs <= this.spinBudget * (now - this.startMs)) {
        await Bun.sleep(0);
        this.spentMs += performance.now() - now;
      } else {
        await Bun.sleep(1);
      }
    }
  }
}

export class LoadRun {
  readonly progress: LoadProgress = { sent: 0, inFlight: 0, startedMs: 0 };
  /** The requests in flight, by their controllers (to abort them all at once). */
  private readonly open = new Set<AbortController>();
  /** Arrivals handled so far (sent or dropped): the part of the schedule that was run. */
  arrivals = 0;

  constructor(private readonly o: LoadOptions) {
    o.abortInFlight.addEventListener("abort", () => {
      for (const c of this.open) c.abort();
    });
  }

  /** Runs the schedule to its end (or until stopSending); resolves when every request has finished. */
  async run(): Promise<void> {
    const { pacer, recorder, request, maxInFlight, stopSending, abortInFlight } = this.o;
    const p = this.progress;
    const waiter = new Waiter();
    const start = performance.now();
    p.startedMs = start;
    let i = 0;
    while (i < pacer.total && !stopSending.aborted) {
      const due = pacer.dueBy(performance.now() - start);
      for (; i < due; i++) {
        const intended = start + pacer.dueAtMs(i);
        if (p.inFlight >= maxInFlight) {
          recorder.drop();
          continue;
        }
        p.sent++;
        p.inFlight++;
        const ctl = new AbortController();
        if (abortInFlight.aborted) ctl.abort();
        this.open.add(ctl);
        void execute(request, intended, recorder, ctl).then(() => {
          p.inFlight--;
          this.open.delete(ctl);
          if (p.inFlight === 0) this.onIdle?.();
        });
      }
      this.arrivals = i;
      if (i < pacer.total) await waiter.until(start + pacer.dueAtMs(i), stopSending);
    }
    this.o.onSendingDone?.();
    // execute() never rejects, so the last one to finish is the end of the run
    if (p.inFlight > 0) await new Promise<void>((resolve) => (this.onIdle = resolve));
  }

  /** Set while run() waits for the last requests. */
  private onIdle: (() => void) | undefined;
}
