// Merging the results of several gatebench instances that shared one load
// (gatebench run --instance pod-0 …, each sending its part of the rate) into
// one result document. Pure: parsed documents in, a document out.
//
// Exact: histograms add bucket by bucket, so every figure of the merged
// summary is recomputed from them (a percentile of all requests, never an
// average of the parts' percentiles); counts, rates and throughputs add up.
// Kept per instance: resources and their series ("gateway@pod-0", …), the
// figures derived from one gateway's samples (in run.parts), and gate verdicts.
// Approximate: the timeline, aligned by when each part's load began
// (run.load_started_at, else run.started_at) to the nearest second; its
// per-second p50/p99 cannot be merged from the rows and are null.
import { decodeFromCompressedBase64 } from "hdr-histogram-js";
import type { ResultDoc, RunInfo, UpstreamCounts } from "./document.ts";
import { encodeHistogram, newHistogram, statsOf, type Histogram } from "./histogram.ts";
import { METRICS } from "./recorder.ts";
import { overheadSets, successRatio, upstreamFigures, type RequestsSummary, type Summary } from "./summary.ts";
import type { SecondRow } from "./timeline.ts";
import { gatesFrom } from "./gates/evaluate.ts";
import type { Slo } from "./gates/expr.ts";
import { judge } from "./targets.ts";
import type { GateResult, TargetPreset } from "./verdicts.ts";

/** A part that cannot be merged with the others; the CLI makes it exit 2. */
export class MergeError extends Error {
  override name = "MergeError";
}

export interface MergeInput {
  /** Where the part came from (named in errors and in run.parts). */
  file: string;
  doc: ResultDoc;
}

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

/** Config keys the parts may differ in: each one's share of the load (added up; a closed loop's connections and requests too)… */
const RATE_KEYS = ["rateRps", "rateToRps", "steps", "concurrency", "requests"] as const;
/** …who they are, and what is local to each one's machine: its seed, ports, the gateway's pid (--pid, --pid-of-port) and its output files. */
const OWN_KEYS = new Set(["instance", "seed", "mock.seed", "port", "mockPort", "attachPid", "attachPort", "jsonPath", "htmlPath", "outDir"]);
/** The metrics whose overhead is reported (as summary.withBaseline does). */
/** Parts that started further apart than this get a warning: the total rate held only while all were sending. */
const START_SPREAD_WARN_MS = 1000;

type Core = NonNullable<Summary["direct"]>;
type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);
const round = (x: number, digits: number): number => Math.round(x * 10 ** digits) / 10 ** digits;
const sum = <T>(xs: T[], f: (x: T) => number | undefined): number => xs.reduce((a, x) => a + (f(x) ?? 0), 0);
const show = (v: unknown): string => (v === undefined ? "not set" : JSON.stringify(v));
const allSame = (xs: unknown[]): boolean => xs.every((x) => JSON.stringify(x) === JSON.stringify(xs[0]));

/** The config keys (dotted paths) whose values differ, outside the keys parts may differ in, in the config's order. */
function differences(a: unknown, b: unknown, path = "", out: { key: string; a: unknown; b: unknown }[] = []): { key: string; a: unknown; b: unknown }[] {
  if (isObj(a) && isObj(b)) {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const key = path ? `${path}.${k}` : k;
      if (!OWN_KEYS.has(key) && !(RATE_KEYS as readonly string[]).includes(key)) differences(a[k], b[k], key, out);
    }
  } else if (JSON.stringify(a) !== JSON.stringify(b)) out.push({ key: path, a, b });
  return out;
}

/** Refuses parts that are not instances of one load; returns each part's instance id. */
function checkParts(parts: MergeInput[]): string[] {
  if (parts.length < 2) throw new MergeError(`cannot merge ${parts.length} result${parts.length === 1 ? "" : "s"}: give at least 2 (one per instance)`);
  const [p0] = parts as [MergeInput];
  const name = (p: MergeInput, i: number): string => `"${p.file}" (instance ${ids[i]})`;
  const ids = parts.map((p, i) => (typeof p.doc.config?.instance === "string" ? p.doc.config.instance : `#${i + 1}`));
  parts.forEach((p, i) => {
    if (!isObj(p.doc.config) || !isObj(p.doc.summary?.requests))
      throw new MergeError(`cannot merge: "${p.file}" has no config or no summary.requests: not a complete result`);
    if (p.doc.schema !== p0.doc.schema)
      throw new MergeError(`cannot merge: "${p.file}" has schema ${show(p.doc.schema)}, "${p0.file}" has ${show(p0.doc.schema)}`);
    const j = ids.indexOf(ids[i]!);
    if (j < i)
      throw new MergeError(`cannot merge: "${parts[j]!.file}" and "${p.file}" are both instance "${ids[i]}"; give each gatebench run its own --instance`);
    // every key that differs: one given flag can change others (--stream sets the baseline slice)
    const diff = differences(p0.doc.config, p.doc.config);
    if (diff.length > 0) {
      const keys = diff.map((d) => `${d.key} (${show(d.a)} vs ${show(d.b)})`);
      throw new MergeError(
        `cannot merge ${name(p0, 0)} and ${name(p, i)}: their configs differ in ${keys.join(", ")}; instances of one load may differ only in the rate, --instance, the seed, the ports and the output files`,
      );
    }
    // the rate may differ, its shape may not: a ramp adds up only with ramps, steps with as many steps
    for (const k of RATE_KEYS) {
      const a = p0.doc.config[k];
      const b = p.doc.config[k];
      const shapeDiffers = (a === undefined) !== (b === undefined) || (Array.isArray(a) && Array.isArray(b) && a.length !== b.length);
      if (shapeDiffers)
        throw new MergeError(
          `cannot merge ${name(p0, 0)} and ${name(p, i)}: their configs differ in ${k} (${show(a)} vs ${show(b)}); rates add up only for loads of one shape`,
        );
    }
    for (const key of ["started_at", "load_started_at"] as const) {
      const v = p.doc.run[key];
      if ((key === "started_at" || v !== undefined) && Number.isNaN(Date.parse(v!)))
        throw new MergeError(`cannot merge: "${p.file}" has run.${key} ${show(v)}, not a time`);
    }
  });
  return ids;
}

/** Adds the histograms of every part, name by name; `keep` picks the names. */
function addHistograms(parts: MergeInput[], keep: (name: string) => boolean): Record<string, Histogram> {
  const out: Record<string, Histogram> = {};
  for (const p of parts) {
    for (const [name, encoded] of Object.entries(p.doc.histograms ?? {})) {
      if (!keep(name)) continue;
      let h: Histogram;
      try {
        h = decodeFromCompressedBase64(encoded);
      } catch (err) {
        throw new MergeError(`cannot merge: histogram "${name}" in "${p.file}" is not readable (${(err as Error).message})`);
      }
      (out[name] ??= newHistogram()).add(h);
    }
  }
  return out;
}

/** Count maps added key by key ({ "200": 3 } + { "200": 2, "502": 1 }). */
function addCounts(maps: (Record<string, number> | undefined)[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of maps) for (const [k, n] of Object.entries(m ?? {})) out[k] = (out[k] ?? 0) + n;
  return out;
}

/** The figures one path (the gateway, or direct to the mock) has in every summary, merged. */
function mergeCore(cores: Core[], hist: Record<string, Histogram>, prefix: string, ids: string[]): Core {
  const q = cores.map((c) => c.requests);
  const total = sum(q, (r) => r.total);
  const ok = sum(q, (r) => r.ok);
  const dropped = sum(q, (r) => r.dropped);
  const requests: RequestsSummary = {
    total,
    ok,
    failed: sum(q, (r) => r.failed),
    dropped,
    // each instance's own rate (and throughput) over its own window: they ran at once, so they add up
    rate: round(
      sum(q, (r) => r.rate),
      3,
    ),
    throughput: round(
      sum(q, (r) => r.throughput),
      3,
    ),
    success_ratio: successRatio(ok, total, dropped),
    // the peaks need not have come at the same moment: an upper bound
    ...(q.some((r) => r.in_flight_peak !== undefined) ? { in_flight_peak: sum(q, (r) => r.in_flight_peak) } : {}),
  };
  const core: Core = { requests, status_codes: addCounts(cores.map((c) => c.status_codes)), errors: addCounts(cores.map((c) => c.errors)) };
  for (const m of METRICS) {
    const h = hist[`${prefix}${m}`];
    const stats = h && statsOf(h);
    if (stats) core[`${m}_ms`] = stats;
  }
  const samples: Record<string, string> = {};
  cores.forEach((c, i) => {
    for (const [kind, msg] of Object.entries(c.error_samples ?? {})) samples[kind] ??= `${ids[i]}: ${msg}`;
  });
  if (Object.keys(samples).length > 0) core.error_samples = samples;
  const tokens = cores.filter((c) => c.output_tokens);
  if (tokens.length > 0)
    core.output_tokens = {
      total: sum(tokens, (c) => c.output_tokens?.total),
      per_second: round(
        sum(tokens, (c) => c.output_tokens?.per_second),
        1,
      ),
    };
  return core;
}

/** Each part's entries under "<name>@<instance>", grouped by name (gateway@a, gateway@b, mock@a, …). */
function perInstance<T>(maps: (Record<string, T> | undefined)[], ids: string[]): Record<string, T> {
  const out: Record<string, T> = {};
  const names = [...new Set(maps.flatMap((m) => Object.keys(m ?? {})))];
  for (const name of names) maps.forEach((m, i) => m?.[name] !== undefined && (out[`${name}@${ids[i]}`] = m[name]!));
  return out;
}

/**
 * Per-second rows added up, each part shifted by its start (whole seconds)
 * after the earliest. p50/p99 are null: percentiles of a second cannot be
 * had from the parts' percentiles. A second is the warm-up's when every
 * part's row in it is.
 */
export function mergeTimelines(parts: { rows: SecondRow[]; offsetS: number }[]): SecondRow[] {
  const out: SecondRow[] = [];
  const warmOnly: boolean[] = [];
  for (const { rows, offsetS } of parts) {
    for (const r of rows) {
      const t = r.t + offsetS;
      for (let s = out.length; s <= t; s++)
        out.push({ t: s, phase: "load", sent: 0, completed: 0, errors: 0, dropped: 0, in_flight: 0, p50_ms: null, p99_ms: null });
      const o = out[t]!;
      o.sent += r.sent;
      o.completed += r.completed;
      o.errors += r.errors;
      o.dropped += r.dropped;
      o.in_flight += r.in_flight;
      warmOnly[t] = (warmOnly[t] ?? true) && r.phase === "warmup";
    }
  }
  for (const o of out) if (warmOnly[o.t]) o.phase = "warmup";
  return out;
}

/** What the parts' mocks received, added up (counts only; their lateness percentiles are left out). */
function addReceived(rs: UpstreamCounts[]): UpstreamCounts {
  const byPath: Record<string, Record<string, number>> = {};
  for (const path of new Set(rs.flatMap((r) => Object.keys(r.by_path ?? {})))) byPath[path] = addCounts(rs.map((r) => r.by_path?.[path]));
  const n = (k: string) => sum(rs, (r) => (typeof r[k] === "number" ? (r[k] as number) : 0));
  return {
    requests: n("requests"),
    by_path: byPath,
    connections: n("connections"),
    streams_started: n("streams_started"),
    streams_completed: n("streams_completed"),
    streams_aborted: n("streams_aborted"),
    in_flight_peak: n("in_flight_peak"),
    faults: addCounts(rs.map((r) => r.faults as Record<string, number> | undefined)),
    bytes_in: n("bytes_in"),
    bytes_out: n("bytes_out"),
  };
}

/** One value when all parts agree, else each part's, labelled ("a: x, b: y"). */
const common = (xs: string[], ids: string[]): string => (allSame(xs) ? xs[0]! : xs.map((x, i) => `${ids[i]}: ${x}`).join(", "));

/** The parts' config with the rate (or connections, or requests) added up and what belongs to one instance taken out. */
function mergedConfig(cfgs: Obj[], ids: string[]): Obj {
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

function mergedRun(parts: MergeInput[], ids: string[], cfg: Obj, startsMs: number[]): MergedDoc["run"] {
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

/**
 * The gateways' CPU per request over all instances (their CPU time over all
 * requests), when each instance started its own gateway; a gateway attached
 * with --target may be one process sampled by every instance, so its CPU
 * would count once per instance.
 */
function cpuPerRequest(docs: ResultDoc[]): number | undefined {
  if (docs.some((d) => d.run.gateway.kind === "external" || d.summary.derived?.gateway_cpu_ms_per_request === undefined)) return undefined;
  const requests = sum(docs, (d) => d.summary.requests.total);
  return requests > 0 ? round(sum(docs, (d) => d.summary.derived!.gateway_cpu_ms_per_request! * d.summary.requests.total) / requests, 3) : undefined;
}

/** Merges the results of instances that shared one load; throws MergeError for parts that cannot be merged. */
export function mergeResults(parts: MergeInput[]): MergedDoc {
  const ids = checkParts(parts);
  const docs = parts.map((p) => p.doc);
  const warnings: string[] = [];
  const withBaseline = docs.every((d) => d.summary.direct !== undefined);
  if (!withBaseline && docs.some((d) => d.summary.direct !== undefined)) {
    warnings.push(
      `only some instances have a baseline (${ids.filter((_, i) => docs[i]!.summary.direct).join(", ")}): the direct figures and the overhead are left out`,
    );
  }
  const hist = addHistograms(parts, (name) => withBaseline || !name.startsWith("direct."));
  const summary: Summary = {
    ...mergeCore(
      docs.map((d) => d.summary),
      hist,
      "",
      ids,
    ),
    resources: perInstance(
      docs.map((d) => d.summary.resources),
      ids,
    ),
  };
  if (withBaseline) {
    summary.direct = mergeCore(
      docs.map((d) => d.summary.direct!),
      hist,
      "direct.",
      ids,
    );
    const { value, band } = overheadSets((m) => (hist[m] && hist[`direct.${m}`] ? [hist[m], hist[`direct.${m}`]!] : undefined));
    summary.overhead_ms = value;
    summary.overhead_band_ms = band;
  }
  const cfg = mergedConfig(
    docs.map((d) => d.config),
    ids,
  );
  // when each part's load began (processes started apart may begin together, --start-at);
  // when a part does not say (an older gatebench), every part by when it started, on one clock
  const byLoad = docs.every((d) => d.run.load_started_at !== undefined);
  const startsMs = docs.map((d) => Date.parse(byLoad ? d.run.load_started_at! : d.run.started_at));
  const run = mergedRun(parts, ids, cfg, startsMs);
  if (run.mock?.received && docs.every((d) => d.summary.upstream)) {
    summary.upstream = upstreamFigures(run.mock.received, summary.requests.total + (run.warmup?.requests ?? 0), summary.errors);
  }
  const cpu = cpuPerRequest(docs);
  if (cpu !== undefined) summary.derived = { gateway_cpu_ms_per_request: cpu };

  const t0 = Math.min(...startsMs);
  const spreadMs = Math.max(...startsMs) - t0;
  const offsets = startsMs.map((ms) => Math.round((ms - t0) / 1000));
  if (!run.completed) warnings.push(`not every instance completed its schedule (${run.ended_early}): the merged figures cover less than the planned load`);
  if (spreadMs > START_SPREAD_WARN_MS)
    warnings.push(
      `the instances' loads began up to ${round(spreadMs / 1000, 1)} s apart (${byLoad ? "run.load_started_at; --start-at makes them begin together" : "run.started_at"}): the total rate held only while all of them were sending`,
    );
  if (!allSame(docs.map((d) => d.tool.version)))
    warnings.push(`the instances ran different gatebench versions (${ids.map((id, i) => `${id}: ${docs[i]!.tool.version}`).join(", ")})`);
  docs.forEach((d, i) => {
    for (const w of d.summary.warnings ?? []) warnings.push(`${ids[i]}: ${w}`);
  });
  if (warnings.length > 0) summary.warnings = warnings;

  const timelineDirect = docs.every((d) => d.timeline_direct)
    ? mergeTimelines(docs.map((d, i) => ({ rows: d.timeline_direct!, offsetS: offsets[i]! })))
    : undefined;
  const encoded: Record<string, string> = {};
  for (const [name, h] of Object.entries(hist)) if (h.totalCount > 0) encoded[name] = encodeHistogram(h);
  return {
    schema: docs[0]!.schema,
    tool: docs[0]!.tool,
    config: cfg,
    run,
    summary,
    histograms: encoded,
    timeline: mergeTimelines(docs.map((d, i) => ({ rows: d.timeline ?? [], offsetS: offsets[i]! }))),
    ...(timelineDirect ? { timeline_direct: timelineDirect } : {}),
    resources_series: perInstance(
      docs.map((d) => d.resources_series),
      ids,
    ),
  };
}

/**
 * The verdicts of the gates and targets the parts had in common (their
 * config), on the merged summary. A figure kept per instance (a gateway's
 * memory and CPU, its growth) is judged on each instance: it passes when
 * every one passed.
 */
export function judgeMerged(doc: MergedDoc): GateResult[] {
  const c = doc.config as { slo?: string[]; minSuccess?: number; targets?: TargetPreset; strict?: boolean; stream?: boolean };

  // a figure kept per instance (a gateway's memory and CPU, its growth) is judged on each instance: pass when every one passed
  const perInstance = (g: Slo, v: GateResult): GateResult => {
    if (v.value !== null) return v;
    const own = doc.run.parts.map((p) => p.slo?.find((x) => x.expr === g.expr));
    if (own.some((x) => x === undefined || x.value === null)) return v;
    const worst = own.find((x) => !x!.pass) ?? own[0]!;
    return {
      ...v,
      value: worst!.value,
      pass: own.every((x) => x!.pass),
      note: `per instance (${doc.run.parts.map((p, i) => `${p.instance} ${own[i]!.pass ? "pass" : "FAIL"}`).join(", ")}); the value shown is ${own.every((x) => x!.pass) ? "the first instance's" : "a failing instance's"}`,
    };
  };
  return judge(gatesFrom(c), doc.summary, { preset: c.targets ?? "none", strict: c.strict ?? false, stream: c.stream ?? false }, perInstance);
}
