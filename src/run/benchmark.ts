// One benchmark's life: start the mock and the gateway (each its own
// process, unless the target is already running), sample them idle, drive
// the load (warm-up, measured phase), drain, and stop everything, whatever
// happens on the way.
import { describeExit, ProcessFailure, selfArgv, startChild, stopChild, type ChildProcess } from "../process/children.ts";
import { type ExternalGateway, gatewayArgv, renderConfig, runHook, shellArgv, startGateway, stopGateway } from "../gateway/external.ts";
import { type PlaceholderValues, render } from "../gateway/template.ts";
import { assertPortFree, freePort, portHolderPid } from "../process/ports.ts";
import { openFileLimit } from "../platform.ts";
import { alive, descendants, groupMembers } from "../process/tree.ts";
import { ResourceSampler } from "../process/sampler.ts";
import type { PreparedRequest } from "../load/client.ts";
import { FETCH_LIMIT, FETCH_LIMIT_VAR, FETCH_POOL_SIZE } from "../load/fetch.ts";
import { probe as probeTarget } from "../load/http1/probe.ts";
import { sleepOrAbort, Waiter } from "../load/clock.ts";
import { loadLeadMs, startLoad, type LiveCounts, type LoadOutcome } from "../load/load.ts";
import type { Recorder } from "../metrics/recorder.ts";
import type { SeriesPoint } from "../metrics/resources.ts";
import type { SecondRow } from "../metrics/timeline.ts";
import { ERROR_KIND_NAMES } from "../metrics/outcome.ts";
import { decidable, decidedFailure } from "../metrics/gates/early.ts";
import { gatesFrom } from "../metrics/gates/evaluate.ts";
import type { Slo } from "../metrics/gates/expr.ts";
import { judge, presetGates } from "../metrics/targets.ts";
import { derivedFigures, summarize, upstreamFigures, withBaseline, type Summary } from "../metrics/summary.ts";
import { warningsFor } from "../metrics/warnings.ts";
import type { MockStats } from "../mock/server.ts";
import { baselineOrder, describeBaseline, describeLoad, isClosedLoop, loadMode, plannedRequests, scheduledMs, START_AT_SLACK_MS, startAtAdvice, type RunConfig } from "./config.ts";
import { ConfigError } from "./errors.ts";
import { requestBodies, requestHeaders } from "./workload.ts";

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
  baseline?: { order: "interleaved" | "sequential"; sliceMs: number; url: string; mock: ProcessInfo; recorder: Recorder; timeline: SecondRow[]; received: MockStats | undefined };
  /** The resource samples of each process, for plots. */
  resourceSeries: Record<string, SeriesPoint[]>;
  mock: MockStats | undefined;
  /** How long the load phase lasted, warm-up and drain included. */
  loadMs: number;
  /** When the load's first arrival was due (warm-up included), wall clock, ISO 8601 with milliseconds: --start-at, or soon after it. */
  loadStartedAt: string;
  /** Why the run ended early, when it did ("interrupted", what failed, or the gate that could no longer pass). */
  ended: { early: false } | { early: true; reason: string; failed: boolean; gate?: string };
}

/**
 * Where the baseline goes: the mock's own path for the endpoint the gateway
 * is loaded on (a gateway may serve it under a prefix the mock does not know).
 */
export function directUrl(gatewayUrl: string, host: string, mockPort: number): string {
  const path = new URL(gatewayUrl).pathname;
  const endpoint = ["/chat/completions", "/completions", "/embeddings", "/models"].find((e) => path.endsWith(e));
  return `http://${host}:${mockPort}${endpoint ? `/v1${endpoint}` : path}`;
}

/** The URL to load: the target (a base URL; --path is appended unless the target names a path itself and --path was not given), or the started gateway. */
export function targetUrl(cfg: RunConfig, pathGiven: boolean, gatewayPort: number): string {
  if (!cfg.target) return `http://${cfg.host}:${gatewayPort}${cfg.path}`;
  const u = new URL(cfg.target);
  if (u.pathname !== "/" && !pathGiven) return u.href;
  return `${u.origin}${u.pathname.replace(/\/+$/, "")}${cfg.path}${u.search}`;
}

/** Watches the live counts and calls `fail` once a gate can no longer pass (--abort-on-fail); returns the stop function. */
function watchGates(gates: Slo[], planned: number | undefined, live: () => LiveCounts, fail: (g: Slo, why: string) => void): () => void {
  const timer = setInterval(() => {
    const m = live().measured;
    const errors = Object.fromEntries(m.errors.map((n, i) => [ERROR_KIND_NAMES[i]!, n]));
    for (const g of gates) {
      const why = decidedFailure(g, { total: m.total, ok: m.ok, dropped: m.dropped, errors }, planned);
      if (why === undefined) continue;
      clearInterval(timer);
      fail(g, why);
      return;
    }
  }, 100);
  return () => clearInterval(timer);
}

/**
 * --start-at: waits until startLoad, called then, has its first arrival due
 * at the instant (never before it), or until a stop. A load whose first
 * arrival would come more than START_AT_SLACK_MS after the instant is
 * refused (ConfigError, exit 2); less late, it begins at once and says so.
 * The instant is on the wall clock (which NTP keeps in step across
 * machines), the wait on the monotonic one: a long wait ends by reading the
 * wall clock again a second before the instant, so a clock stepped
 * meanwhile is seen. Returns the wall clock minus performance.now() as
 * last read, to place the load's start on the wall clock.
 */
async function waitForStartAt(cfg: RunConfig, readyTookMs: number, hooks: RunHooks, signal: AbortSignal): Promise<number> {
  const startAtMs = Date.parse(cfg.startAt!);
  const leadMs = loadLeadMs(cfg.workers);
  const wallOffset = (): number => Date.now() - performance.now();
  let offset = wallOffset();
  // how late the first arrival would be, were the load started now
  const lateMs = offset + performance.now() + leadMs - startAtMs;
  if (lateMs > START_AT_SLACK_MS) {
    const steps = [!cfg.noMock && "the mock", !cfg.target && "the gateway", cfg.setup && "--setup", cfg.idleMs > 0 && `the ${cfg.idleMs / 1000} s idle phase`].filter(Boolean);
    const took = `getting there took ${(readyTookMs / 1000).toFixed(1)} s${steps.length > 0 ? `: ${steps.join(", ")}` : ""}${cfg.workers > 1 ? `, and the load workers need ${(leadMs / 1000).toFixed(1)} s to start` : ""}`;
    throw new ConfigError(`--start-at "${cfg.startAt}": the load could begin ${(lateMs / 1000).toFixed(1)} s after it at the earliest (${took}); ${startAtAdvice(Math.ceil((readyTookMs + leadMs) / 1000) + 10)}`);
  }
  if (lateMs > 0) {
    hooks.log(`warning: --start-at ${cfg.startAt} has passed: the load begins ${Math.round(lateMs)} ms late (run.load_started_at records when)`);
    return offset;
  }
  hooks.log(`waiting until ${cfg.startAt} (--start-at, ${(-lateMs / 1000).toFixed(1)} s from now) to begin the load`);
  const waiter = new Waiter(1);
  const resyncMs = startAtMs - offset - leadMs - 1000;
  if (resyncMs > performance.now()) {
    await waiter.until(resyncMs, signal);
    offset = wallOffset();
  }
  await waiter.until(startAtMs - offset - leadMs, signal);
  return offset;
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
export async function runBenchmark(cfg: RunConfig, hooks: RunHooks, control: RunControl, opts: { pathGiven?: boolean } = {}): Promise<RunResult> {
  const self = selfArgv();
  const children: ChildProcess[] = [];
  let external: ExternalGateway | undefined;
  let hookValues: PlaceholderValues | undefined;
  const startedAt = new Date().toISOString();
  const startedMs = performance.now();
  // Stop signals are watched from the first moment: a Ctrl-C while the
  // children start must not be lost.
  const stopSending = new AbortController();
  const abortInFlight = new AbortController();
  let ended: RunResult["ended"] = { early: false };
  const endEarly = (reason: string, failed: boolean, gate?: string): void => {
    if (!ended.early) ended = { early: true, reason, failed, ...(gate ? { gate } : {}) };
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
    // What is sent is built (files read, bodies encoded) and the gateway's
    // command and config rendered, before anything starts.
    const bodies = await requestBodies(cfg);
    const caPem = cfg.caFile ? await Bun.file(cfg.caFile).text() : undefined;
    const probe = { PORT: "1", HOST: cfg.host, MOCK_URL: "http://x/v1", MOCK_HOST: "x", MOCK_PORT: "1", CONFIG: "/x" };
    if (cfg.gateway) {
      renderConfig(cfg.gateway, probe);
      gatewayArgv(cfg.gateway, probe);
    }
    if (cfg.setup) render(cfg.setup, probe, process.env, "--setup");
    if (cfg.teardown) render(cfg.teardown, probe, process.env, "--teardown");
    // the likely peak of open connections against the open-file limit
    const limit = openFileLimit();
    const likely = cfg.concurrency ?? Math.min(cfg.maxInFlight, Math.ceil(Math.max(cfg.rateRps, cfg.rateToRps ?? 0, ...(cfg.steps ?? [])) * (cfg.stream ? 2 : 0.2)));
    if (limit !== undefined && likely > limit * 0.8) {
      hooks.log(`warning: this load may hold about ${likely} connections open, near the open-file limit of ${limit}; raise it first: ulimit -n 65536`);
    }
    if (!cfg.noMock) assertPortFree(cfg.host, cfg.mockPort, "mock upstream", "--mock-port");
    if (!cfg.target && cfg.port !== 0) assertPortFree(cfg.host, cfg.port, "gateway", "--port");
    const start = async (name: string, argv: string[], env?: Record<string, string>): Promise<ChildProcess> => {
      if (stopSending.signal.aborted) throw new ProcessFailure(`interrupted before the ${name} was started`);
      const c = await startChild(name, argv, cfg.readyTimeoutMs, stopSending.signal, env);
      children.push(c);
      return c;
    };
    // the mock's command line (the baseline's mock is the same on another port)
    const mockArgv = (port: number): string[] => [...self, "__mock", "--host", cfg.host, "--port", String(port), `--seed=${cfg.mock.seed}`, ...Object.entries(cfg.mock.flags).map(([k, v]) => `--${k}=${v}`)];
    let mock: ChildProcess | undefined;
    if (!cfg.noMock) {
      mock = await start("mock upstream", mockArgv(cfg.mockPort));
      hooks.log(`mock upstream listening on http://${cfg.host}:${mock.port} (pid ${mock.pid})`);
    }
    // The baseline goes to a second mock with the same settings, so the
    // first one's counts are the gateway's upstream traffic alone.
    const order = baselineOrder(cfg);
    let directMock: ChildProcess | undefined;
    if (mock && order) {
      directMock = await start("baseline mock", mockArgv(0));
      hooks.log(`baseline: ${describeBaseline(cfg)} (second mock on http://${cfg.host}:${directMock.port}, pid ${directMock.pid})`);
    }
    // the mock's address, as the placeholders give it to a gateway and to --setup
    const mockValues = { MOCK_URL: mock ? `http://${cfg.host}:${mock.port}/v1` : "", MOCK_HOST: mock ? cfg.host : "", MOCK_PORT: mock ? String(mock.port) : "" };
    let gateway: ChildProcess | undefined;
    if (cfg.gateway) {
      const port = cfg.port === 0 ? freePort(cfg.host) : cfg.port;
      if (stopSending.signal.aborted) throw new ProcessFailure("interrupted before the gateway was started");
      external = await startGateway(cfg.gateway, { PORT: String(port), HOST: cfg.host, ...mockValues }, cfg.readyTimeoutMs, stopSending.signal);
      hooks.log(`gateway listening on http://${cfg.host}:${port} (pid ${external.pid}: ${external.argv.join(" ")}); its output: ${external.logPath}`);
      const gw = external;
      void gw.proc.exited.then(() => {
        if (gw.stopping) return;
        endEarly(`the gateway (pid ${gw.pid}) ${describeExit({ code: gw.proc.exitCode, signal: gw.proc.signalCode === null ? null : String(gw.proc.signalCode) })} during the run (its output: ${gw.logPath})`, true);
        abortInFlight.abort();
      });
    } else if (!cfg.target) {
      if (!mock) throw new ProcessFailure("the built-in proxy needs the mock as its upstream: give --target to load another server with --no-mock");
      const upstream = `http://${cfg.host}:${mock.port}`;
      // the proxy forwards with fetch: its limit of requests at once is raised like the fetch client's
      gateway = await start("gateway (built-in proxy)", [...self, "__proxy", "--host", cfg.host, "--port", String(cfg.port), "--upstream", upstream], { [FETCH_LIMIT_VAR]: FETCH_LIMIT });
      hooks.log(`gateway (built-in proxy) listening on http://${cfg.host}:${gateway.port} (pid ${gateway.pid})`);
    }
    const url = targetUrl(cfg, opts.pathGiven ?? false, gateway?.port ?? external?.port ?? 0);
    const target = new URL(url);
    const targetPort = Number(target.port || (target.protocol === "https:" ? 443 : 80));
    if (cfg.target) {
      // an attached target must at least accept connections (for https: with the certificate verified as the load will), or there is nothing to measure
      const problem = await probeTarget({ url, method: cfg.method, headers: {}, bodies: [], stream: false, timeoutMs: cfg.timeoutMs, insecure: cfg.insecure, ...(caPem ? { caPem } : {}) });
      if (problem) throw new ProcessFailure(`--target ${cfg.target}: ${problem}${problem.startsWith("nothing accepts") ? "; start the gateway first, or check the URL" : ""}`);
    }

    // A child dying ends the run early.
    for (const c of children) {
      void c.proc.exited.then(() => {
        if (c.stopping) return;
        endEarly(`${c.name} (pid ${c.pid}) ${describeExit(c.exit ?? { code: c.proc.exitCode, signal: null })} during the run`, true);
        abortInFlight.abort();
      });
    }

    let loadPids = (): number[] => [];
    // provisioning, for gateways configured through an API
    hookValues = { PORT: String(targetPort), HOST: target.hostname, ...mockValues, CONFIG: external?.configPath ?? "" };
    if (cfg.setup) {
      if (stopSending.signal.aborted) throw new ProcessFailure("interrupted before --setup ran");
      hooks.log(`setup: ${cfg.setup}`);
      const r = await runHook("--setup", cfg.setup, hookValues, cfg.gateway?.env ?? [], cfg.readyTimeoutMs);
      if (r.code !== 0) {
        throw new ProcessFailure(`--setup ${r.code === null ? `did not finish within ${cfg.readyTimeoutMs / 1000} s` : `exited with code ${r.code}`}\n  command: ${shellArgv(r.line).join(" ")}` + (r.output ? `\n  its output:\n${r.output.replace(/^/gm, "    ")}` : ""));
      }
    }

    // attach mode: the gateway's process, if named
    let attached: number | undefined;
    if (cfg.target && (cfg.attachPid !== undefined || cfg.attachPort !== undefined)) {
      attached = cfg.attachPid ?? portHolderPid(cfg.attachPort!);
      if (attached === undefined) throw new ProcessFailure(process.platform === "linux" ? `--pid-of-port ${cfg.attachPort}: no process of this user listens on port ${cfg.attachPort} (or /proc cannot tell); give --pid instead` : `--pid-of-port works on Linux only (it reads /proc); give the gateway's process with --pid instead`);
      if (!alive(attached)) throw new ProcessFailure(`--pid ${attached}: no such process (or not this user's)`);
      hooks.log(`sampling the gateway's process ${attached} and its descendants`);
    }
    const att = attached;
    const ext = external;
    const watched = [
      ...(gateway ? [{ name: "gateway", pid: gateway.pid }] : []),
      // the user's gateway with every process of its group (a shell, npm or a supervisor has children)
      ...(ext ? [{ name: "gateway", pid: ext.pid, helpers: async () => ((await groupMembers(ext.pid)) ?? []).filter((p) => p !== ext.pid) }] : []),
      ...(att !== undefined ? [{ name: "gateway", pid: att, helpers: () => descendants(att) }] : []),
      ...(mock ? [{ name: "mock", pid: mock.pid }] : []),
      // gatebench with its load worker processes, if any
      { name: "gatebench", pid: process.pid, helpers: () => loadPids() },
    ];

    const sampler = new ResourceSampler(watched, cfg.sampleIntervalMs);
    await sampler.start("idle");
    hooks.log(`idle phase: ${cfg.idleMs} ms`);
    await sleepOrAbort(cfg.idleMs, stopSending.signal);
    // the idle phase's samples go on while --start-at is awaited: the gateway is idle still
    let wallMinusPerfMs = Date.now() - performance.now();
    if (cfg.startAt !== undefined && !stopSending.signal.aborted) {
      try {
        wallMinusPerfMs = await waitForStartAt(cfg, performance.now() - startedMs, hooks, stopSending.signal);
      } catch (err) {
        await sampler.stop();
        throw err;
      }
    }

    const request: PreparedRequest = { url, method: cfg.method, headers: requestHeaders(cfg), bodies, stream: cfg.stream, timeoutMs: cfg.timeoutMs, client: cfg.client, ...(cfg.insecure ? { insecure: true } : {}), ...(caPem ? { caPem } : {}) };
    const direct = directMock && order ? { request: { ...request, url: directUrl(url, cfg.host, directMock.port) }, order, sliceMs: cfg.baselineSliceMs } : undefined;
    let drainTimer: Timer | undefined;
    hooks.log(`${cfg.warmupMs > 0 ? "warm-up, then " : ""}load phase: ${describeLoad(cfg)} → ${url}${cfg.stream ? " (streaming)" : ""}${cfg.workers > 1 ? `, ${cfg.workers} workers` : ""}${direct ? `, and the same to ${direct.request.url} (baseline, ${order})` : ""}`);
    const load = startLoad(
      { request, direct, mode: loadMode(cfg), warmupMs: cfg.warmupMs, workers: cfg.workers },
      {
        stopSending: stopSending.signal,
        abortInFlight: abortInFlight.signal,
        workerArgv: [...self, "__load"],
        // threads share one process (measured: as fast as processes with the socket client, a fraction of the memory); fetch's one HTTP thread and pool per process need processes
        workerKind: cfg.client === "fetch" ? "process" : "thread",
        // resource samples follow what is being sent: warm-up, the gateway's load, or the baseline (the gateway idles)
        onPhase: (phase) => void sampler.mark(phase),
        // What the gateway spends finishing the last requests is not "load";
        // they get drainMs to finish, then they are aborted.
        onSendingDone: () => {
          void sampler.mark("drain");
          drainTimer = setTimeout(() => abortInFlight.abort(), cfg.drainMs);
        },
      },
    );
    loadPids = () => load.pids();
    const t0 = performance.now();
    const ticker = setInterval(() => hooks.progress(load.live(), performance.now() - t0), hooks.progressEveryMs);
    // --abort-on-fail: a gate that can no longer pass stops the sending; the results are still reported
    const gates = gatesFrom(cfg);
    const decisive = cfg.strict ? [...gates, ...presetGates(cfg.targets)] : gates;
    let gateStop: { expr: string; why: string } | undefined;
    if (cfg.abortOnFail && !decisive.some((g) => decidable(g))) hooks.log("warning: --abort-on-fail: none of the gates can be decided before the end (only success, requests.failed, requests.dropped, errors and errors.<kind> can); the run goes to its end");
    const unwatch = cfg.abortOnFail && decisive.length > 0
      ? watchGates(decisive, plannedRequests(cfg), () => load.live(), (g, why) => {
          gateStop = { expr: g.expr, why };
          hooks.log(`gate ${g.expr} can no longer pass (${why}): stopping the load (--abort-on-fail)`);
          endEarly(`gate ${g.expr} could no longer pass: ${why} (--abort-on-fail)`, false, g.expr);
        })
      : () => {};
    let out: LoadOutcome;
    try {
      out = await load.done;
    } finally {
      unwatch();
      clearInterval(ticker);
      clearTimeout(drainTimer);
      hooks.progressEnd?.();
    }
    const loadMs = performance.now() - out.startedMs;
    // cool-down: does memory come back once the load is gone?
    if (cfg.cooldownMs > 0 && !ended.early) {
      await sampler.mark("cooldown");
      hooks.log(`cool-down phase: ${cfg.cooldownMs} ms`);
      await sleepOrAbort(cfg.cooldownMs, control.stop);
    }
    await sampler.stop();

    const [upstreamStats, directStats] = await Promise.all([
      mock ? mockStats(cfg.host, mock.port, 2000) : undefined,
      directMock ? mockStats(cfg.host, directMock.port, 2000) : undefined,
    ]);
    // The measured window of each lane. Open loop: the part of the shape
    // that lane ran, up to its first arrival not sent (the whole shape when
    // it ran to the end), so the rate is the schedule's even when stopped
    // early. Closed loop: from its first send to its last answer.
    const openWindow = (nextDueMs: number): number => Math.min(scheduledMs(cfg), Math.max(0, nextDueMs - cfg.warmupMs));
    const closedWindow = (r: Recorder): number => (Number.isFinite(r.lastEndMs - r.firstSentMs) ? Math.max(0, r.lastEndMs - r.firstSentMs) : 0);
    const rec = out.recorder;
    const closed = isClosedLoop(cfg);
    const sliced = order === "interleaved";
    const summary = summarize(rec, closed ? closedWindow(rec) : openWindow(out.nextDueMs), sampler.acc.summary(), sliced);
    summary.requests.in_flight_peak = out.inFlightPeak;
    if (out.direct) {
      const d = out.direct.recorder;
      withBaseline(summary, rec, d, closed ? closedWindow(d) : openWindow(out.directNextDueMs), sliced);
    }
    if (upstreamStats) summary.upstream = upstreamFigures(upstreamStats, rec.total + out.warmup.total, summary.errors);
    // interleaved, the gateway also finishes its requests during the baseline's slices
    summary.derived = derivedFigures(summary, sampler.acc, rec.total, cfg.stream, sliced ? ["load", "baseline"] : ["load"]);
    summary.warnings = warningsFor(summary, { loadMs, sampleIntervalMs: cfg.sampleIntervalMs, maxInFlight: cfg.maxInFlight, closedLoop: isClosedLoop(cfg), workers: cfg.workers, poolSize: cfg.client === "fetch" ? FETCH_POOL_SIZE : undefined,
      fdLimit: openFileLimit(),
      sliceMs: sliced ? cfg.baselineSliceMs : undefined,
      // a gateway of the user's (started or attached) may not be pointed at the mock
      unusedMock: (cfg.target || cfg.gateway) && mock && upstreamStats?.requests === 0 ? `${cfg.host}:${mock.port}` : undefined,
    });
    const verdicts = judge(gates, summary, { preset: cfg.targets, strict: cfg.strict, stream: cfg.stream });
    if (gateStop) {
      const stop = gateStop;
      const v = verdicts.find((x) => x.expr === stop.expr);
      // the other gates saw only the requests sent before the stop
      for (const x of verdicts) if (x !== v && x.pass) x.note = `judged on the ${summary.requests.total} requests sent before the stop${x.note ? `; ${x.note}` : ""}`;
      if (v) Object.assign(v, { pass: false, note: `could no longer pass: ${stop.why}; the load was stopped (--abort-on-fail)` });
      else verdicts.push({ expr: stop.expr, value: null, pass: false, unit: "", note: `could no longer pass: ${stop.why}; the load was stopped (--abort-on-fail)` });
    }
    if (verdicts.length > 0) summary.slo = verdicts;
    return {
      config: cfg,
      startedAt,
      url,
      processes: {
        mock: mock && info(mock),
        gateway: gateway ? info(gateway) : external ? { pid: external.pid, port: external.port, command: external.argv, log: external.logPath } : undefined,
      },
      attachedPid: attached,
      summary,
      recorder: out.recorder,
      warmup: { requests: out.warmup.total, ok: out.warmup.ok },
      timeline: out.timeline.rows(),
      baseline:
        directMock && direct && out.direct
          ? { order: direct.order, sliceMs: direct.sliceMs, url: direct.request.url, mock: info(directMock), recorder: out.direct.recorder, timeline: out.direct.timeline.rows(), received: directStats }
          : undefined,
      resourceSeries: sampler.acc.seriesOut(),
      mock: upstreamStats,
      loadMs,
      loadStartedAt: new Date(wallMinusPerfMs + out.startedMs).toISOString(),
      ended,
    };
  } finally {
    control.stop.removeEventListener("abort", onStop);
    control.abort.removeEventListener("abort", onAbort);
    if (cfg.teardown && hookValues) {
      hooks.log(`teardown: ${cfg.teardown}`);
      const r = await runHook("--teardown", cfg.teardown, hookValues, cfg.gateway?.env ?? [], cfg.readyTimeoutMs).catch((err: unknown) => ({ code: -1, output: String(err), line: cfg.teardown! }));
      if (r.code !== 0) hooks.log(`teardown failed (${r.code === null ? "timed out" : `code ${r.code}`})${r.output ? `: ${r.output.split("\n").slice(-3).join(" / ")}` : ""}`);
    }
    // the gateway first: it may still be talking to the mock
    if (external) await stopGateway(external, cfg.stopTimeoutMs);
    await Promise.all(
      children.reverse().map((c) => {
        c.stopping = true;
        return stopChild(c, cfg.stopTimeoutMs);
      }),
    );
  }
}
