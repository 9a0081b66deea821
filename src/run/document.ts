// A run's result document: the run as it happened, the summary, the
// histograms, with secrets in headers and in the gateway's environment
// redacted (the JSON ends up in CI artifacts).
import { apiBase } from "../apis.ts";
import { cpus } from "node:os";
import { resultDoc, type ClientInfo, type ResultDoc, type RunInfo, type ToolInfo } from "../metrics/document.ts";
import type { Recorder } from "../metrics/recorder.ts";
import { commit, VERSION } from "../version.ts";
import type { RunResult } from "./benchmark.ts";
import { describeLoad, isClosedLoop, type RunConfig } from "./config.ts";

/** Header and variable names whose values are secrets: kept out of the JSON result (it ends up in CI artifacts). */
const SECRET_NAME = /^(authorization|proxy-authorization|cookie|x-api-key|api-key)$|key|token|secret|password/i;

const redacted = (name: string, value: string): string => {
  if (!SECRET_NAME.test(name)) return value;
  const scheme = /^(Bearer|Basic)\s+/i.exec(value)?.[0] ?? "";
  return `${scheme}[redacted]`;
};

/** This gatebench, as a result names it. */
export const toolInfo = (): ToolInfo => ({
  version: VERSION,
  commit: commit(),
  bun: Bun.version,
  os: `${process.platform}-${process.arch}`,
  cpus: cpus().length,
});

/** The configuration as a result keeps it: secrets in headers and the gateway's environment redacted. */
export const configRecord = (cfg: RunConfig): Record<string, unknown> => ({
  ...cfg,
  headers: cfg.headers.map(([k, v]) => [k, redacted(k, v)]),
  ...(cfg.gateway ? { gateway: { ...cfg.gateway, env: cfg.gateway.env.map(([k, v]) => [k, redacted(k, v)]) } } : {}),
});

/** The client and its connections; `warmup`: the warm-up's requests, sent on the same connections. */
function clientInfo(kind: string, rec: Recorder, warmup: number, direct: Recorder | undefined): ClientInfo {
  const perConnection = (requests: number, opened: number): number => (opened > 0 ? Math.round((requests / opened) * 10) / 10 : 0);
  if (rec.connectionsOpened < 0) return { kind };
  return {
    kind,
    connections_opened: rec.connectionsOpened,
    requests_per_connection: perConnection(rec.total + warmup, rec.connectionsOpened),
    keepalive_retries: rec.keepAliveRetries,
    // the baseline's warm-up shares its connections too; it is small next to the load, and left out
    ...(direct && direct.connectionsOpened >= 0
      ? { direct: { connections_opened: direct.connectionsOpened, requests_per_connection: perConnection(direct.total, direct.connectionsOpened) } }
      : {}),
  };
}

export function documentOf(r: RunResult): ResultDoc {
  const gw = r.processes.gateway;
  const mock = r.processes.mock;
  const cfg = r.config;
  const b = r.baseline;
  const run: RunInfo = {
    started_at: r.startedAt,
    load_started_at: r.loadStartedAt,
    load_model: isClosedLoop(cfg) ? "closed" : "open",
    load: describeLoad(cfg),
    target: r.url,
    gateway: gw
      ? { kind: cfg.gateway ? "command" : "built-in proxy", pid: gw.pid, port: gw.port, command: gw.command, ...(gw.log ? { log: gw.log } : {}) }
      : { kind: "external", ...(r.attachedPid !== undefined ? { pid: r.attachedPid } : {}), sampled: r.attachedPid !== undefined },
    mock: mock
      ? {
          pid: mock.pid,
          port: mock.port,
          // as {{MOCK_URL}} gave it: the base path of the API the gateway calls it in
          url: `http://${cfg.host}:${mock.port}${apiBase(cfg.upstreamApi ?? cfg.api)}`,
          procs: cfg.mock.procs,
          ...(cfg.mock.fixed ? { fixed: true } : {}),
          received: r.mock ? { ...r.mock } : undefined,
        }
      : undefined,
    baseline: b
      ? {
          order: b.order,
          ...(b.order === "interleaved" ? { slice_ms: b.sliceMs } : {}),
          url: b.url,
          mock: { pid: b.mock.pid, port: b.mock.port, procs: cfg.mock.procs, received: b.received ? { ...b.received } : undefined },
        }
      : undefined,
    client: clientInfo(cfg.client, r.recorder, r.warmup.requests, b?.recorder),
    warmup: cfg.warmupMs > 0 ? { duration_ms: cfg.warmupMs, ...r.warmup } : undefined,
    load_ms: Math.round(r.loadMs),
    completed: !r.ended.early,
    ended_early: r.ended.early ? r.ended.reason : undefined,
    ...(r.pinning ? { cpu_pinning: r.pinning } : {}),
  };
  return resultDoc(
    toolInfo(),
    configRecord(cfg),
    run,
    r.summary,
    {
      ...r.recorder.histograms,
      ...(b ? Object.fromEntries(Object.entries(b.recorder.histograms).map(([name, h]) => [`direct.${name}`, h])) : {}),
    },
    r.timeline,
    r.resourceSeries,
    b?.timeline,
  );
}
