// The Waiter on a fake clock: time moves only when it sleeps or yields, a
// timer fires a set lateness after it was due, so every path can be
// followed exactly. A wait never ends before its deadline, and its yielding
// stays within its budget.
import { describe, expect, test } from "bun:test";
import { type Clock, type Wake, Waiter } from "../../src/load/clock.ts";
import { TimeoutSlots } from "../../src/load/fetch.ts";

class FakeClock implements Clock {
  t = 1000;
  /** How late a timer fires, and what one yield to the event loop takes. */
  lateMs = 0.1;
  yieldMs = 0.005;
  sleeps: number[] = [];
  yields = 0;
  now(): number {
    return this.t;
  }
  async sleep(ms: number): Promise<void> {
    if (ms === 0) {
      this.yields++;
      this.t += this.yieldMs;
    } else {
      this.sleeps.push(ms);
      this.t += ms + this.lateMs;
    }
  }
  async sleepOrAbort(ms: number, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    this.sleeps.push(ms);
    this.t += ms + this.lateMs;
  }
}

/** A wake thread that hands over `handoverMs` after the instant asked for. */
function fakeWake(clock: FakeClock, handoverMs = 0.12): Wake & { asked: number[] } {
  const asked: number[] = [];
  return {
    broken: false,
    asked,
    async sleepUntil(atMs: number) {
      asked.push(atMs);
      clock.t = Math.max(clock.t, atMs + handoverMs);
    },
  };
}

const running = (): AbortSignal => new AbortController().signal;

describe("Waiter", () => {
  test("a long wait: one long sleep stopping 5 ms short, a short one, then yields to the deadline; never early", async () => {
    const clock = new FakeClock();
    const w = new Waiter(0.05, undefined, true, clock);
    const deadline = clock.t + 200;
    await w.until(deadline, running());
    expect(clock.sleeps).toEqual([195, 4]);
    expect(clock.t).toBeGreaterThanOrEqual(deadline);
    expect(clock.t - deadline).toBeLessThan(clock.yieldMs + 1e-9);
  });

  test("over its spin budget it settles for the next whole millisecond, without yielding", async () => {
    const clock = new FakeClock();
    const w = new Waiter(0.001, undefined, true, clock);
    // the first wait yields towards its deadline, and spends the little budget there is
    await w.until(clock.t + 0.4, running());
    expect(clock.yields).toBeGreaterThan(0);
    const yields = clock.yields;
    const deadline = clock.t + 0.4;
    await w.until(deadline, running());
    expect(clock.sleeps).toEqual([1]);
    expect(clock.yields).toBe(yields);
    expect(clock.t).toBeGreaterThanOrEqual(deadline);
  });

  test("without coarse spinning (the open loop's high rates), a wait that is not precise never yields", async () => {
    const clock = new FakeClock();
    const w = new Waiter(1, undefined, false, clock);
    await w.until(clock.t + 0.8, running());
    expect(clock.yields).toBe(0);
    expect(clock.sleeps).toEqual([1]);
  });

  test("the budget bounds what yielding costs over a run of deadlines", async () => {
    const clock = new FakeClock();
    const budget = 0.1;
    const w = new Waiter(budget, undefined, true, clock);
    const start = clock.t;
    // a deadline every 0.7 ms for 1 s: each could be yielded towards all the way
    for (let k = 1; k <= 1400; k++) await w.until(start + k * 0.7, running());
    const elapsed = clock.t - start;
    expect(elapsed).toBeGreaterThanOrEqual(980);
    // charged per yield at most IDLE_YIELD_MS (0.01): within the budget, give or take one wait's worth
    expect(w.yieldedMs).toBeLessThanOrEqual(budget * elapsed + 1);
    expect(w.yieldedMs).toBeGreaterThan(0.5 * budget * elapsed);
  });

  test("a stop ends the wait at once", async () => {
    const clock = new FakeClock();
    const stop = new AbortController();
    stop.abort();
    await new Waiter(0.05, undefined, true, clock).until(clock.t + 10_000, stop.signal);
    expect(clock.sleeps).toEqual([]);
    expect(clock.t).toBe(1000);
  });

  // a thread that slept longer wakes slower: a longer sleep on the wake thread is asked to end earlier
  test.each([
    [1.5, 0.13],
    [10, 0.6],
  ])("precise, with a wake thread, %p ms ahead: woken %p ms before the deadline, then yields the rest; never early", async (aheadMs, earlyMs) => {
    const clock = new FakeClock();
    const wake = fakeWake(clock);
    const w = new Waiter(0.5, wake, true, clock);
    const deadline = clock.t + aheadMs;
    await w.until(deadline, running(), true);
    expect(wake.asked).toEqual([deadline - earlyMs]);
    expect(clock.t).toBeGreaterThanOrEqual(deadline);
    expect(clock.sleeps).toEqual([]);
  });

  test("at most one wake-up per half millisecond: a deadline sooner than that after the last is woken for later", async () => {
    const clock = new FakeClock();
    const wake = fakeWake(clock, 0);
    const w = new Waiter(0, wake, true, clock);
    const first = clock.t + 1;
    await w.until(first, running(), true);
    // woken (with no hand-over) where it asked; the next wake-up is half a millisecond after that at the soonest
    await w.until(first + 0.2, running(), true);
    expect(wake.asked).toHaveLength(2);
    expect(wake.asked[1]! - wake.asked[0]!).toBeCloseTo(0.5, 9);
    expect(clock.t).toBeGreaterThanOrEqual(first + 0.2);
  });
});

describe("TimeoutSlots (the fetch client's timeouts: one timer per window of sends)", () => {
  const waitFor = async (cond: () => boolean, ms: number): Promise<boolean> => {
    const end = performance.now() + ms;
    while (performance.now() < end) {
      if (cond()) return true;
      await Bun.sleep(2);
    }
    return cond();
  };

  test("requests sent within one window share a slot; it times out between the timeout and a window later", async () => {
    const slots = new TimeoutSlots(50);
    const t0 = performance.now();
    const a = slots.take(t0);
    const b = slots.take(t0 + 1);
    expect(b).toBe(a);
    // a window is a tenth of the timeout: 5 ms later is another slot
    expect(slots.take(t0 + 6)).not.toBe(a);
    expect(await waitFor(() => a.ctl.signal.aborted, 2000)).toBe(true);
    expect(a.timedOut).toBe(true);
    const took = performance.now() - t0;
    expect(took).toBeGreaterThanOrEqual(50);
    slots.abortAll();
  });

  test("a slot whose requests all finished is dropped, its timer cleared: it never fires", async () => {
    const slots = new TimeoutSlots(30);
    const now = performance.now();
    const a = slots.take(now);
    slots.take(now + 10); // a later window: `a` is no longer current
    slots.release(a);
    await Bun.sleep(80);
    expect(a.ctl.signal.aborted).toBe(false);
    slots.abortAll();
  });

  test("abortAll aborts what is in flight, and every slot taken later", () => {
    const slots = new TimeoutSlots(60_000);
    const a = slots.take(performance.now());
    slots.abortAll();
    expect(a.ctl.signal.aborted).toBe(true);
    expect(a.timedOut).toBe(false);
    expect(slots.take(performance.now() + 200).ctl.signal.aborted).toBe(true);
  });
});
