// A capacity sweep: one benchmark per rate, each with its own gateway,
// mock, idle phase and warm-up, until the highest rate that meets every
// gate is found (or the rates given are done, the time budget is spent,
// or the generator becomes the limit).
import { ProcessFailure } from "../process/children.ts";
import { generatorLimit, RateSearch, type SearchOptions, type SweepEnd, type SweepStep } from "../metrics/sweep.ts";
import { type RunControl, type RunHooks, type RunResult, runBenchmark } from "./benchmark.ts";
import type { RunConfig } from "./config.ts";

export interface SweepPlan {
  /** The rates to run, in order (--rates); otherwise the automatic search. */
  rates?: number[];
  search?: SearchOptions;
  /** Total time for the sweep: no step starts that would likely end past it. */
  budgetMs: number;
}

export interface SweepHooks extends RunHooks {
  /** A step is about to start (k from 0). */
  stepStart(k: number, rate: number): void;
  /** A step is done: its place in the table, and the whole run (for its own result file). */
  stepDone(step: SweepStep, result: RunResult): void;
}

export interface SweepOutcome {
  steps: SweepStep[];
  /** The highest rate at which every gate passed. */
  highestPass: number | undefined;
  /** The lowest rate at which a gate failed. */
  lowestFail: number | undefined;
  end: SweepEnd;
  /** The end in words. */
  endNote: string;
}

/** When the generator or the mock, not the gateway, set a step's pace: the sweep ends there, and says why. */
function rigEnd(rate: number, generator: string | undefined, mock: string | undefined): { end: SweepEnd; note: string } | undefined {
  if (generator)
    return {
      end: "generator",
      note: `at ${rate} req/s the generator, not the gateway, set the pace (${generator}); the figures stop being the gateway's here, so the sweep stops without a knee. Run gatebench on a machine (or cores) of its own, or with more --workers`,
    };
  if (mock)
    return {
      end: "mock",
      note: `at ${rate} req/s ${mock}; so the sweep stops without a knee. Give the mock more processes (--mock-procs) or cores of its own`,
    };
  return undefined;
}

export async function runSweep(base: RunConfig, plan: SweepPlan, hooks: SweepHooks, control: RunControl): Promise<SweepOutcome> {
  const search = plan.rates ? undefined : new RateSearch(plan.search!);
  const queue = plan.rates ? [...plan.rates] : [];
  const steps: SweepStep[] = [];
  const t0 = performance.now();
  let end: SweepEnd | undefined;
  let endNote = "";
  let highestPass: number | undefined;
  let lowestFail: number | undefined;
  for (let k = 0; ; k++) {
    const rate = search ? search.next() : queue.shift();
    if (rate === undefined) {
      end = search?.end ?? "all-rates";
      break;
    }
    if (control.stop.aborted) {
      end = "interrupted";
      break;
    }
    // the next step takes at least as long as the last one
    const last = steps.at(-1)?.wall_ms ?? 0;
    if (steps.length > 0 && performance.now() - t0 + last > plan.budgetMs) {
      end = "budget";
      endNote = `the time budget (${Math.round(plan.budgetMs / 1000)} s) would be passed by the next step at ${rate} req/s`;
      break;
    }
    hooks.stepStart(k, rate);
    const started = performance.now();
    let result: RunResult;
    try {
      // each step stops once a gate can no longer pass: a failing step need not run to its end
      result = await runBenchmark({ ...base, rateRps: rate, abortOnFail: true }, hooks, control);
    } catch (err) {
      if (!(err instanceof ProcessFailure)) throw err;
      end = "run-failed";
      endNote = `the step at ${rate} req/s could not be run: ${err.message}`;
      break;
    }
    const s = result.summary;
    const ended = result.ended;
    if (ended.early && !ended.failed && ended.gate === undefined) {
      // interrupted: this step's figures are not a verdict
      end = "interrupted";
      break;
    }
    const failed = (s.slo ?? []).filter((g) => !g.pass).map((g) => g.expr);
    const step: SweepStep = {
      rate,
      pass: failed.length === 0 && !ended.early,
      failed,
      wall_ms: Math.round(performance.now() - started),
      summary: s,
      ...(ended.early ? { ended_early: ended.reason } : {}),
    };
    const limit = generatorLimit(s, base.workers);
    if (limit) step.generator_limited = limit;
    if (s.mock_bound) step.mock_limited = s.mock_bound;
    steps.push(step);
    hooks.stepDone(step, result);
    const rig = rigEnd(rate, limit, s.mock_bound);
    if (rig) {
      end = rig.end;
      endNote = rig.note;
      break;
    }
    if (step.pass) highestPass = Math.max(highestPass ?? 0, rate);
    else lowestFail = Math.min(lowestFail ?? Number.POSITIVE_INFINITY, rate);
    if (search) search.record(rate, step.pass);
    else if (!step.pass) {
      // the rates given go up: once one fails, the higher ones are not run
      end = "first-failed";
      endNote = queue.length > 0 ? `${rate} req/s failed; the higher rates (${queue.join(", ")}) were not run` : "";
      break;
    }
  }
  return { steps, highestPass, lowestFail, end: end!, endNote };
}
