// What every route of the mock shares: its options, counters, the one
// ticker for all its waits, the per-request plan and the answers' headers.
import { MockPlan, type MockOptions } from "./plan.ts";
import { Replies } from "./reply.ts";
import { MockCounters } from "./stats.ts";
import { Ticker } from "./ticker.ts";

export class MockContext {
  readonly counters = new MockCounters();
  readonly ticker = new Ticker();
  readonly plan: MockPlan;
  readonly replies: Replies;
  private seq = 0;

  constructor(readonly o: MockOptions) {
    this.plan = new MockPlan(o);
    this.replies = new Replies(this.counters);
  }

  /** Waits until `deadlineMs` (performance.now() clock) on the shared ticker: never early, no CPU spent waiting; undefined when it has passed. */
  sleepUntil(deadlineMs: number): Promise<void> | undefined {
    return deadlineMs > performance.now() ? this.ticker.until(deadlineMs) : undefined;
  }

  /** The next answer's number (its id's suffix); constant with --fixed. */
  nextSeq(): number {
    return this.o.fixed ? 0 : ++this.seq;
  }
}
