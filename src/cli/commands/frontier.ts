// `gatebench frontier`: capacity as gateway leaderboards read it. One
// ladder of rungs (closed-loop concurrency 1, 2, 4, … or open-loop rates),
// each a full run, and from them the throughput the gateway carries at
// each p99 bound; the latency it adds to one request at a time; with
// --stream, the streams it sustains. The same gateway, mock and load flags
// as `gatebench run`.
import { defineCommand } from "citty";
import { mkdirSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { boundMetricOf, readingsOf } from "../../metrics/frontier.ts";
import { eventsPerStream, streamsSustained } from "../../metrics/frontier-streams.ts";
import { RUN_FOLDER, writeAtomic, writeRunFolder } from "../../report/files.ts";
import { FRONTIER_SCHEMA, type FrontierDoc, frontierText } from "../../report/frontier.ts";
import { frontierHtml } from "../../report/frontier-html.ts";
import { progressLine } from "../../report/progress.ts";
import type { RunResult } from "../../run/benchmark.ts";
import type { RunConfig } from "../../run/config.ts";
import type { CpuPinningInfo } from "../../metrics/document.ts";
import { configRecord, documentOf, toolInfo } from "../../run/document.ts";
import { type FrontierHooks, type FrontierOutcome, type FrontierPlan, runFrontier } from "../../run/frontier.ts";
import { EXIT } from "../errors.ts";
import { log, setVerbose } from "../log.ts";
import { runConfigFrom } from "../run/config.ts";
import { checkOutDir, checkWritableFile, settleGatewayLog } from "../run/files.ts";
import type { RunArgValues } from "../run/flags.ts";
import { interrupts } from "../run/signals.ts";
import { boundsFlag, frontierArgs, onceFlag, OWN_FLAGS, planOf } from "./frontier-flags.ts";
import { mockModel, type MockModelValues } from "./mock.ts";

/** Run's flags a frontier does not have, as run reads them when not given (the rungs set their own load, and have no gates). */
const RUN_ONLY = { concurrency: undefined, json: undefined, html: undefined, out: undefined, targets: "none", strict: false, "abort-on-fail": false };

/** Commands that run another program: the gateway's name is that program's. */
const LAUNCHERS = new Set(["bun", "node", "deno", "python", "python3", "sh", "bash", "npx", "bunx", "env", "exec"]);

/** The gateway's name on a board: --name, its command's program, the target's host:port, or the built-in proxy. */
export function gatewayName(cfg: RunConfig, given: string | undefined): string {
  if (given?.trim()) return given.trim();
  if (cfg.gateway) {
    const words = cfg.gateway.command.trim().split(/\s+/);
    const program = words.find((w) => !LAUNCHERS.has(basename(w)) && !w.includes("=") && !w.startsWith("-")) ?? words[0]!;
    return basename(program).replace(/\.(ts|js|mjs|py)$/, "");
  }
  if (cfg.target) return new URL(cfg.target).host;
  return "built-in proxy";
}

/** The frontier's files (--json, --html, --out), checked before the first rung. */
function outputsOf(a: Record<string, string | undefined>): { json?: string; html?: string; out?: string } {
  const o = { json: a.json && resolve(a.json), html: a.html && resolve(a.html), out: a.out && resolve(a.out) };
  if (o.json) checkWritableFile("json", a.json!, o.json);
  if (o.html) checkWritableFile("html", a.html!, o.html);
  if (o.out) checkOutDir(a.out!, o.out);
  return o;
}

/** One run's folder under --out (a rung's, or the added latency's). */
function writeRunDir(dir: string, result: RunResult): void {
  try {
    const logSource = result.processes.gateway?.log;
    if (logSource && result.processes.gateway) result.processes.gateway.log = join(dir, RUN_FOLDER.gatewayLog);
    writeRunFolder(dir, documentOf(result), logSource);
    settleGatewayLog(logSource, true, result.config.gateway?.keepTemp ?? false);
  } catch (err) {
    log.error(`could not write ${dir}: ${(err as Error).message}`);
  }
}

/** Progress and rung lines on stderr; each run's folder under --out. */
function hooksOf(
  plan: FrontierPlan,
  warmupMs: number,
  outDir: string | undefined,
  quiet: boolean,
  seen: { url: string; pinning?: CpuPinningInfo },
): FrontierHooks {
  const tty = Boolean(process.stderr.isTTY) && process.env.TERM !== "dumb";
  const label = (level: number): string => (plan.kind === "concurrency" ? `concurrency ${level}` : `${level} req/s`);
  let now = "";
  let k = 0;
  // the added latency's run sends the same again straight to the mock: twice as long, its rate not the gateway's
  let added = false;
  let measuredMs = plan.rungMs;
  return {
    log: (m) => log.debug(m),
    progressEveryMs: tty ? 250 : 2000,
    progress: (p, elapsedMs) => {
      if (quiet) return;
      const plannedMs = (warmupMs + measuredMs) * (added ? 2 : 1);
      const line = `${now}: ${progressLine({ ...p, elapsedMs, plannedMs, warmupMs, baseline: added })}`;
      if (tty) process.stderr.write(`\r\x1b[K${line}`);
      else log.info(line);
    },
    progressEnd: () => {
      if (tty) process.stderr.write("\r\x1b[K");
    },
    runStart: (what) => {
      now =
        "rung" in what
          ? `rung ${what.rung + 1} (${label(what.level)})`
          : `added latency (${what.added} req/s for ${+(what.durationMs / 1000).toFixed(1)} s, one request at a time, with the baseline)`;
      added = "added" in what;
      measuredMs = "added" in what ? what.durationMs : plan.rungMs;
      if ("rung" in what) k = what.rung;
      log.info(now);
    },
    rungDone: (r, result) => {
      seen.url ||= result?.url ?? "";
      seen.pinning ??= result?.pinning;
      const failures = r.failed + r.dropped;
      if (!result) log.warn(`${now}: not run, the rig's limit: ${r.rig?.why}`);
      else
        log.info(
          `${now}: ${r.throughput.toFixed(1)} req/s, ${r.ttft_p99_ms !== undefined ? `TTFT p99 ${r.ttft_p99_ms ?? "-"} ms, stream ` : ""}p99 ${r.p99_ms ?? "-"} ms${failures > 0 ? `, ${failures} failed` : ""}${r.rig ? `; RIG LIMIT: ${r.rig.why}` : ""}`,
        );
      if (outDir && result)
        writeRunDir(join(outDir, `rung-${String(k + 1).padStart(2, "0")}-${plan.kind === "concurrency" ? "c" : "r"}${r.concurrency ?? r.rate}`), result);
    },
    addedDone: (_added, result) => {
      if (outDir && result) writeRunDir(join(outDir, "added"), result);
    },
  };
}

/** The mock's flags in words ("mock latency 0ms, tokens 10"), or its defaults. */
const mockInWords = (flags: Record<string, string>): string =>
  Object.keys(flags).length === 0
    ? "the mock's defaults"
    : `mock ${Object.entries(flags)
        .map(([k, v]) => `${k} ${v}`)
        .join(", ")}`;

/** The frontier document from what ran. */
function docOf(
  base: RunConfig,
  plan: FrontierPlan,
  bounds: (number | null)[],
  o: FrontierOutcome,
  extra: { name: string; startedAt: string; url: string; pinning?: CpuPinningInfo },
): FrontierDoc {
  const concurrency = plan.kind === "concurrency";
  const metric = boundMetricOf(base.stream);
  let streams: FrontierDoc["streams"];
  if (base.stream && concurrency && !base.noMock) {
    // what the mock sends each stream, as the rungs' mock was told (its defaults where a flag was not given)
    const m = mockModel({ ...(base.mock.flags as MockModelValues), seed: String(base.mock.seed) }, "mock-");
    streams = streamsSustained(o.rungs, { events: eventsPerStream(m.tokens, m.tokensPerChunk, base.maxTokens), itlMs: m.itlMs });
  }
  return {
    schema: FRONTIER_SCHEMA,
    tool: toolInfo(),
    config: configRecord(base),
    started_at: extra.startedAt,
    gateway: {
      name: extra.name,
      kind: base.gateway ? "command" : base.target ? "external" : "built-in proxy",
      target: extra.url || base.target || "(no rung ran)",
    },
    api: base.api,
    ...(base.upstreamApi ? { upstream_api: base.upstreamApi } : {}),
    ...(extra.pinning ? { cpu_pinning: extra.pinning } : {}),
    metric,
    ladder: {
      kind: plan.kind,
      levels: plan.levels,
      rung_duration_ms: plan.rungMs,
      warmup_ms: base.warmupMs,
      budget_ms: plan.budgetMs,
      ...(plan.only ? { only: plan.only } : {}),
    },
    load: `${base.stream ? "streaming" : "unary"}, ${base.noMock ? "no mock" : mockInWords(base.mock.flags)}`,
    bounds_ms: bounds,
    rungs: o.rungs,
    readings: plan.only === "added" ? [] : readingsOf(o.rungs, bounds, metric),
    added: o.added ?? null,
    ...(o.addedNote ? { added_note: o.addedNote } : {}),
    ...(streams ? { streams } : {}),
    end: o.end,
    end_note: o.endNote,
  };
}

/** The frontier's files, each written atomically; false when one could not be. */
function writeFrontier(doc: FrontierDoc, o: ReturnType<typeof outputsOf>): boolean {
  let written = true;
  const put = (what: string, path: string, text: string): void => {
    try {
      writeAtomic(path, text);
      log.info(`${what} ${path} written`);
    } catch (err) {
      log.error(`could not write the ${what} ${path}: ${(err as Error).message}`);
      written = false;
    }
  };
  const json = `${JSON.stringify(doc, null, 2)}\n`;
  if (o.json) put("frontier", o.json, json);
  if (o.html) put("HTML page", o.html, frontierHtml(doc));
  if (o.out) {
    mkdirSync(o.out, { recursive: true });
    put("frontier", join(o.out, "frontier.json"), json);
    put("HTML page", join(o.out, "frontier.html"), frontierHtml(doc));
  }
  return written;
}

export const frontierCommand = defineCommand({
  meta: {
    name: "frontier",
    description:
      "Read the throughput a gateway carries at each p99 bound (1, 5, 10, 50, 100 ms, unbounded; of TTFT with --stream) from one concurrency ladder, and the latency it adds",
  },
  args: frontierArgs,
  async run({ args, rawArgs }): Promise<number> {
    const a = args as unknown as Record<string, string | undefined> & { quiet?: boolean; verbose?: boolean };
    setVerbose(Boolean(a.verbose), Boolean(a.quiet));
    const given = (flag: string): boolean => rawArgs.some((r) => r === `--${flag}` || r.startsWith(`--${flag}=`));
    onceFlag(rawArgs, "only", "--only added");
    const plan = planOf(a, given);
    const bounds = boundsFlag(a.bounds!);
    const own = new Set<string>(OWN_FLAGS);
    const runRaw = rawArgs.filter((r) => !own.has(r.replace(/^--/, "").split("=")[0]!));
    const base = runConfigFrom({ ...a, ...RUN_ONLY } as unknown as RunArgValues, runRaw);
    const outputs = outputsOf(a);
    if (base.stream && plan.kind === "rate") log.info("--stream with --rates: streams sustained is read on a concurrency ladder only (give --concurrency)");
    const signals = interrupts();
    const startedAt = new Date().toISOString();
    const seen: { url: string; pinning?: CpuPinningInfo } = { url: "" };
    let outcome: FrontierOutcome;
    try {
      outcome = await runFrontier(base, plan, hooksOf(plan, base.warmupMs, outputs.out, Boolean(a.quiet), seen), {
        stop: signals.stop.signal,
        abort: signals.abort.signal,
      });
    } finally {
      signals.dispose();
    }
    const doc = docOf(base, plan, bounds, outcome, { name: gatewayName(base, a.name), startedAt, url: seen.url, pinning: seen.pinning });
    process.stdout.write(`${frontierText(doc)}\n`);
    const written = writeFrontier(doc, outputs);
    if (outcome.end === "run-failed") log.error(outcome.endNote);
    if (outcome.end === "run-failed" || outcome.end === "interrupted" || !written) return EXIT.runFailed;
    if (!doc.rungs.some((r) => r.ok > 0)) {
      log.error("no request succeeded at any rung: nothing was measured");
      return EXIT.runFailed;
    }
    return EXIT.ok;
  },
});
