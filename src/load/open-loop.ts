// The open loop: arrival i is due at start + its offset in the schedule;
// the loop sends everything that is due, then waits for the next deadline.
// A slow response never delays a send: requests run concurrently, and when
// the loop itself is late it catches up in a burst (each request still
// carries its own intended time, so the lateness shows in latency).
import { WakeThread, Waiter } from "./clock.ts";
import { Dispatcher, type CommonOptions } from "./dispatch.ts";
import type { Arrivals } from "./pacer.ts";

export interface OpenLoopOptions extends CommonOptions {
  /** A schedule, or an Interleaved one when there is a baseline lane. */
  schedule: Arrivals;
  /** Arrivals beyond this many open requests are dropped (and counted). */
  maxInFlight: number;
}

/** Gaps between arrivals from which the wake thread is used (below it, rates above 1,000 req/s, responses wake the thread often enough). */
const PRECISE_GAP_MS = 1;

/** Open loop: arrivals on a schedule, whatever the responses do. */
export class OpenLoop extends Dispatcher {
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
      const warm = schedule.shapeMs < warmupMs;
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
    // Gaps of a millisecond or more: the wake thread's sub-millisecond wake-ups.
    // Shorter gaps (high rates): responses wake this thread often enough
    // and a millisecond timer covers the rest; a wake-up per
    // arrival would cost more CPU than it saves lag.
    const wake = new WakeThread();
    // no yielding towards the deadlines of gaps under PRECISE_GAP_MS: measured at 10,000 req/s, it cost a quarter more CPU (31.5 against 24.6 µs per request) for the same schedule lag (p99 1.00 against 1.05 ms)
    const waiter = new Waiter(0.1, wake, false);
    await Promise.race([wake.ready, Bun.sleep(2000)]);
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
    wake.close();
    // in the shape's time (with a baseline, each lane plays the shape once, and may have got further than the other)
    const done = this.next === Number.POSITIVE_INFINITY;
    this.progress.nextDueMs = done ? schedule.shape.durationMs : schedule.nextDueOf(0);
    this.progress.directNextDueMs = done ? schedule.shape.durationMs : schedule.nextDueOf(1);
    await this.finish();
  }
}
