// The closed loop (hey-style): C loops, each sending its next request when
// the previous one ends; there is no schedule, so latency equals service time.
import { Dispatcher, type CommonOptions, type LoadPhase } from "./dispatch.ts";

export interface ClosedLoopOptions extends CommonOptions {
  concurrency: number;
  /** Stop after this many measured requests (Infinity: no limit). */
  requests: number;
  /** Stop sending after this long, warm-up included (Infinity: no limit). */
  durationMs: number;
}

/**
 * Closed loop: `concurrency` loops, each sending as soon as its previous
 * request ends (each finished request starts the next). With a baseline
 * lane, the whole closed-loop run is made against the mock directly first,
 * then against the gateway (there is no schedule to interleave).
 */
export class ClosedLoop extends Dispatcher {
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
