// `gatebench run` (the default command): benchmark a gateway against the mock.
import { defineCommand } from "citty";
import { join } from "node:path";
import { RUN_FOLDER } from "../../report/files.ts";
import { runBenchmark, type RunResult } from "../../run/benchmark.ts";
import { baselineOrder, scheduledMs } from "../../run/config.ts";
import { documentOf } from "../../run/document.ts";
import { progressLine } from "../../report/progress.ts";
import { textReport } from "../../report/text.ts";
import { EXIT } from "../errors.ts";
import { log, setVerbose, useColor } from "../log.ts";
import { runConfigFrom } from "../run/config.ts";
import { failedRun } from "../run/failure.ts";
import { settleGatewayLog, writeResults } from "../run/files.ts";
import { runArgs, type RunArgValues } from "../run/flags.ts";
import { interrupts } from "../run/signals.ts";

export const runCommand = defineCommand({
  meta: { name: "run", description: "Benchmark a gateway against the mock upstream (the default command)" },
  args: runArgs,
  async run({ args, rawArgs }): Promise<number> {
    const a: RunArgValues = args;
    setVerbose(a.verbose, a.quiet);
    const cfg = runConfigFrom(a, rawArgs);
    const pathGiven = rawArgs.some((x) => x.startsWith("--path="));
    const signals = interrupts();
    // progress: one line redrawn in place on a terminal, a plain line every 2 s otherwise
    const tty = Boolean(process.stderr.isTTY) && process.env.TERM !== "dumb";
    const plannedMs = cfg.requests !== undefined ? undefined : (cfg.warmupMs + scheduledMs(cfg)) * (baselineOrder(cfg) ? 2 : 1);
    let result: RunResult;
    try {
      result = await runBenchmark(
        cfg,
        {
          log: (m) => log.info(m),
          progressEveryMs: tty ? 250 : 2000,
          progress: (p, elapsedMs) => {
            if (a.quiet) return;
            const line = progressLine({ ...p, elapsedMs, plannedMs, warmupMs: cfg.warmupMs, baseline: baselineOrder(cfg) !== undefined });
            if (tty) process.stderr.write(`\r\x1b[K${line}`);
            else log.info(line);
          },
          progressEnd: () => {
            if (tty) process.stderr.write("\r\x1b[K");
          },
        },
        { stop: signals.stop.signal, abort: signals.abort.signal },
        { pathGiven },
      );
    } finally {
      signals.dispose();
    }
    // the gateway's log goes into --out; the report names it there
    const logSource = result.processes.gateway?.log;
    if (cfg.outDir && logSource && result.processes.gateway) result.processes.gateway.log = join(cfg.outDir, RUN_FOLDER.gatewayLog);
    const doc = documentOf(result);
    if (cfg.jsonPath === "-") {
      // JSON on stdout for a pipe; the report still reaches a reader, on stderr
      process.stderr.write(`${textReport(doc, { color: useColor(process.stderr) })}\n`);
      process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
    } else {
      process.stdout.write(`${textReport(doc, { color: useColor(process.stdout) })}\n`);
    }
    const written = writeResults(cfg, doc, logSource);
    if (cfg.outDir) settleGatewayLog(logSource, written, cfg.gateway?.keepTemp ?? false);
    if (result.ended.early && result.ended.gate !== undefined) {
      // --abort-on-fail: the run was stopped because a gate had failed; that is the verdict
      log.error(`gate failed: ${result.ended.gate} (the load was stopped early: ${result.ended.reason})`);
      return written ? EXIT.sloFailed : EXIT.runFailed;
    }
    if (result.ended.early) {
      log.error(`run ended early: ${result.ended.reason}`);
      return EXIT.runFailed;
    }
    if (!written) return EXIT.runFailed;
    // no request succeeded: nothing was measured, whatever the gates say
    const failure = failedRun(doc, { target: cfg.target, path: cfg.path, pathGiven, method: cfg.method });
    if (failure) {
      log.error(failure);
      return EXIT.runFailed;
    }
    const failed = (doc.summary.slo ?? []).filter((g) => !g.pass);
    if (failed.length > 0) {
      log.error(`gate failed: ${failed.map((g) => g.expr).join(", ")}`);
      return EXIT.sloFailed;
    }
    return EXIT.ok;
  },
});
