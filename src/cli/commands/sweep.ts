// `gatebench sweep`: the highest rate a gateway takes while meeting its
// SLOs. The same gateway, mock and load flags as `gatebench run`; each step
// is one run at one rate (its own gateway, mock, idle phase and warm-up).
import { defineCommand } from "citty";
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { runSweep, type SweepHooks, type SweepPlan } from "../../run/sweep.ts";
import { RUN_FOLDER, writeAtomic, writeRunFolder } from "../../report/files.ts";
import { progressLine } from "../../report/progress.ts";
import { SWEEP_SCHEMA, sweepHtml, sweepText, type SweepDoc } from "../../report/sweep.ts";
import { gatesFrom } from "../../metrics/gates/evaluate.ts";
import { roundRate } from "../../metrics/sweep.ts";
import { EXIT, UsageError } from "../errors.ts";
import { log, setVerbose } from "../log.ts";
import { durationFlag, positiveNumberFlag } from "../values.ts";
import { configRecord, documentOf, toolInfo } from "../../run/document.ts";
import { baselineOrder } from "../../run/config.ts";
import { runConfigFrom } from "../run/config.ts";
import { checkOutDir, checkWritableFile, settleGatewayLog } from "../run/files.ts";
import { runArgs, type RunArgValues } from "../run/flags.ts";
import { interrupts } from "../run/signals.ts";

/** Flags of run that a sweep sets itself, or that do not fit one. */
const NOT_FOR_SWEEP = new Set(["rate", "steps", "step-duration", "concurrency", "requests", "json", "html", "out", "abort-on-fail", "instance", "start-at"]);

const inherited = Object.fromEntries(Object.entries(runArgs).filter(([k]) => !NOT_FOR_SWEEP.has(k))) as Omit<
  typeof runArgs,
  "rate" | "steps" | "step-duration" | "concurrency" | "requests" | "json" | "html" | "out" | "abort-on-fail" | "instance" | "start-at"
>;

export const sweepArgs = {
  rates: {
    type: "string",
    description: "Run these rates, increasing, instead of the automatic search, e.g. 100,200,400; stops at the first that fails",
    group: "The sweep",
    valueHint: "list",
  },
  "start-rate": {
    type: "string",
    description: "Automatic search: the first rate; it doubles while every gate passes, then bisects",
    group: "The sweep",
    default: "50",
    valueHint: "rps",
  },
  "max-rate": {
    type: "string",
    description: "Automatic search: the highest rate tried; when it passes, the answer is that the knee lies above it",
    group: "The sweep",
    default: "5000",
    valueHint: "rps",
  },
  precision: {
    type: "string",
    description: "Automatic search: bisect until the lowest failing rate is within this share of the highest passing one",
    group: "The sweep",
    default: "10%",
    valueHint: "pct",
  },
  budget: {
    type: "string",
    description: "Time for the whole sweep: a step that would likely end after it is not started (each step is assumed to take as long as the last)",
    group: "The sweep",
    default: "10m",
    valueHint: "duration",
  },
  ...inherited,
  duration: { ...runArgs.duration, description: "Length of each step's measured load (default 10s)" },
  warmup: { ...runArgs.warmup, description: "Each step's warm-up at its own rate, left out of its figures", default: "2s" },
  idle: { ...runArgs.idle, description: "Quiet phase before each step's load", default: "1s" },
  cooldown: { ...runArgs.cooldown, description: "Quiet phase after each step's load", default: "0s" },
  json: {
    type: "string",
    description:
      "Also write the sweep as JSON to this file (schema gatebench-sweep/v1: the settings; every step's rate, verdict, failed gates and summary; highest_passing_rps and lowest_failing_rps; why the sweep ended)",
    group: "The sweep",
    valueHint: "file",
  },
  html: {
    type: "string",
    description:
      "Also write the sweep's HTML page to this file: the table, then latency p50/p99 (and overhead) and the gateway's CPU against the offered rate, the knee shaded between the highest passing and lowest failing rates",
    group: "The sweep",
    valueHint: "file",
  },
  out: {
    type: "string",
    description: "Write the sweep folder: sweep.json, sweep.html and each step's run folder (step-01-50rps/result.json, its .hgrm files, report.html)",
    group: "The sweep",
    valueHint: "dir",
  },
} as const;

/** "100,200,400": increasing rates. */
function ratesFlag(value: string): number[] {
  const rates = value.split(",").map((v) => positiveNumberFlag("rates", v.trim(), "100,200,400"));
  for (let i = 1; i < rates.length; i++) {
    if (rates[i]! <= rates[i - 1]!) throw new UsageError(`--rates "${value}": expected increasing rates, e.g. --rates 100,200,400`);
  }
  return rates;
}

/** "10%" or "0.1": a share above 0 and below 1. */
function precisionFlag(value: string): number {
  const v = value.trim();
  const n = v.endsWith("%") ? Number(v.slice(0, -1)) / 100 : Number(v);
  if (!(n > 0 && n < 1)) throw new UsageError(`--precision "${value}": expected a share above 0 and below 100%, e.g. --precision 10%`);
  return n;
}

/** The sweep's own flags: the rates given, or the search; its budget. */
function planOf(a: RunArgValues & Record<string, string | undefined>, given: (flag: string) => boolean): SweepPlan {
  if (given("rates")) {
    for (const f of ["start-rate", "max-rate", "precision"])
      if (given(f)) throw new UsageError(`--rates gives the rates; --${f} belongs to the automatic search: drop one of them`);
  }
  const plan: SweepPlan = {
    budgetMs: durationFlag("budget", a.budget!, { example: "10m" }),
    ...(a.rates !== undefined
      ? { rates: ratesFlag(a.rates) }
      : {
          search: {
            startRps: roundRate(positiveNumberFlag("start-rate", a["start-rate"]!, "50")),
            maxRps: positiveNumberFlag("max-rate", a["max-rate"]!, "5000"),
            precision: precisionFlag(a.precision!),
          },
        }),
  };
  if (plan.search && plan.search.maxRps < plan.search.startRps)
    throw new UsageError(`--max-rate ${plan.search.maxRps} is below --start-rate ${plan.search.startRps}`);
  return plan;
}

/** The sweep's files (--json, --html, --out), checked before the first step. */
function outputsOf(a: RunArgValues): { jsonPath?: string; htmlPath?: string; outDir?: string } {
  const jsonPath = a.json === undefined ? undefined : resolve(a.json);
  const htmlPath = a.html === undefined ? undefined : resolve(a.html);
  const outDir = a.out === undefined ? undefined : resolve(a.out);
  if (jsonPath) checkWritableFile("json", a.json!, jsonPath);
  if (htmlPath) checkWritableFile("html", a.html!, htmlPath);
  if (outDir) checkOutDir(a.out!, outDir);
  return { jsonPath, htmlPath, outDir };
}

/** What the steps tell along the way: the step being run, the first step's target, the step folders written. */
interface StepLog {
  current: { k: number; rate: number };
  firstUrl: string;
  gatewayKind: string;
  stepFiles: string[];
}

/** Progress and step lines on stderr; each step's run folder under --out. */
function stepHooks(seen: StepLog, outDir: string | undefined, shape: { warmupMs: number; baseline: boolean; quiet: boolean }): SweepHooks {
  const tty = Boolean(process.stderr.isTTY) && process.env.TERM !== "dumb";
  return {
    log: (m) => log.debug(m),
    progressEveryMs: tty ? 250 : 2000,
    progress: (p, elapsedMs) => {
      if (shape.quiet) return;
      const line = `step ${seen.current.k + 1} at ${seen.current.rate} req/s: ${progressLine({ ...p, elapsedMs, plannedMs: undefined, warmupMs: shape.warmupMs, baseline: shape.baseline })}`;
      if (tty) process.stderr.write(`\r\x1b[K${line}`);
      else log.info(line);
    },
    progressEnd: () => {
      if (tty) process.stderr.write("\r\x1b[K");
    },
    stepStart: (k, rate) => {
      seen.current = { k, rate };
      log.info(`step ${k + 1}: ${rate} req/s`);
    },
    stepDone: (step, result) => {
      const s = step.summary;
      const verdict = step.generator_limited
        ? `generator-limited (${step.generator_limited})`
        : step.pass
          ? "pass"
          : `FAIL (${step.failed.join(", ") || step.ended_early})`;
      log.info(
        `step ${seen.current.k + 1}: ${step.rate} req/s → ${verdict}; p99 ${s.latency_ms?.p99 ?? "-"} ms, success ${(s.requests.success_ratio * 100).toFixed(2)} %`,
      );
      if (!seen.firstUrl) {
        seen.firstUrl = result.url;
        seen.gatewayKind = result.config.gateway ? "command" : result.config.target ? "external" : "built-in proxy";
      }
      if (outDir) {
        const dir = join(outDir, `step-${String(seen.current.k + 1).padStart(2, "0")}-${step.rate}rps`);
        try {
          mkdirSync(dir, { recursive: true });
          const logSource = result.processes.gateway?.log;
          if (logSource && result.processes.gateway) result.processes.gateway.log = join(dir, RUN_FOLDER.gatewayLog);
          writeRunFolder(dir, documentOf(result), logSource);
          settleGatewayLog(logSource, true, result.config.gateway?.keepTemp ?? false);
          seen.stepFiles.push(dir);
        } catch (err) {
          log.error(`could not write ${dir}: ${(err as Error).message}`);
        }
      }
    },
  };
}

/** The sweep's files, each written atomically; false when one could not be. */
function writeSweep(doc: SweepDoc, o: ReturnType<typeof outputsOf>, steps: number): boolean {
  let written = true;
  const attempt = (what: string, write: () => void): void => {
    try {
      write();
      log.info(`${what} written`);
    } catch (err) {
      log.error(`could not write the ${what}: ${(err as Error).message}`);
      written = false;
    }
  };
  const { jsonPath, htmlPath, outDir } = o;
  if (jsonPath) attempt(`sweep ${jsonPath}`, () => writeAtomic(jsonPath, `${JSON.stringify(doc, null, 2)}\n`));
  if (htmlPath) attempt(`HTML page ${htmlPath}`, () => writeAtomic(htmlPath, sweepHtml(doc)));
  if (outDir) {
    attempt(`sweep folder ${outDir} (sweep.json, sweep.html, ${steps} step folders)`, () => {
      mkdirSync(outDir, { recursive: true });
      writeAtomic(join(outDir, "sweep.json"), `${JSON.stringify(doc, null, 2)}\n`);
      writeAtomic(join(outDir, "sweep.html"), sweepHtml(doc));
    });
  }
  return written;
}

export const sweepCommand = defineCommand({
  meta: { name: "sweep", description: "Find the highest rate that meets every SLO: runs at increasing rates (doubling, then bisecting), each a full run" },
  args: sweepArgs,
  async run({ args, rawArgs }): Promise<number> {
    const a = args as unknown as RunArgValues & Record<string, string | undefined>;
    setVerbose(Boolean(a.verbose), Boolean(a.quiet));
    const given = (flag: string): boolean => rawArgs.some((r) => r === `--${flag}` || r.startsWith(`--${flag}=`));
    // every step is a run: its flags are checked the way run checks them (the sweep writes its own files)
    const base = runConfigFrom({ ...a, json: undefined, html: undefined, out: undefined } as RunArgValues, rawArgs);
    const plan = planOf(a, given);
    const outputs = outputsOf(a);
    if (base.slo.length === 0 && base.minSuccess === undefined && !base.strict) {
      base.slo = ["success >= 99.9%"];
      log.info('no --slo given: each step is judged by success >= 99.9% (add the SLOs you care about, e.g. --slo "latency.p99 < 250ms")');
    }
    const gates = [...gatesFrom(base).map((g) => g.expr), ...(base.strict ? [`the ${base.targets} targets (--strict)`] : [])];
    const signals = interrupts();
    const startedAt = new Date().toISOString();
    const seen: StepLog = { current: { k: 0, rate: 0 }, firstUrl: "", gatewayKind: "", stepFiles: [] };
    let outcome: Awaited<ReturnType<typeof runSweep>>;
    try {
      outcome = await runSweep(
        base,
        plan,
        stepHooks(seen, outputs.outDir, { warmupMs: base.warmupMs, baseline: baselineOrder(base) !== undefined, quiet: Boolean(a.quiet) }),
        {
          stop: signals.stop.signal,
          abort: signals.abort.signal,
        },
      );
    } finally {
      signals.dispose();
    }
    const doc: SweepDoc = {
      schema: SWEEP_SCHEMA,
      tool: toolInfo(),
      config: configRecord(base),
      sweep: {
        mode: plan.rates ? "rates" : "search",
        ...(plan.rates ? { rates: plan.rates } : { start_rps: plan.search!.startRps, max_rps: plan.search!.maxRps, precision: plan.search!.precision }),
        budget_ms: plan.budgetMs,
        gates,
      },
      started_at: startedAt,
      target: seen.firstUrl || (base.target ?? "(no step ran)"),
      gateway: seen.gatewayKind || (base.gateway ? "command" : base.target ? "external" : "built-in proxy"),
      load: `${base.arrival} arrivals for ${base.durationMs / 1000} s${base.warmupMs > 0 ? ` after a ${base.warmupMs / 1000} s warm-up at the same rate` : ""}, ${base.stream ? "streaming" : "unary"}, ${base.baseline === "off" ? "no baseline" : `baseline ${base.baseline}`}`,
      steps: outcome.steps,
      highest_passing_rps: outcome.highestPass ?? null,
      lowest_failing_rps: outcome.lowestFail ?? null,
      end: outcome.end,
      end_note: outcome.endNote,
    };
    process.stdout.write(`${sweepText(doc)}\n`);
    const written = writeSweep(doc, outputs, seen.stepFiles.length);
    if (outcome.end === "run-failed") {
      log.error(outcome.endNote);
      return EXIT.runFailed;
    }
    if (outcome.end === "interrupted" || !written) return EXIT.runFailed;
    if (doc.highest_passing_rps === null && doc.lowest_failing_rps !== null) {
      log.error("no rate met all SLOs");
      return EXIT.sloFailed;
    }
    return EXIT.ok;
  },
});
