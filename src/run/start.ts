// Starting a benchmark: what is sent is built and the gateway's command
// rendered before anything starts; then the mock (and the baseline's second
// mock), the gateway (the user's, or the built-in proxy), the attached
// target checked, --setup, and the attached gateway's process found. A
// child that dies from then on ends the run early.
import { apiBase, apiPath } from "../apis.ts";
import { gatewayArgv, readyUrlOf, renderConfig, runHook, shellArgv, startGateway } from "../gateway/external.ts";
import { removeDeadTempDirs } from "../gateway/temp.ts";
import { render, type PlaceholderValues } from "../gateway/template.ts";
import { FETCH_LIMIT, FETCH_LIMIT_VAR } from "../load/fetch.ts";
import { probe as probeTarget } from "../load/http1/probe.ts";
import { openFileLimit } from "../platform.ts";
import { describeExit, ProcessFailure, startChild, type ChildProcess } from "../process/children.ts";
import { assertPortFree, freePort, portHolderPid } from "../process/ports.ts";
import { alive } from "../process/tree.ts";
import { baselineOrder, describeBaseline, type RunConfig } from "./config.ts";
import type { RunContext } from "./context.ts";
import { readdirSync } from "node:fs";
import { OpenFilesError } from "./errors.ts";
import { requestBodies } from "./workload.ts";
import type { CpuPinningInfo } from "../metrics/document.ts";
import { gatewayCpusOf, pinHarness, pinningInfo, pinProxy } from "./pinning.ts";

export interface Prepared {
  bodies: Uint8Array[];
  /** --cacert's certificates. */
  caPem: string | undefined;
}

export interface Started {
  mock?: ChildProcess;
  /** The baseline's second mock. */
  directMock?: ChildProcess;
  /** The built-in proxy, when it is the gateway. */
  proxy?: ChildProcess;
  /** The URL the load is sent to. */
  url: string;
  /** The attached gateway's process (--pid, --pid-of-port). */
  attached?: number;
  /** --gateway-cpus, --harness-cpus: what each process got. */
  pinning?: CpuPinningInfo;
}

/**
 * Where the baseline goes: the mock's own path for the endpoint the gateway
 * is loaded on (a gateway may serve it under a prefix the mock does not know);
 * for an API other than chat, the path the mock serves it on.
 */
export function directUrl(gatewayUrl: string, host: string, mockPort: number, api?: Pick<RunConfig, "api" | "model" | "stream">): string {
  if (api && api.api !== "chat") return `http://${host}:${mockPort}${apiPath(api.api, api.model, api.stream)}`;
  const path = new URL(gatewayUrl).pathname;
  const endpoint = ["/chat/completions", "/completions", "/embeddings", "/models"].find((e) => path.endsWith(e));
  return `http://${host}:${mockPort}${endpoint ? `/v1${endpoint}` : path}`;
}

/** The last segment of an API's base path, as SDKs are configured with it: /v1, /api/v2, /v1beta/openai. */
const API_BASE = /\/(v\d+[a-z0-9]*|openai)$/;

/**
 * The URL to load. A started gateway: its address and --path. A --target:
 * - a base URL (no path, or one ending in an API's base path such as /v1,
 *   the way OpenAI SDKs take it) gets the endpoint appended: --path, less
 *   its own version segment when the base ends in one (…/v1 + /v1/chat/completions
 *   → …/v1/chat/completions);
 * - another path is used as it is, unless --path is given, which is appended.
 */
export function targetUrl(cfg: Pick<RunConfig, "target" | "host" | "path">, pathGiven: boolean, gatewayPort: number): string {
  if (!cfg.target) return `http://${cfg.host}:${gatewayPort}${cfg.path}`;
  const u = new URL(cfg.target);
  const base = u.pathname.replace(/\/+$/, "");
  if (base !== "" && !API_BASE.test(base) && !pathGiven) return u.href;
  const endpoint = API_BASE.test(base) ? cfg.path.replace(/^\/v\d+[a-z0-9]*(?=\/)/, "") : cfg.path;
  // a path with a query of its own (Gemini's ?alt=sse) keeps it, joined with the target's (?key=…)
  const search = u.search && endpoint.includes("?") ? `&${u.search.slice(1)}` : u.search;
  return `${u.origin}${base}${endpoint}${search}`;
}

/** Everything that can be checked and built before a process starts. */
export async function prepare(ctx: RunContext): Promise<Prepared> {
  const { cfg, hooks } = ctx;
  const bodies = await requestBodies(cfg);
  const caPem = cfg.caFile ? await Bun.file(cfg.caFile).text() : undefined;
  const probe = {
    PORT: "1",
    HOST: cfg.host,
    MOCK_URL: "http://x/v1",
    MOCK_ORIGIN: "http://x",
    MOCK_HOST: "x",
    MOCK_PORT: "1",
    UPSTREAM_API: "chat",
    CONFIG: "/x",
  };
  if (cfg.gateway) {
    renderConfig(cfg.gateway, probe);
    gatewayArgv(cfg.gateway, probe);
    readyUrlOf(cfg.gateway, probe);
  }
  if (cfg.setup) render(cfg.setup, probe, process.env, "--setup");
  if (cfg.gateway) {
    const removed = removeDeadTempDirs();
    if (removed > 0) hooks.log(`removed ${removed} temp folder${removed === 1 ? "" : "s"} of earlier runs that ended without cleaning up`);
  }
  if (cfg.teardown) render(cfg.teardown, probe, process.env, "--teardown");
  checkOpenFiles(cfg, hooks);
  if (!cfg.noMock) assertPortFree(cfg.host, cfg.mockPort, "mock upstream", "--mock-port");
  if (!cfg.target && cfg.port !== 0) assertPortFree(cfg.host, cfg.port, "gateway", "--port");
  // last of the checks, first of the starts: everything gatebench starts from here on inherits the harness's CPUs
  await pinHarness(ctx);
  return { bodies, caPem };
}

/**
 * The likely peak of open connections against the open-file limit, which
 * the gateway and the mock inherit: a gateway started for the run holds two
 * descriptors a request (the client's connection and its upstream one). A
 * load that cannot fit is refused; one near the limit is warned about.
 */
function checkOpenFiles(cfg: RunConfig, hooks: RunContext["hooks"]): void {
  const limit = openFileLimit();
  if (limit === undefined) return;
  const likely =
    cfg.concurrency ?? Math.min(cfg.maxInFlight, Math.ceil(Math.max(cfg.rateRps, cfg.rateToRps ?? 0, ...(cfg.steps ?? [])) * (cfg.stream ? 2 : 0.2)));
  const perRequest = cfg.target ? 1 : 2;
  const needed = likely * perRequest + openFilesNow();
  const raise = `ulimit -n ${Math.max(65536, 2 ** Math.ceil(Math.log2(needed * 1.25)))}`;
  if (needed > limit)
    throw new OpenFilesError(
      `this load may hold about ${likely} connections open${perRequest === 2 ? ` (the gateway two descriptors each: the client's and its upstream)` : ""}, ${needed} open files at least, over the open-file limit of ${limit}: raise it first (${raise}), or send fewer at once (-c, --max-in-flight, --rate)`,
    );
  if (needed > limit * 0.8)
    hooks.log(`warning: this load may hold about ${likely} connections open, near the open-file limit of ${limit}; raise it first: ${raise}`);
}

/** Descriptors this process holds now (Linux; elsewhere a guess): its own files, pipes, listeners, the event loop. */
function openFilesNow(): number {
  try {
    return readdirSync("/proc/self/fd").length;
  } catch {
    return 32;
  }
}

/** Starts one of gatebench's own children for the run (unless the run was stopped meanwhile). */
async function start(ctx: RunContext, name: string, argv: string[], env?: Record<string, string>): Promise<ChildProcess> {
  if (ctx.stopSending.signal.aborted) throw new ProcessFailure(`interrupted before the ${name} was started`);
  const c = await startChild(name, argv, ctx.cfg.readyTimeoutMs, ctx.stopSending.signal, env);
  ctx.children.push(c);
  return c;
}

/** The mock, and the baseline's mock when there is a baseline. */
async function startMocks(ctx: RunContext, s: Started): Promise<void> {
  const { cfg, hooks } = ctx;
  // the mock's command line (the baseline's mock is the same on another port)
  const mockArgv = (port: number): string[] => [
    ...ctx.self,
    "__mock",
    "--host",
    cfg.host,
    "--port",
    String(port),
    `--seed=${cfg.mock.seed}`,
    `--procs=${cfg.mock.procs}`,
    ...(cfg.mock.fixed ? ["--fixed"] : []),
    ...Object.entries(cfg.mock.flags).map(([k, v]) => `--${k}=${v}`),
  ];
  const procs = cfg.mock.procs > 1 ? `, ${cfg.mock.procs} processes` : "";
  if (cfg.noMock) return;
  s.mock = await start(ctx, "mock upstream", mockArgv(cfg.mockPort));
  hooks.log(`mock upstream listening on http://${cfg.host}:${s.mock.port} (pid ${s.mock.pid}${procs})`);
  // The baseline goes to a second mock with the same settings, so the first one's counts are the gateway's upstream traffic alone.
  if (baselineOrder(cfg)) {
    s.directMock = await start(ctx, "baseline mock", mockArgv(0));
    hooks.log(`baseline: ${describeBaseline(cfg)} (second mock on http://${cfg.host}:${s.directMock.port}, pid ${s.directMock.pid}${procs})`);
  }
}

/** The mock's address, as the placeholders give it to a gateway and to --setup. */
type MockValues = Pick<PlaceholderValues, "MOCK_URL" | "MOCK_ORIGIN" | "MOCK_HOST" | "MOCK_PORT" | "UPSTREAM_API">;

/** The gateway: the user's (--gateway), or the built-in proxy when no --target is given. */
async function startGatewayOf(ctx: RunContext, s: Started, mockValues: MockValues): Promise<void> {
  const { cfg, hooks } = ctx;
  if (cfg.gateway) {
    const port = cfg.port === 0 ? freePort(cfg.host) : cfg.port;
    if (ctx.stopSending.signal.aborted) throw new ProcessFailure("interrupted before the gateway was started");
    const gw = await startGateway(
      cfg.gateway,
      { PORT: String(port), HOST: cfg.host, ...mockValues },
      cfg.readyTimeoutMs,
      ctx.stopSending.signal,
      gatewayCpusOf(cfg),
    );
    ctx.external = gw;
    hooks.log(`gateway listening on http://${cfg.host}:${port} (pid ${gw.pid}: ${gw.argv.join(" ")})`);
    void gw.proc.exited.then(() => {
      if (!gw.stopping)
        ctx.fail(
          `the gateway (pid ${gw.pid}) ${describeExit({ code: gw.proc.exitCode, signal: gw.proc.signalCode === null ? null : String(gw.proc.signalCode) })} during the run`,
        );
    });
  } else if (!cfg.target) {
    if (!s.mock) throw new ProcessFailure("the built-in proxy needs the mock as its upstream: give --target to load another server with --no-mock");
    // the proxy forwards with fetch: its limit of requests at once is raised like the fetch client's
    s.proxy = await start(
      ctx,
      "gateway (built-in proxy)",
      [...ctx.self, "__proxy", "--host", cfg.host, "--port", String(cfg.port), "--upstream", `http://${cfg.host}:${s.mock.port}`],
      { [FETCH_LIMIT_VAR]: FETCH_LIMIT },
    );
    await pinProxy(cfg, s.proxy.pid);
    hooks.log(`gateway (built-in proxy) listening on http://${cfg.host}:${s.proxy.port} (pid ${s.proxy.pid})`);
  }
}

/** An attached target must at least accept connections (for https: with the certificate verified as the load will), or there is nothing to measure. */
async function probeAttached(cfg: RunConfig, url: string, caPem: string | undefined): Promise<void> {
  const problem = await probeTarget({
    url,
    method: cfg.method,
    headers: {},
    bodies: [],
    stream: false,
    timeoutMs: cfg.timeoutMs,
    insecure: cfg.insecure,
    ...(caPem ? { caPem } : {}),
  });
  if (problem)
    throw new ProcessFailure(`--target ${cfg.target}: ${problem}${problem.startsWith("nothing accepts") ? "; start the gateway first, or check the URL" : ""}`);
}

/** The mocks and the gateway, started and ready; the URL the load goes to. */
export async function startProcesses(ctx: RunContext, prepared: Prepared, pathGiven: boolean): Promise<Started> {
  const { cfg } = ctx;
  const s: Started = { url: "" };
  await startMocks(ctx, s);
  // the mock's base URL as a client of the API the gateway calls it in takes it
  const upstreamApi = cfg.upstreamApi ?? cfg.api;
  const origin = s.mock ? `http://${cfg.host}:${s.mock.port}` : "";
  const mockValues: MockValues = {
    MOCK_URL: s.mock ? origin + apiBase(upstreamApi) : "",
    MOCK_ORIGIN: origin,
    MOCK_HOST: s.mock ? cfg.host : "",
    MOCK_PORT: s.mock ? String(s.mock.port) : "",
    UPSTREAM_API: upstreamApi,
  };
  await startGatewayOf(ctx, s, mockValues);
  s.url = targetUrl(cfg, pathGiven, s.proxy?.port ?? ctx.external?.port ?? 0);
  if (cfg.target) await probeAttached(cfg, s.url, prepared.caPem);
  // a child dying ends the run early
  for (const c of ctx.children) {
    void c.proc.exited.then(() => {
      if (!c.stopping) ctx.fail(`${c.name} (pid ${c.pid}) ${describeExit(c.exit ?? { code: c.proc.exitCode, signal: null })} during the run`);
    });
  }
  const target = new URL(s.url);
  ctx.hookValues = {
    PORT: target.port || (target.protocol === "https:" ? "443" : "80"),
    HOST: target.hostname,
    ...mockValues,
    CONFIG: ctx.external?.configPath ?? "",
  };
  await setup(ctx);
  s.attached = attachedProcess(ctx);
  s.pinning = await pinningInfo(ctx, s);
  return s;
}

/** --setup, for gateways configured through an API; a failure stops the run with its output. */
async function setup(ctx: RunContext): Promise<void> {
  const { cfg } = ctx;
  if (!cfg.setup) return;
  if (ctx.stopSending.signal.aborted) throw new ProcessFailure("interrupted before --setup ran");
  ctx.hooks.log(`setup: ${cfg.setup}`);
  const r = await runHook("--setup", cfg.setup, ctx.hookValues!, cfg.gateway?.env ?? [], cfg.readyTimeoutMs);
  if (r.code !== 0) {
    throw new ProcessFailure(
      `--setup ${r.code === null ? `did not finish within ${cfg.readyTimeoutMs / 1000} s` : `exited with code ${r.code}`}\n  command: ${shellArgv(r.line).join(" ")}` +
        (r.output ? `\n  its output:\n${r.output.replace(/^/gm, "    ")}` : ""),
    );
  }
}

/** Attach mode: the gateway's process, if named (--pid, --pid-of-port). */
function attachedProcess(ctx: RunContext): number | undefined {
  const { cfg } = ctx;
  if (!cfg.target || (cfg.attachPid === undefined && cfg.attachPort === undefined)) return undefined;
  const pid = cfg.attachPid ?? portHolderPid(cfg.attachPort!);
  if (pid === undefined)
    throw new ProcessFailure(
      process.platform === "linux"
        ? `--pid-of-port ${cfg.attachPort}: no process of this user listens on port ${cfg.attachPort} (or /proc cannot tell); give --pid instead`
        : `--pid-of-port works on Linux only (it reads /proc); give the gateway's process with --pid instead`,
    );
  if (!alive(pid)) throw new ProcessFailure(`--pid ${pid}: no such process (or not this user's)`);
  ctx.hooks.log(`sampling the gateway's process ${pid} and its descendants`);
  return pid;
}
