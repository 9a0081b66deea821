// `gatebench run` (the default command): benchmark a gateway against the mock.
import { defineCommand } from "citty";
import { cpus } from "node:os";
import { accessSync, constants, existsSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { RUN_DEFAULTS, type RunConfig } from "../../run/config.ts";
import { runBenchmark, type RunResult } from "../../run/benchmark.ts";
import { resultDoc, writeJson, type ResultDoc } from "../../report/json.ts";
import { textReport } from "../../report/text.ts";
import { commit, VERSION } from "../../version.ts";
import { EXIT, UsageError } from "../errors.ts";
import { log, setVerbose } from "../log.ts";
import { launcherGone, RELAUNCHED_VAR } from "../relaunch.ts";
import { durationFlag, portFlag, positiveNumberFlag, ratioFlag } from "../values.ts";
import { mockModel, mockModelArgs, type MockModelValues } from "./mock.ts";

export const runArgs = {
  rate: { type: "string", description: "Requests per second, sent on an open-loop schedule", default: String(RUN_DEFAULTS.rateRps), valueHint: "rps" },
  duration: { type: "string", description: "Length of the load phase (500ms, 10s, 1m)", default: `${RUN_DEFAULTS.durationMs / 1000}s`, valueHint: "duration" },
  stream: { type: "boolean", description: "Send streaming requests (stream: true, SSE)", default: false },
  port: { type: "string", description: "Gateway port (0 picks a free one)", default: String(RUN_DEFAULTS.port), valueHint: "port" },
  "mock-port": { type: "string", description: "Mock upstream port (0 picks a free one)", default: String(RUN_DEFAULTS.mockPort), valueHint: "port" },
  json: { type: "string", description: "Also write the full result as JSON to this file", valueHint: "file" },
  "min-success": { type: "string", description: "Gate: exit 1 if the success ratio is below this (e.g. 100%, 99.9%)", valueHint: "pct" },
  verbose: { type: "boolean", description: "Debug logs, and stack traces on errors", default: false },
  ...mockRunArgs(),
} as const;

/** The mock's behaviour flags, as --mock-NAME (see gatebench mock --help). */
function mockRunArgs() {
  const out: Record<string, { type: "string"; description: string; valueHint: string; default?: string }> = {};
  for (const [name, def] of Object.entries(mockModelArgs)) {
    out[`mock-${name}`] = { type: "string", description: `Mock: ${def.description.charAt(0).toLowerCase()}${def.description.slice(1)}`, valueHint: def.valueHint, ...("default" in def ? { default: def.default } : {}) };
  }
  return out as { [K in keyof typeof mockModelArgs as `mock-${K}`]: { type: "string"; description: string; valueHint: string } };
}

type RunArgValues = {
  rate: string;
  duration: string;
  stream: boolean;
  port: string;
  "mock-port": string;
  json?: string;
  "min-success"?: string;
  verbose: boolean;
} & { [K in keyof MockModelValues as `mock-${K}`]?: string };

/** Flags → a validated configuration; a bad value is a UsageError naming the flag. */
export function runConfigFrom(a: RunArgValues): RunConfig {
  const cfg: RunConfig = {
    ...RUN_DEFAULTS,
    rateRps: positiveNumberFlag("rate", a.rate, "200"),
    durationMs: durationFlag("duration", a.duration),
    stream: a.stream,
    port: portFlag("port", a.port),
    mockPort: portFlag("mock-port", a["mock-port"]),
    jsonPath: a.json ? resolve(a.json) : undefined,
    minSuccess: a["min-success"] === undefined ? undefined : ratioFlag("min-success", a["min-success"]),
    mock: mockConfig(a),
  };
  if (cfg.jsonPath) checkWritableFile("json", a.json!, cfg.jsonPath);
  if (cfg.port !== 0 && cfg.port === cfg.mockPort) {
    throw new UsageError(`--port and --mock-port are both ${cfg.port}: the gateway and the mock need different ports, e.g. --port 8081 --mock-port 9091`);
  }
  return cfg;
}

/** Checks the --mock-* flags here (a usage error, before anything starts) and keeps those given for the mock child. */
function mockConfig(a: RunArgValues): RunConfig["mock"] {
  const given: MockModelValues = {};
  const flags: Record<string, string> = {};
  for (const name of Object.keys(mockModelArgs) as (keyof MockModelValues)[]) {
    const v = (a as Record<string, unknown>)[`mock-${name}`];
    if (typeof v === "string" && v !== String((mockModelArgs[name] as { default?: string }).default ?? "\0")) {
      given[name] = v;
      if (name !== "seed") flags[name] = v;
    }
  }
  const model = mockModel(given, "mock-");
  return { flags, seed: model.seed };
}

/** An output file is checked before the run, so a long run is never lost to a typo in its path. */
function checkWritableFile(flag: string, given: string, path: string): void {
  const parent = dirname(path);
  let ok = false;
  try {
    ok = statSync(parent).isDirectory();
    if (ok) accessSync(parent, constants.W_OK);
  } catch {
    ok = false;
  }
  if (!ok) throw new UsageError(`--${flag} "${given}": directory ${parent} does not exist or is not writable, e.g. --${flag} result.json`);
  if (existsSync(path) && statSync(path).isDirectory()) throw new UsageError(`--${flag} "${given}": is a directory; give a file name, e.g. --${flag} ${join(given, "result.json")}`);
}

export function documentOf(r: RunResult): ResultDoc {
  const gw = r.processes.gateway;
  const mock = r.processes.mock;
  return resultDoc(
    { version: VERSION, commit: commit(), bun: Bun.version, os: `${process.platform}-${process.arch}`, cpus: cpus().length },
    { ...r.config },
    {
      started_at: r.startedAt,
      load_model: "open",
      target: `http://${r.config.host}:${gw.port}${r.config.path}`,
      gateway: { kind: "built-in proxy", pid: gw.pid, port: gw.port, command: gw.command },
      mock: { pid: mock.pid, port: mock.port, url: `http://${r.config.host}:${mock.port}/v1`, received: r.mock ? { ...r.mock } : undefined },
      load_ms: Math.round(r.loadMs),
      completed: !r.ended.early,
      ended_early: r.ended.early ? r.ended.reason : undefined,
    },
    r.summary,
    r.recorder.histograms,
  );
}

/**
 * Ctrl-C once: stop sending, let in-flight requests finish, report.
 * Ctrl-C again, or SIGTERM (timeout, kill, a CI runner): abort the requests
 * in flight now, then report what was measured. A relaunched run aborts too
 * when its launcher is gone.
 */
function interrupts(): { stop: AbortController; abort: AbortController; dispose(): void } {
  const stop = new AbortController();
  const abort = new AbortController();
  if (process.env[RELAUNCHED_VAR]) {
    void launcherGone().then(() => {
      stop.abort();
      abort.abort();
    });
  }
  const onSigint = (): void => {
    if (!stop.signal.aborted) {
      log.warn("interrupted: no new requests; waiting for those in flight (Ctrl-C again to abort them)");
      stop.abort();
    } else if (!abort.signal.aborted) {
      log.warn("aborting in-flight requests and stopping");
      abort.abort();
    }
  };
  const onSigterm = (): void => {
    log.warn("terminated: aborting in-flight requests and stopping");
    stop.abort();
    abort.abort();
  };
  process.on("SIGINT", onSigint);
  process.on("SIGTERM", onSigterm);
  process.on("SIGHUP", onSigterm);
  return {
    stop,
    abort,
    dispose() {
      process.off("SIGINT", onSigint);
      process.off("SIGTERM", onSigterm);
      process.off("SIGHUP", onSigterm);
    },
  };
}

export const runCommand = defineCommand({
  meta: { name: "run", description: "Benchmark a gateway against the mock upstream (the default command)" },
  args: runArgs,
  async run({ args }): Promise<number> {
    const a = args as unknown as RunArgValues;
    setVerbose(a.verbose);
    const cfg = runConfigFrom(a);
    const signals = interrupts();
    let result: RunResult;
    try {
      result = await runBenchmark(
        cfg,
        {
          log: (m) => log.info(m),
          progressEveryMs: 2000,
          progress: (p, rec, elapsedMs) => {
            log.info(`${(elapsedMs / 1000).toFixed(0)}s  sent ${p.sent}  in flight ${p.inFlight}  ok ${rec.ok}  failed ${rec.total - rec.ok}`);
          },
        },
        { stop: signals.stop.signal, abort: signals.abort.signal },
      );
    } finally {
      signals.dispose();
    }
    const doc = documentOf(result);
    process.stdout.write(`${textReport(doc)}\n`);
    if (cfg.jsonPath) {
      await writeJson(cfg.jsonPath, doc);
      log.info(`result written to ${cfg.jsonPath}`);
    }
    if (result.ended.early) {
      log.error(`run ended early: ${result.ended.reason}`);
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
