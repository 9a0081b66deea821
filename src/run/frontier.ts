// A frontier's ladder: one benchmark per rung (runBenchmark, each with its
// own gateway, mock, idle phase and warm-up), climbing closed-loop
// concurrency or open-loop rates until the ladder is done, a rung fails
// everything, the rig becomes the limit or the time budget is spent. After
// the first rung, the added latency: a run at one request at a time with
// the baseline, what the gateway adds to each request, long enough for a
// few dozen requests when the budget allows (streams are slow to space).
import {
  type Added,
  addedDurationMs,
  addedOf,
  addedRate,
  type FrontierEnd,
  type FrontierRung,
  type LadderKind,
  levelLabel,
  refusedRung,
  rungOf,
  stopAfter,
} from "../metrics/frontier.ts";
import { ProcessFailure } from "../process/children.ts";
import { type RunControl, type RunHooks, type RunResult, runBenchmark } from "./benchmark.ts";
import type { RunConfig } from "./config.ts";
import { OpenFilesError } from "./errors.ts";

export interface FrontierPlan {
  kind: LadderKind;
  /** The rungs' levels, increasing: connections, or rates (req/s). */
  levels: number[];
  /** Each rung's measured load (its warm-up comes first). */
  rungMs: number;
  /** Total time: no rung starts that would likely end past it. */
  budgetMs: number;
  /** "added": the first rung and the added latency only; "ladder": the rungs without the added latency. */
  only?: "added" | "ladder";
}

export interface FrontierHooks extends RunHooks {
  /** A run is about to start: a rung (k from 0), or the added latency's run (its rate, req/s, and measured load, ms). */
  runStart(what: { rung: number; level: number } | { added: number; durationMs: number }): void;
  /** A rung is done: its row, and the whole run (for its own result folder; none when this machine could not start it). */
  rungDone(rung: FrontierRung, result: RunResult | undefined): void;
  /** The added latency's run is done. */
  addedDone(added: Added | undefined, result: RunResult): void;
}

export interface FrontierOutcome {
  rungs: FrontierRung[];
  added?: Added;
  /** Why there is no added latency, when there is none. */
  addedNote?: string;
  end: FrontierEnd;
  /** The end in words. */
  endNote: string;
}

/** What every run of a frontier leaves out: gates, files, and (but for the added latency's run) the baseline. */
function common(base: RunConfig, rungMs: number): RunConfig {
  return {
    ...base,
    durationMs: rungMs,
    requests: undefined,
    steps: undefined,
    stepMs: undefined,
    rateToRps: undefined,
    baseline: "off",
    slo: [],
    minSuccess: undefined,
    strict: false,
    targets: "none",
    abortOnFail: false,
    jsonPath: undefined,
    htmlPath: undefined,
    outDir: undefined,
  };
}

/** One rung's run: a closed loop of `level` connections (a worker needs one at least), or an open loop at `level` req/s. */
export function rungConfig(base: RunConfig, plan: FrontierPlan, level: number): RunConfig {
  const c = common(base, plan.rungMs);
  return plan.kind === "concurrency" ? { ...c, concurrency: level, workers: Math.min(base.workers, level) } : { ...c, concurrency: undefined, rateRps: level };
}

/** Why the added latency cannot be measured with these settings, or undefined. */
export function noAddedWhy(base: RunConfig): string | undefined {
  if (base.noMock) return "no mock (--no-mock): there is nothing to send the same requests to directly";
  if (base.baseline === "off") return "--baseline off: the added latency needs the same requests sent straight to the mock";
  return undefined;
}

/** The added latency's run: an open loop at `rate`, spaced for one request at a time, with the baseline as given (interleaved by default). */
function addedConfig(base: RunConfig, durationMs: number, rate: number): RunConfig {
  return { ...common(base, durationMs), concurrency: undefined, rateRps: rate, baseline: base.baseline };
}

/**
 * A run, or why none could be made: a ProcessFailure (the gateway or the
 * mock would not start) ends the frontier; a load beyond this machine's
 * open-file limit is the rig's limit.
 */
async function attempt(cfg: RunConfig, hooks: RunHooks, control: RunControl): Promise<RunResult | { failed: string } | { refused: string }> {
  try {
    return await runBenchmark(cfg, hooks, control);
  } catch (err) {
    if (err instanceof OpenFilesError) return { refused: err.message };
    if (err instanceof ProcessFailure) return { failed: err.message };
    throw err;
  }
}

/** A run stopped by the user (not by a failure): its figures are not a verdict. */
const interrupted = (r: RunResult): boolean => r.ended.early && !r.ended.failed && r.ended.gate === undefined;

/**
 * The added latency after the first rung, or why there is none. `leftMs`:
 * what the budget leaves for its measured load (the baseline's included).
 */
async function measureAdded(
  base: RunConfig,
  plan: FrontierPlan,
  first: FrontierRung,
  leftMs: number,
  hooks: FrontierHooks,
  control: RunControl,
): Promise<{ added?: Added; note?: string; failed?: string }> {
  const why = noAddedWhy(base);
  if (why) return { note: why };
  if (first.rig || first.ok === 0)
    return { note: `the first rung ${first.rig ? "was at the rig's limit" : "failed every request"}: nothing to measure against` };
  const rate = addedRate(first.p99_ms, base.stream);
  const durationMs = addedDurationMs(rate, plan.rungMs, leftMs);
  hooks.runStart({ added: rate, durationMs });
  const result = await attempt(addedConfig(base, durationMs, rate), hooks, control);
  if ("refused" in result) return { note: result.refused };
  if ("failed" in result) return { failed: `the added latency's run could not be made: ${result.failed}` };
  if (interrupted(result)) return { note: "interrupted" };
  const added = addedOf(result.summary, { stream: base.stream, rate, workers: base.workers, durationMs });
  hooks.addedDone(added, result);
  return added ? { added } : { note: "the run had no successful request on one of its two paths" };
}

export async function runFrontier(base: RunConfig, plan: FrontierPlan, hooks: FrontierHooks, control: RunControl): Promise<FrontierOutcome> {
  const rungs: FrontierRung[] = [];
  const out: FrontierOutcome = { rungs, end: "ladder-done", endNote: "", ...(plan.only === "ladder" ? { addedNote: "--only ladder" } : {}) };
  const t0 = performance.now();
  let lastMs = 0;
  for (const [k, level] of plan.levels.entries()) {
    const at = levelLabel(plan.kind, level);
    if (control.stop.aborted) return { ...out, end: "interrupted" };
    // the next rung takes at least as long as the last run
    if (k > 0 && performance.now() - t0 + lastMs > plan.budgetMs)
      return { ...out, end: "budget", endNote: `the time budget (${Math.round(plan.budgetMs / 1000)} s) would be passed by the next rung, ${at}` };
    hooks.runStart({ rung: k, level });
    const started = performance.now();
    const result = await attempt(rungConfig(base, plan, level), hooks, control);
    if ("failed" in result) return { ...out, end: "run-failed", endNote: `the rung at ${at} could not be run: ${result.failed}` };
    if ("refused" in result) {
      rungs.push(refusedRung({ kind: plan.kind, value: level }, result.refused));
      hooks.rungDone(rungs.at(-1)!, undefined);
      return { ...out, end: "rig", endNote: `at ${at} this machine could not hold the load; the ladder stops there` };
    }
    if (interrupted(result)) return { ...out, end: "interrupted" };
    lastMs = performance.now() - started;
    const ended = result.ended.early ? result.ended.reason : undefined;
    const rung = rungOf({ kind: plan.kind, value: level }, result.summary, {
      workers: result.config.workers,
      wallMs: lastMs,
      endedEarly: ended,
      stream: base.stream,
    });
    rungs.push(rung);
    hooks.rungDone(rung, result);
    if (k === 0 && plan.only !== "ladder") {
      // the rest of the ladder first, each rung as long as this one; then a run's start-up, idle phase and warm-up before its measured load
      const ladderMs = plan.only === "added" ? 0 : (plan.levels.length - 1) * lastMs;
      const leftMs = plan.budgetMs - (performance.now() - t0) - ladderMs - Math.max(0, lastMs - plan.rungMs) - base.warmupMs;
      const a = await measureAdded(base, plan, rung, leftMs, hooks, control);
      if (a.failed) return { ...out, addedNote: a.failed, end: "run-failed", endNote: a.failed };
      if (a.added) out.added = a.added;
      if (a.note) out.addedNote = a.note;
      if (control.stop.aborted) return { ...out, end: "interrupted" };
    }
    if (plan.only === "added") return { ...out, end: "only-added" };
    const stop = stopAfter(rung);
    if (stop === "rig") return { ...out, end: stop, endNote: `at ${at} the rig, not the gateway, set the pace (${rung.rig!.why}); the ladder stops there` };
    if (stop === "all-failed") return { ...out, end: stop, endNote: `every request failed at ${at}; the ladder stops there` };
  }
  return out;
}
