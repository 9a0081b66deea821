// One benchmark's life, in stages: prepare what is sent, start the mock
// and the gateway (start.ts), drive the load (drive.ts), summarise what it
// recorded (metrics/run-summary.ts), and stop everything, whatever happens
// on the way.
import { FETCH_POOL_SIZE } from "../load/fetch.ts";
import type { Recorder } from "../metrics/recorder.ts";
import type { SeriesPoint } from "../metrics/resources.ts";
import { summariseRun } from "../metrics/run-summary.ts";
import type { Summary } from "../metrics/summary.ts";
import type { SecondRow } from "../metrics/timeline.ts";
import type { MockStats } from "../mock/server.ts";
import { cpuCount, openFileLimit } from "../platform.ts";
import { stopChild, type ChildProcess } from "../process/children.ts";
import { runHook, stopGateway } from "../gateway/external.ts";
import { logHasContent } from "../gateway/temp.ts";
import { baselineOrder, isClosedLoop, scheduledMs, type RunConfig } from "./config.ts";
import { RunContext, type Ended, type RunControl, type RunHooks } from "./context.ts";
import { driveLoad, type Driven } from "./drive.ts";
import { prepare, startProcesses, type Started } from "./start.ts";
import type { CpuPinningInfo } from "../metrics/document.ts";
import { overlapWarning } from "./pinning.ts";

export type { RunControl, RunHooks } from "./context.ts";

export interface ProcessInfo {
  pid: number;
  port: number;
  command: string[];
  /** Where its output went (a gateway given with --gateway). */
  log?: string;
}

export interface RunResult {
  config: RunConfig;
  startedAt: string;
  /** The URL the load was sent to. */
  url: string;
  /** The processes gatebench started (none for an attached target, no mock with --no-mock). */
  processes: { mock?: ProcessInfo; gateway?: ProcessInfo };
  /** Attach mode: the gateway process sampled (--pid, --pid-of-port). */
  attachedPid?: number;
  summary: Summary;
  recorder: Recorder;
  warmup: { requests: number; ok: number };
  timeline: SecondRow[];
  /** The baseline straight to a second mock, when there was one. */
  baseline?: {
    order: "interleaved" | "sequential";
    sliceMs: number;
    url: string;
    mock: ProcessInfo;
    recorder: Recorder;
    timeline: SecondRow[];
    received: MockStats | undefined;
  };
  /** The resource samples of each process, for plots. */
  resourceSeries: Record<string, SeriesPoint[]>;
  mock: MockStats | undefined;
  /** How long the load phase lasted, warm-up and drain included. */
  loadMs: number;
  /** When the load's first arrival was due (warm-up included), wall clock, ISO 8601 with milliseconds: --start-at, or soon after it. */
  loadStartedAt: string;
  /** Why the run ended early, when it did ("interrupted", what failed, or the gate that could no longer pass). */
  ended: Ended;
  /** --gateway-cpus, --harness-cpus: the CPUs asked for and what each process got. */
  pinning?: CpuPinningInfo;
}

const info = (c: ChildProcess): ProcessInfo => ({ pid: c.pid, port: c.port, command: c.argv });

/**
 * Runs one benchmark. Throws ProcessFailure when the mock or the gateway
 * cannot be started; a child that dies later ends the run early with
 * `ended.failed` and partial results.
 */
export async function runBenchmark(cfg: RunConfig, hooks: RunHooks, control: RunControl, opts: { pathGiven?: boolean } = {}): Promise<RunResult> {
  const ctx = new RunContext(cfg, hooks, control);
  let result: RunResult | undefined;
  try {
    const prepared = await prepare(ctx);
    const started = await startProcesses(ctx, prepared, opts.pathGiven ?? false);
    const driven = await driveLoad(ctx, started, prepared);
    result = resultOf(ctx, started, driven);
    return result;
  } finally {
    ctx.release();
    await stopAll(ctx);
    const ext = ctx.external;
    if (ext) {
      // the temp folder goes; the log stays where the user will look: --out, or beside it when the gateway wrote anything (an empty log helps no one, failed run or not)
      const keep = cfg.outDir !== undefined || logHasContent(ext.dir);
      const kept = ext.settle(keep);
      if (result?.processes.gateway) result.processes.gateway.log = kept;
    }
  }
}

/** The run's result: what ran, and the summary of what it recorded. */
function resultOf(ctx: RunContext, s: Started, d: Driven): RunResult {
  const { cfg } = ctx;
  const { out } = d;
  const sliced = baselineOrder(cfg) === "interleaved";
  const summary = summariseRun(
    {
      recorder: out.recorder,
      nextDueMs: out.nextDueMs,
      warmupTotal: out.warmup.total,
      inFlightPeak: out.inFlightPeak,
      ...(out.direct ? { direct: { recorder: out.direct.recorder, nextDueMs: out.directNextDueMs } } : {}),
    },
    d.sampler.acc,
    d.upstream,
    {
      closedLoop: isClosedLoop(cfg),
      concurrency: cfg.concurrency,
      sliced,
      sliceMs: cfg.baselineSliceMs,
      scheduledMs: scheduledMs(cfg),
      warmupMs: cfg.warmupMs,
      stream: cfg.stream,
      loadMs: d.loadMs,
      sampleIntervalMs: cfg.sampleIntervalMs,
      maxInFlight: cfg.maxInFlight,
      workers: cfg.workers,
      poolSize: cfg.client === "fetch" ? FETCH_POOL_SIZE : undefined,
      fdLimit: openFileLimit(),
      // a gateway of the user's (started or attached) may not be pointed at the mock
      unusedMock: (cfg.target || cfg.gateway) && s.mock && d.upstream?.requests === 0 ? `${cfg.host}:${s.mock.port}` : undefined,
      gates: d.gates,
      targets: { preset: cfg.targets, strict: cfg.strict, reference: !cfg.target && !cfg.gateway },
      gateStop: d.gateStop,
      mockProcs: s.mock ? cfg.mock.procs : undefined,
      cpus: cpuCount(),
      ...(cfg.upstreamApi && cfg.upstreamApi !== cfg.api ? { translation: { client: cfg.api, upstream: cfg.upstreamApi } } : {}),
    },
  );
  const overlap = overlapWarning(cfg);
  if (overlap) summary.warnings = [...(summary.warnings ?? []), overlap];
  const ext = ctx.external;
  return {
    config: cfg,
    startedAt: ctx.startedAt,
    url: s.url,
    processes: {
      mock: s.mock && info(s.mock),
      gateway: s.proxy ? info(s.proxy) : ext ? { pid: ext.pid, port: ext.port, command: ext.argv, log: ext.logPath } : undefined,
    },
    attachedPid: s.attached,
    summary,
    recorder: out.recorder,
    warmup: { requests: out.warmup.total, ok: out.warmup.ok },
    timeline: out.timeline.rows(),
    baseline:
      s.directMock && d.direct && out.direct
        ? {
            order: d.direct.order,
            sliceMs: d.direct.sliceMs,
            url: d.direct.request.url,
            mock: info(s.directMock),
            recorder: out.direct.recorder,
            timeline: out.direct.timeline.rows(),
            received: d.directUpstream,
          }
        : undefined,
    resourceSeries: d.sampler.acc.seriesOut(),
    mock: d.upstream,
    loadMs: d.loadMs,
    loadStartedAt: new Date(d.wallMinusPerfMs + out.startedMs).toISOString(),
    ended: ctx.ended,
    ...(s.pinning ? { pinning: s.pinning } : {}),
  };
}

/** --teardown, then the gateway (it may still be talking to the mock), then gatebench's own children. */
async function stopAll(ctx: RunContext): Promise<void> {
  const { cfg, hooks } = ctx;
  if (cfg.teardown && ctx.hookValues) {
    hooks.log(`teardown: ${cfg.teardown}`);
    const r = await runHook("--teardown", cfg.teardown, ctx.hookValues, cfg.gateway?.env ?? [], cfg.readyTimeoutMs).catch((err: unknown) => ({
      code: -1,
      output: String(err),
      line: cfg.teardown!,
    }));
    if (r.code !== 0)
      hooks.log(`teardown failed (${r.code === null ? "timed out" : `code ${r.code}`})${r.output ? `: ${r.output.split("\n").slice(-3).join(" / ")}` : ""}`);
  }
  if (ctx.external) await stopGateway(ctx.external, cfg.stopTimeoutMs);
  await Promise.all(
    [...ctx.children].reverse().map((c) => {
      c.stopping = true;
      return stopChild(c, cfg.stopTimeoutMs);
    }),
  );
}
