// The flags of `gatebench frontier`: run's gateway, mock and load flags
// (those a ladder does not set itself), and its own: the ladder, the
// bounds, the rung's length, the budget and the files; and what they
// become (a FrontierPlan and the bounds), each value checked.
import { DEFAULT_BOUNDS_MS, DEFAULT_MAX_CONCURRENCY, doublingLadder } from "../../metrics/frontier.ts";
import type { FrontierPlan } from "../../run/frontier.ts";
import { UsageError } from "../errors.ts";
import { runArgs } from "../run/flags.ts";
import { durationFlag, parseDuration, positiveNumberFlag, wholeNumberFlag } from "../values.ts";

/** Flags of run that a ladder sets itself (rates, connections, length), or that do not fit one (gates, one run's files). */
const NOT_FOR_FRONTIER = [
  "rate",
  "steps",
  "step-duration",
  "concurrency",
  "requests",
  "duration",
  "json",
  "html",
  "out",
  "abort-on-fail",
  "instance",
  "start-at",
  "slo",
  "min-success",
  "targets",
  "strict",
] as const;

const inherited = Object.fromEntries(Object.entries(runArgs).filter(([k]) => !(NOT_FOR_FRONTIER as readonly string[]).includes(k))) as Omit<
  typeof runArgs,
  (typeof NOT_FOR_FRONTIER)[number]
>;

const GROUP = "The frontier";

export const frontierArgs = {
  concurrency: {
    type: "string",
    alias: "c",
    description: `Rungs of closed-loop concurrency (streams open at once with --stream), increasing, e.g. 1,2,4,16 (default 1, 2, 4, … up to --max-concurrency)`,
    group: GROUP,
    valueHint: "list",
  },
  "max-concurrency": {
    type: "string",
    description: "The highest rung of the default concurrency ladder (doubling from 1)",
    group: GROUP,
    default: String(DEFAULT_MAX_CONCURRENCY),
    valueHint: "n",
  },
  rates: {
    type: "string",
    description: "Rungs of open-loop rates instead, increasing, e.g. 100,200,400 (req/s)",
    group: GROUP,
    valueHint: "list",
  },
  bounds: {
    type: "string",
    description:
      "The p99 bounds to read the throughput at (of the latency; with --stream, of the time to the first token), e.g. 1ms,5ms,10ms,50ms,100ms; the unbounded reading (any rung without a failure) always follows",
    group: GROUP,
    default: DEFAULT_BOUNDS_MS.map((b) => `${b}ms`).join(","),
    valueHint: "list",
  },
  "rung-duration": {
    type: "string",
    description: "Length of each rung's measured load (after its warm-up)",
    group: GROUP,
    default: "10s",
    valueHint: "duration",
  },
  only: {
    type: "string",
    description:
      "added: only the first rung and the added latency (what the gateway adds to one request at a time, in µs); ladder: the rungs without the added latency; given once",
    group: GROUP,
    valueHint: "part",
  },
  name: {
    type: "string",
    description: "The gateway's name on a board (gatebench compare's column); default: its command's name, the target's host:port, or built-in proxy",
    group: GROUP,
    valueHint: "name",
  },
  budget: {
    type: "string",
    description: "Time for the whole ladder: a rung that would likely end after it is not started (each rung is assumed to take as long as the last)",
    group: GROUP,
    default: "10m",
    valueHint: "duration",
  },
  ...inherited,
  warmup: { ...runArgs.warmup, description: "Each rung's warm-up at its own level, left out of its figures", default: "2s" },
  // the gateway's own cost is what a frontier reads: the mock answers unary requests at once unless told otherwise
  "mock-latency": {
    ...runArgs["mock-latency"],
    description: "Mock: unary response delay (a frontier's mock answers at once, so that what is read is the gateway's own cost)",
    default: "0ms",
  },
  idle: { ...runArgs.idle, description: "Quiet phase before each rung's load", default: "1s" },
  cooldown: { ...runArgs.cooldown, description: "Quiet phase after each rung's load", default: "0s" },
  json: {
    type: "string",
    description:
      "Also write the frontier as JSON to this file (schema gatebench/frontier-v1: every rung with its summary, the reading at each bound with its evidence, the added latency, streams sustained)",
    group: GROUP,
    valueHint: "file",
  },
  html: {
    type: "string",
    description: "Also write the frontier's HTML page to this file: the readings, the rungs, and throughput against p99 (log scale) with the bounds drawn",
    group: GROUP,
    valueHint: "file",
  },
  out: {
    type: "string",
    description: "Write the frontier folder: frontier.json, frontier.html and each run's folder (rung-01-c1/result.json, its .hgrm files, report.html; added/)",
    group: GROUP,
    valueHint: "dir",
  },
} as const;

/** The frontier's own flags: run's checks never see them (run's --concurrency is one number, the ladder's a list). */
export const OWN_FLAGS = ["concurrency", "max-concurrency", "rates", "bounds", "rung-duration", "only", "name", "budget"] as const;

/** "1,2,4": increasing levels, each checked by `one`. */
function levelsFlag(flag: string, value: string, one: (v: string) => number, example: string): number[] {
  let levels: number[];
  try {
    levels = value.split(",").map((v) => one(v.trim()));
  } catch {
    throw new UsageError(
      `--${flag} "${value}": expected increasing ${flag === "rates" ? "rates above zero" : "whole numbers above zero"}, e.g. --${flag} ${example}`,
    );
  }
  for (let i = 1; i < levels.length; i++)
    if (levels[i]! <= levels[i - 1]!) throw new UsageError(`--${flag} "${value}": expected increasing values, e.g. --${flag} ${example}`);
  return levels;
}

/** "1ms,5ms,100ms": the bounds in ms, increasing, and the unbounded reading last. */
export function boundsFlag(value: string): (number | null)[] {
  const bad = (): UsageError =>
    new UsageError(
      `--bounds "${value}": expected increasing p99 bounds with a unit, e.g. --bounds 1ms,5ms,10ms,50ms,100ms (the unbounded reading always follows)`,
    );
  const out: number[] = [];
  for (const part of value.split(",")) {
    const v = part.trim();
    if (v === "unbounded") continue;
    const ms = parseDuration(v);
    if (ms === undefined || !(ms > 0) || (out.length > 0 && ms <= out.at(-1)!)) throw bad();
    out.push(ms);
  }
  return [...out, null];
}

/** Refuses a flag typed more than once (`--only ladder --only added`): which one was meant is not for gatebench to guess. */
export function onceFlag(rawArgs: string[], flag: string, example: string): void {
  const values = rawArgs.flatMap((r, i) => (r === `--${flag}` ? [rawArgs[i + 1] ?? ""] : r.startsWith(`--${flag}=`) ? [r.slice(flag.length + 3)] : []));
  if (values.length > 1) throw new UsageError(`--${flag} given ${values.length} times (${values.join(", ")}): expected it once, e.g. ${example}`);
}

/** The ladder and its limits from the flags; `given` tells flags typed from defaults. --only added: the first rung is the ladder. */
export function planOf(a: Record<string, unknown>, given: (flag: string) => boolean): FrontierPlan {
  if (given("rates") && given("concurrency"))
    throw new UsageError("--rates and --concurrency cannot be used together: --rates climbs open-loop rates, --concurrency closed-loop connections; give one");
  if (given("max-concurrency") && (given("rates") || given("concurrency")))
    throw new UsageError(
      `--max-concurrency caps the default ladder (1, 2, 4, …); --${given("rates") ? "rates" : "concurrency"} gives the rungs: drop one of them`,
    );
  if (!given("rates")) {
    for (const f of ["arrival", "max-in-flight", "connections"])
      if (given(f))
        throw new UsageError(`--${f} belongs to an open loop, and this ladder climbs closed-loop concurrency: give --rates to climb rates, or drop --${f}`);
  }
  const only = a.only as string | undefined;
  if (only !== undefined && only !== "added" && only !== "ladder")
    throw new UsageError(`--only "${only}": expected added (the added latency alone) or ladder (the rungs alone), e.g. --only added`);
  const kind = given("rates") ? "rate" : "concurrency";
  const levels =
    kind === "rate"
      ? levelsFlag("rates", a.rates as string, (v) => positiveNumberFlag("rates", v, "100"), "100,200,400")
      : given("concurrency")
        ? levelsFlag("concurrency", a.concurrency as string, (v) => wholeNumberFlag("concurrency", v, "4"), "1,2,4,16")
        : doublingLadder(wholeNumberFlag("max-concurrency", a["max-concurrency"] as string, "256"));
  return {
    kind,
    levels: only === "added" ? levels.slice(0, 1) : levels,
    rungMs: durationFlag("rung-duration", a["rung-duration"] as string, { example: "10s" }),
    budgetMs: durationFlag("budget", a.budget as string, { example: "10m" }),
    ...(only ? { only: only as "added" | "ladder" } : {}),
  };
}
