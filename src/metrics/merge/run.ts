// The merged document's config and run: the parts' loads added up, what is
// each instance's own kept in run.parts.
import type { ResultDoc, RunInfo } from "../document.ts";
import type { Summary } from "../summary.ts";
import { addReceived } from "./figures.ts";
import { allSame, isObj, RATE_KEYS, round, sum, type MergeInput } from "./parts.ts";

type Obj = Record<string, unknown>;

/** One merged part, as run.parts lists it. */
export interface PartInfo {
  instance: string;
  file: string;
  /** The part's configured rate (req/s; a ramp's or steps' first rate), or connections in a closed loop. */
  rate_rps?: number;
  concurrency?: number;
  seed?: unknown;
  started_at: string;
  load_started_at?: string;
  tool_version: string;
  completed: boolean;
  ended_early?: string;
  requests: number;
  ok: number;
  /** Figures of this instance's own gateway (memory growth, MB per stream, CPU per request). */
  derived?: Summary["derived"];
  /** This instance's gates, checked on its own figures. */
  slo?: Summary["slo"];
}

export type MergedDoc = Omit<ResultDoc, "run"> & { run: RunInfo & { parts: PartInfo[] } };

/** One value when all parts agree, else each part's, labelled ("a: x, b: y"). */
const common = (xs: string[], ids: string[]): string => (allSame(xs) ? xs[0]! : xs.map((x, i) => `${ids[i]}: ${x}`).join(", "));

/** The parts' config with the rate (or connections, or requests) added up and what belongs to one instance taken out. */
export function mergedConfig(cfgs: Obj[], ids: string[]): Obj {
  const out: Obj = {};
  const first = cfgs[0]!;
  for (const [k, v] of Object.entries(first)) {
    if (["instance", "jsonPath", "htmlPath", "outDir"].includes(k)) continue;
    const all = cfgs.map((c) => c[k]);
    if ((RATE_KEYS as readonly string[]).includes(k)) {
      out[k] = Array.isArray(v)
        ? v.map((_, j) =>
            round(
              sum(all, (c) => (c as number[])[j]),
              6,
            ),
          )
        : v === undefined
          ? v
          : round(
              sum(all, (c) => c as number),
              6,
            );
    } else if (k === "seed") out[k] = allSame(all) ? v : all;
    else if (k === "mock" && isObj(v)) {
      const seeds = cfgs.map((c) => (c.mock as Obj | undefined)?.seed);
      out[k] = { ...v, seed: allSame(seeds) ? v.seed : seeds };
    } else if (k === "port" || k === "mockPort" || k === "attachPid" || k === "attachPort") {
      if (allSame(all)) out[k] = v;
    } else out[k] = v;
  }
  out.instances = ids;
  return out;
}

/** The load in words: the parts', and their total. */
function describeLoad(docs: ResultDoc[], ids: string[], cfg: Obj): string {
  const loads = docs.map((d) => d.run.load);
  const each = allSame(loads) ? `each ${loads[0]}` : ids.map((id, i) => `${id}: ${loads[i]}`).join("; ");
  let total: string;
  if (cfg.concurrency !== undefined) total = `${cfg.concurrency} connections`;
  else if (Array.isArray(cfg.steps)) total = `steps ${cfg.steps.join(", ")} req/s`;
  else if (cfg.rateToRps !== undefined) total = `ramp ${cfg.rateRps} → ${cfg.rateToRps} req/s`;
  else total = `${cfg.rateRps} req/s`;
  return `${docs.length} instances (${ids.join(", ")}), ${each}: ${total} in all`;
}

export function mergedRun(parts: MergeInput[], ids: string[], cfg: Obj, startsMs: number[]): MergedDoc["run"] {
  const docs = parts.map((p) => p.doc);
  const runs = docs.map((d) => d.run);
  const earliest = startsMs.indexOf(Math.min(...startsMs));
  const gw = runs.map((r) => r.gateway);
  const mocks = runs.map((r) => r.mock);
  const bases = runs.map((r) => r.baseline);
  const warm = runs.map((r) => r.warmup);
  const early = runs.flatMap((r, i) => (r.completed ? [] : [`${ids[i]}: ${r.ended_early ?? "did not complete"}`]));
  const run: MergedDoc["run"] = {
    started_at: earliestOf(runs.map((r) => r.started_at)),
    ...(runs.every((r) => r.load_started_at) ? { load_started_at: runs[earliest]!.load_started_at } : {}),
    load_model: runs[0]!.load_model,
    load: describeLoad(docs, ids, cfg),
    target: common(
      runs.map((r) => r.target),
      ids,
    ),
    // pids and ports are each instance's own: in run.parts' files
    gateway: {
      kind: common(
        gw.map((g) => g.kind),
        ids,
      ),
      ...(gw.every((g) => g.sampled === false) ? { sampled: false } : {}),
    },
    load_ms: Math.max(...runs.map((r) => r.load_ms)),
    completed: runs.every((r) => r.completed),
    ...(early.length > 0 ? { ended_early: early.join("; ") } : {}),
    parts: parts.map((p, i) => partInfo(p, ids[i]!)),
  };
  if (mocks.every((m) => m !== undefined)) {
    const m0 = mocks[0]!;
    run.mock = {
      // the first instance's pid and port (the report shows one); every instance's mock is in the url
      pid: m0.pid,
      port: m0.port,
      url: common(
        mocks.map((m) => `${m.url}${allSame(mocks.map((x) => x.url)) ? "" : ` (pid ${m.pid})`}`),
        ids,
      ),
      ...(mocks.every((m) => m.received) ? { received: addReceived(mocks.map((m) => m.received!)) } : {}),
    };
  }
  if (bases.every((b) => b !== undefined)) {
    const b0 = bases[0]!;
    run.baseline = {
      order: b0.order,
      ...(b0.slice_ms !== undefined ? { slice_ms: b0.slice_ms } : {}),
      url: common(
        bases.map((b) => b.url),
        ids,
      ),
      mock: {
        pid: b0.mock.pid,
        port: b0.mock.port,
        ...(bases.every((b) => b.mock.received) ? { received: addReceived(bases.map((b) => b.mock.received!)) } : {}),
      },
    };
  }
  if (warm.every((w) => w !== undefined))
    run.warmup = { duration_ms: Math.max(...warm.map((w) => w.duration_ms)), requests: sum(warm, (w) => w.requests), ok: sum(warm, (w) => w.ok) };
  return run;
}

/** The earliest of ISO times, compared as instants (their zones may differ). */
const earliestOf = (isos: string[]): string => isos.reduce((a, b) => (Date.parse(b) < Date.parse(a) ? b : a));

function partInfo(p: MergeInput, instance: string): PartInfo {
  const { config: c, run: r, summary: s, tool } = p.doc;
  return {
    instance,
    file: p.file,
    ...(typeof c.rateRps === "number" ? { rate_rps: c.rateRps } : {}),
    ...(typeof c.concurrency === "number" ? { concurrency: c.concurrency } : {}),
    ...(c.seed !== undefined ? { seed: c.seed } : {}),
    started_at: r.started_at,
    ...(r.load_started_at ? { load_started_at: r.load_started_at } : {}),
    tool_version: tool.version,
    completed: r.completed,
    ...(r.ended_early ? { ended_early: r.ended_early } : {}),
    requests: s.requests.total,
    ok: s.requests.ok,
    ...(s.derived ? { derived: s.derived } : {}),
    ...(s.slo ? { slo: s.slo } : {}),
  };
}
