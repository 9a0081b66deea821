// Driving the load: the idle phase, --start-at, the load itself (with its
// progress, --abort-on-fail's watch on the gates, the drain), the
// cool-down, and the mocks' counters once they have finished. Resource
// samples follow what is being sent all along.
import type { PreparedRequest } from "../load/client.ts";
import { sleepOrAbort, Waiter } from "../load/clock.ts";
import { loadLeadMs, startLoad, type LiveCounts, type LoadOutcome } from "../load/load.ts";
import { decidable, decidedFailure } from "../metrics/gates/early.ts";
import { gatesFrom } from "../metrics/gates/evaluate.ts";
import type { Slo } from "../metrics/gates/expr.ts";
import { BASELINE_MOCK } from "../metrics/mock-bound.ts";
import { ERROR_KIND_NAMES } from "../metrics/outcome.ts";
import { presetGates } from "../metrics/targets.ts";
import type { MockStats } from "../mock/server.ts";
import { ResourceSampler } from "../process/sampler.ts";
import { descendants, groupMembers } from "../process/tree.ts";
import { baselineOrder, describeLoad, loadMode, plannedRequests, START_AT_SLACK_MS, startAtAdvice, type RunConfig } from "./config.ts";
import type { RunContext, RunHooks } from "./context.ts";
import { ConfigError } from "./errors.ts";
import { directUrl, type Prepared, type Started } from "./start.ts";
import { requestHeaders } from "./workload.ts";

export interface Driven {
  out: LoadOutcome;
  /** How long the load phase lasted, warm-up and drain included. */
  loadMs: number;
  sampler: ResourceSampler;
  /** The wall clock minus performance.now(), to place the load's start on the wall clock. */
  wallMinusPerfMs: number;
  /** The baseline's requests, when there was one. */
  direct?: { request: PreparedRequest; order: "interleaved" | "sequential"; sliceMs: number };
  gates: Slo[];
  /** --abort-on-fail stopped the load on this gate. */
  gateStop?: { expr: string; why: string };
  upstream?: MockStats;
  directUpstream?: MockStats;
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
    const steps = [
      !cfg.noMock && "the mock",
      !cfg.target && "the gateway",
      cfg.setup && "--setup",
      cfg.idleMs > 0 && `the ${cfg.idleMs / 1000} s idle phase`,
    ].filter(Boolean);
    const took = `getting there took ${(readyTookMs / 1000).toFixed(1)} s${steps.length > 0 ? `: ${steps.join(", ")}` : ""}${cfg.workers > 1 ? `, and the load workers need ${(leadMs / 1000).toFixed(1)} s to start` : ""}`;
    throw new ConfigError(
      `--start-at "${cfg.startAt}": the load could begin ${(lateMs / 1000).toFixed(1)} s after it at the earliest (${took}); ${startAtAdvice(Math.ceil((readyTookMs + leadMs) / 1000) + 10)}`,
    );
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

/** The processes sampled: the gateway (with its group or descendants), the mock, gatebench with its worker processes. */
function sampled(ctx: RunContext, s: Started, loadPids: () => number[]) {
  const ext = ctx.external;
  const att = s.attached;
  return [
    ...(s.proxy ? [{ name: "gateway", pid: s.proxy.pid }] : []),
    // the user's gateway with every process of its group (a shell, npm or a supervisor has children)
    ...(ext ? [{ name: "gateway", pid: ext.pid, helpers: async () => ((await groupMembers(ext.pid)) ?? []).filter((p) => p !== ext.pid) }] : []),
    ...(att !== undefined ? [{ name: "gateway", pid: att, helpers: () => descendants(att) }] : []),
    // several mock processes are the first one and its children; the baseline's mock is sampled too (is it at its ceiling?)
    ...[
      { name: "mock", child: s.mock },
      { name: BASELINE_MOCK, child: s.directMock },
    ].flatMap(({ name, child }) => (child ? [{ name, pid: child.pid, ...(ctx.cfg.mock.procs > 1 ? { helpers: () => descendants(child.pid) } : {}) }] : [])),
    { name: "gatebench", pid: process.pid, helpers: loadPids },
  ];
}

/** The idle phase (sampled), and the wait for --start-at; returns wall-clock minus performance.now() as the load starts. */
async function idle(ctx: RunContext, sampler: ResourceSampler): Promise<number> {
  const { cfg, hooks } = ctx;
  await sampler.start("idle");
  hooks.log(`idle phase: ${cfg.idleMs} ms`);
  await sleepOrAbort(cfg.idleMs, ctx.stopSending.signal);
  // the idle phase's samples go on while --start-at is awaited: the gateway is idle still
  if (cfg.startAt === undefined || ctx.stopSending.signal.aborted) return Date.now() - performance.now();
  try {
    return await waitForStartAt(cfg, performance.now() - ctx.startedMs, hooks, ctx.stopSending.signal);
  } catch (err) {
    await sampler.stop();
    throw err;
  }
}

/** The request the load sends to the gateway, and the same to the baseline's mock when there is one. */
function loadRequests(cfg: RunConfig, s: Started, prepared: Prepared) {
  const caPem = prepared.caPem;
  const request: PreparedRequest = {
    url: s.url,
    method: cfg.method,
    headers: requestHeaders(cfg),
    bodies: prepared.bodies,
    stream: cfg.stream,
    api: cfg.api,
    timeoutMs: cfg.timeoutMs,
    client: cfg.client,
    ...(cfg.insecure ? { insecure: true } : {}),
    ...(caPem ? { caPem } : {}),
  };
  const order = baselineOrder(cfg);
  const direct =
    s.directMock && order
      ? { request: { ...request, url: directUrl(s.url, cfg.host, s.directMock.port, cfg) }, order, sliceMs: cfg.baselineSliceMs }
      : undefined;
  return { request, direct, order };
}

/** The idle phase, then the load (and its cool-down); resolves when it is over, with what it recorded. */
export async function driveLoad(ctx: RunContext, s: Started, prepared: Prepared): Promise<Driven> {
  const { cfg, hooks } = ctx;
  let loadPids = (): number[] => [];
  const sampler = new ResourceSampler(
    sampled(ctx, s, () => loadPids()),
    cfg.sampleIntervalMs,
  );
  const wallMinusPerfMs = await idle(ctx, sampler);
  const { request, direct, order } = loadRequests(cfg, s, prepared);
  let drainTimer: Timer | undefined;
  hooks.log(
    `${cfg.warmupMs > 0 ? "warm-up, then " : ""}load phase: ${describeLoad(cfg)} → ${s.url}${cfg.stream ? " (streaming)" : ""}${cfg.workers > 1 ? `, ${cfg.workers} workers` : ""}${direct ? `, and the same to ${direct.request.url} (baseline, ${order})` : ""}`,
  );
  const load = startLoad(
    { request, direct, mode: loadMode(cfg), warmupMs: cfg.warmupMs, workers: cfg.workers },
    {
      stopSending: ctx.stopSending.signal,
      abortInFlight: ctx.abortInFlight.signal,
      workerArgv: [...ctx.self, "__load"],
      // threads share one process (measured: as fast as processes with the socket client, a fraction of the memory); fetch's one HTTP thread and pool per process need processes
      workerKind: cfg.client === "fetch" ? "process" : "thread",
      // resource samples follow what is being sent: warm-up, the gateway's load, or the baseline (the gateway idles)
      onPhase: (phase) => void sampler.mark(phase),
      // what the gateway spends finishing the last requests is not "load"; they get drainMs to finish, then they are aborted
      onSendingDone: () => {
        void sampler.mark("drain");
        drainTimer = setTimeout(() => ctx.abortInFlight.abort(), cfg.drainMs);
      },
    },
  );
  loadPids = () => load.pids();
  const t0 = performance.now();
  const progress = setInterval(() => hooks.progress(load.live(), performance.now() - t0), hooks.progressEveryMs);
  const gates = gatesFrom(cfg);
  let gateStop: Driven["gateStop"];
  const unwatch = abortOnFail(
    ctx,
    gates,
    () => load.live(),
    (stop) => (gateStop = stop),
  );
  let out: LoadOutcome;
  try {
    out = await load.done;
  } finally {
    unwatch();
    clearInterval(progress);
    clearTimeout(drainTimer);
    hooks.progressEnd?.();
  }
  // stopped before its first send (Ctrl-C in the idle phase): no load at all, never a negative length
  const loadMs = Math.max(0, performance.now() - out.startedMs);
  // cool-down: does memory come back once the load is gone?
  if (cfg.cooldownMs > 0 && !ctx.ended.early) {
    await sampler.mark("cooldown");
    hooks.log(`cool-down phase: ${cfg.cooldownMs} ms`);
    await sleepOrAbort(cfg.cooldownMs, ctx.control.stop);
  }
  await sampler.stop();
  const [upstream, directUpstream] = await Promise.all([
    s.mock ? mockStats(cfg.host, s.mock.port, 2000) : undefined,
    s.directMock ? mockStats(cfg.host, s.directMock.port, 2000) : undefined,
  ]);
  return { out, loadMs, sampler, wallMinusPerfMs, direct, gates, gateStop, upstream, directUpstream };
}

/** --abort-on-fail: a gate that can no longer pass stops the sending (the results are still reported); returns the stop of the watch. */
function abortOnFail(ctx: RunContext, gates: Slo[], live: () => LiveCounts, stopped: (stop: { expr: string; why: string }) => void): () => void {
  const { cfg, hooks } = ctx;
  if (!cfg.abortOnFail) return () => {};
  const decisive = cfg.strict ? [...gates, ...presetGates(cfg.targets)] : gates;
  if (!decisive.some((g) => decidable(g)))
    hooks.log(
      "warning: --abort-on-fail: none of the gates can be decided before the end (only success, requests.failed, requests.dropped, errors and errors.<kind> can); the run goes to its end",
    );
  if (decisive.length === 0) return () => {};
  return watchGates(decisive, plannedRequests(cfg), live, (g, why) => {
    stopped({ expr: g.expr, why });
    hooks.log(`gate ${g.expr} can no longer pass (${why}): stopping the load (--abort-on-fail)`);
    ctx.endEarly(`gate ${g.expr} could no longer pass: ${why} (--abort-on-fail)`, false, g.expr);
  });
}
