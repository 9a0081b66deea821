// What the stages of one benchmark share: its config and hooks, the two
// signals that stop it (stop sending; abort what is in flight), why it
// ended early, and the processes it started, so that whatever happens they
// are stopped at the end.
import type { ExternalGateway } from "../gateway/external.ts";
import type { PlaceholderValues } from "../gateway/template.ts";
import type { LiveCounts } from "../load/load.ts";
import { selfArgv, type ChildProcess } from "../process/children.ts";
import type { RunConfig } from "./config.ts";

export interface RunHooks {
  log(message: string): void;
  /** How often progress() is called during the load phase. */
  progressEveryMs: number;
  /** Progress of the load phase. */
  progress(p: LiveCounts, elapsedMs: number): void;
  /** The load phase is over (a redrawn progress line can be cleared). */
  progressEnd?(): void;
}

export interface RunControl {
  /** First Ctrl-C: stop sending, let in-flight requests finish (up to the drain deadline), report. */
  stop: AbortSignal;
  /** Second Ctrl-C: abort in-flight requests now. */
  abort: AbortSignal;
}

/** Why a run ended before its schedule did: interrupted, what failed, or the gate that could no longer pass. */
export type Ended = { early: false } | { early: true; reason: string; failed: boolean; gate?: string };

export class RunContext {
  /** gatebench's own command line, to start its hidden commands (the mock, the proxy, load workers). */
  readonly self = selfArgv();
  readonly startedAt = new Date().toISOString();
  readonly startedMs = performance.now();
  readonly stopSending = new AbortController();
  readonly abortInFlight = new AbortController();
  ended: Ended = { early: false };
  /** Children started for the run (mocks, the built-in proxy), in start order. */
  readonly children: ChildProcess[] = [];
  /** The user's gateway, started from --gateway. */
  external: ExternalGateway | undefined;
  /** The placeholders --setup was given (and --teardown will be). */
  hookValues: PlaceholderValues | undefined;
  private readonly onStop = (): void => this.endEarly("interrupted", false);
  private readonly onAbort = (): void => this.fail("interrupted", false);

  constructor(
    readonly cfg: RunConfig,
    readonly hooks: RunHooks,
    readonly control: RunControl,
  ) {
    // watched from the first moment: a Ctrl-C while the children start must not be lost
    if (control.abort.aborted) this.onAbort();
    else if (control.stop.aborted) this.onStop();
    control.stop.addEventListener("abort", this.onStop, { once: true });
    control.abort.addEventListener("abort", this.onAbort, { once: true });
  }

  /** Stops sending (the requests in flight finish); the first reason is the one kept. */
  endEarly(reason: string, failed: boolean, gate?: string): void {
    if (!this.ended.early) this.ended = { early: true, reason, failed, ...(gate ? { gate } : {}) };
    this.stopSending.abort();
  }

  /** Ends the run early and aborts the requests in flight. */
  fail(reason: string, failed = true): void {
    this.endEarly(reason, failed);
    this.abortInFlight.abort();
  }

  /** The run is over: the user's signals are no longer this run's. */
  release(): void {
    this.control.stop.removeEventListener("abort", this.onStop);
    this.control.abort.removeEventListener("abort", this.onAbort);
  }
}
