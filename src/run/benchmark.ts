// One benchmark's life: start the mock and the gateway (each its own
// process), sample them idle, drive the open-loop load through the gateway,
// drain, and stop everything, whatever happens on the way.
import { describeExit, ProcessFailure, selfArgv, startChild, stopChild, type ChildProcess } from "../gateway/process.ts";
import { assertPortFree } from "../gateway/ports.ts";
import { ResourceSampler } from "../gateway/sampler.ts";
import type { PreparedRequest } from "../load/client.ts";
import { LoadRun, sleepOrAbort, type LoadProgress } from "../load/engine.ts";
import { constantPacer } from "../load/pacer.ts";
import { Recorder } from "../metrics/recorder.ts";
import { successGate } from "../metrics/slo.ts";
import { summarize, type Summary } from "../metrics/summary.ts";
import { warningsFor } from "../metrics/warnings.ts";
import type { MockStats } from "../mock/server.ts";
import { requestBody, type RunConfig } from "./config.ts";

export interface RunHooks {
  log(message: string): void;
  /** How often progress() is called during the load phase. */
  progressEveryMs: number;
  /** Progress of the load phase. */
  progress(p: LoadProgress, rec: Recorder, elapsedMs: number): void;
}

export interface RunControl {
  /** First Ctrl-C: stop sending, let in-flight requests finish (up to the drain deadline), report. */
  stop: AbortSignal;
  /** Second Ctrl-C: abort in-flight requests now. */
  abort: AbortSignal;
}

export interface ProcessInfo {
  pid: number;
  port: number;
  command: string[];
}

export interface RunResult {
  config: RunConfig;
  startedAt: string;
  processes: { mock: ProcessInfo; gateway: ProcessInfo };
  summary: Summary;
  recorder: Recorder;
  mock: MockStats | undefined;
  /** How long the load phase lasted, drain included. */
  loadMs: number;
  /** Why the run ended early, when it did ("interrupted", or what failed). */
  ended: { early: false } | { early: true; reason: string; failed: boolean };
}

const info = (c: ChildProcess): ProcessInfo => ({ pid: c.pid, port: c.port, command: c.argv });

/**
 * The mock's counters, once it has finished with every request (an aborted
 * stream is noticed at its next token), or as they are after `settleMs`.
 */
async function mockStats(host: string, port: number, settleMs: number): Promise<MockStats | undefined> {
  const deadline = performance.now() + settleMs;
  for (;;) {
    let stats: MockStats;
    try {
      const res = await fetch(`http://${host}:${port}/__stats`, { signal: AbortSignal.timeout(2000) });
      stats = (await res.json()) as MockStats;
    } catch {
      return undefined; // the mock is gone; the run reports it without the upstream's counts
    }
    if (stats.in_flight === 0 || performance.now() > deadline) return stats;
    await Bun.sleep(20);
  }
}

/**
 * Runs one benchmark. Throws ProcessFailure when the mock or the gateway
 * cannot be started; a child that dies later ends the run early with
 * `ended.failed` and partial results.
 */
export async function runBenchmark(cfg: RunConfig, hooks: RunHooks, control: RunControl): Promise<RunResult> {
  const self = selfArgv();
  const children: ChildProcess[] = [];
  const startedAt = new Date().toISOString();
  // Stop signals are watched from the first moment: a Ctrl-C while the
  // children start must not be lost.
  const stopSending = new AbortController();
  const abortInFlight = new AbortController();
  let ended: RunResult["ended"] = { early: false };
  const endEarly = (reason: string, failed: boolean): void => {
    if (!ended.early) ended = { early: true, reason, failed };
    stopSending.abort();
  };
  const onStop = (): void => endEarly("interrupted", false);
  const onAbort = (): void => {
    endEarly("interrupted", false);
    abortInFlight.abort();
  };
  if (control.abort.aborted) onAbort();
  else if (control.stop.aborted) onStop();
  control.stop.addEventListener("abort", onStop, { once: true });
  control.abort.addEventListener("abort", onAbort, { once: true });
  try {
    assertPortFree(cfg.host, cfg.mockPort, "mock upstream", "--mock-port");
    assertPortFree(cfg.host, cfg.port, "gateway", "--port");
    const start = async (name: string, argv: string[]): Promise<ChildProcess> => {
      if (stopSending.signal.aborted) throw new ProcessFailure(`interrupted before the ${name} was started`);
      const c = await startChild(name, argv, cfg.readyTimeoutMs, stopSending.signal);
      children.push(c);
      return c;
    };
    const mockFlags = Object.entries(cfg.mock.flags).map(([k, v]) => `--${k}=${v}`);
    const mock = await start("mock upstream", [...self, "__mock", "--host", cfg.host, "--port", String(cfg.mockPort), `--seed=${cfg.mock.seed}`, ...mockFlags]);
    hooks.log(`mock upstream listening on http://${cfg.host}:${mock.port} (pid ${mock.pid})`);
    const upstream = `http://${cfg.host}:${mock.port}`;
    const gateway = await start("gateway (built-in proxy)", [...self, "__proxy", "--host", cfg.host, "--port", String(cfg.port), "--upstream", upstream]);
    hooks.log(`gateway (built-in proxy) listening on http://${cfg.host}:${gateway.port} (pid ${gateway.pid})`);

    // A child dying ends the run early.
    for (const c of children) {
      void c.proc.exited.then(() => {
        if (c.stopping) return;
        endEarly(`${c.name} (pid ${c.pid}) ${describeExit(c.exit ?? { code: c.proc.exitCode, signal: null })} during the run`, true);
        abortInFlight.abort();
      });
    }

    const sampler = new ResourceSampler(
      [
        { name: "gateway", pid: gateway.pid },
        { name: "mock", pid: mock.pid },
        { name: "gatebench", pid: process.pid },
      ],
      cfg.sampleIntervalMs,
    );
    await sampler.start("idle");
    hooks.log(`idle phase: ${cfg.idleMs} ms`);
    await sleepOrAbort(cfg.idleMs, stopSending.signal);

    const pacer = constantPacer(cfg.rateRps, cfg.durationMs);
    const request: PreparedRequest = {
      url: `http://${cfg.host}:${gateway.port}${cfg.path}`,
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer gatebench" },
      body: requestBody(cfg),
      stream: cfg.stream,
      timeoutMs: cfg.timeoutMs,
    };
    const recorder = new Recorder();
    let drainTimer: Timer | undefined;
    const load = new LoadRun({
      pacer,
      request,
      recorder,
      maxInFlight: cfg.maxInFlight,
      stopSending: stopSending.signal,
      abortInFlight: abortInFlight.signal,
      // What the gateway spends finishing the last requests is not "load";
      // they get drainMs to finish, then they are aborted.
      onSendingDone: () => {
        void sampler.mark("drain");
        drainTimer = setTimeout(() => abortInFlight.abort(), cfg.drainMs);
      },
    });
    await sampler.mark("load");
    hooks.log(`load phase: ${pacer.total} requests at ${cfg.rateRps} req/s over ${cfg.durationMs / 1000} s${cfg.stream ? " (streaming)" : ""}`);
    const ticker = setInterval(() => hooks.progress(load.progress, recorder, performance.now() - load.progress.startedMs), hooks.progressEveryMs);
    try {
      await load.run();
    } finally {
      clearInterval(ticker);
      clearTimeout(drainTimer);
    }
    const loadMs = performance.now() - load.progress.startedMs;
    recorder.close();
    await sampler.stop();

    const upstreamStats = await mockStats(cfg.host, mock.port, 2000);
    // n arrivals cover n intervals of the schedule (less than its length when the run was stopped)
    const summary = summarize(recorder, pacer.dueAtMs(load.arrivals), sampler.acc.summary());
    summary.warnings = warningsFor(summary, { loadMs, sampleIntervalMs: cfg.sampleIntervalMs, maxInFlight: cfg.maxInFlight });
    if (cfg.minSuccess !== undefined) summary.slo = [successGate(summary, cfg.minSuccess)];
    return {
      config: cfg,
      startedAt,
      processes: { mock: info(mock), gateway: info(gateway) },
      summary,
      recorder,
      mock: upstreamStats,
      loadMs,
      ended,
    };
  } finally {
    control.stop.removeEventListener("abort", onStop);
    control.abort.removeEventListener("abort", onAbort);
    await Promise.all(
      children.reverse().map((c) => {
        c.stopping = true;
        return stopChild(c, cfg.stopTimeoutMs);
      }),
    );
  }
}

