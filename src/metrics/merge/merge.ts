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
import type { ResultDoc } from "../document.ts";
import { encodeHistogram, type Histogram } from "../histogram.ts";
import { overheadSets, upstreamFigures, type Summary } from "../summary.ts";
import { gatesFrom } from "../gates/evaluate.ts";
import type { Slo } from "../gates/expr.ts";
import { judge } from "../targets.ts";
import type { GateResult, TargetPreset } from "../verdicts.ts";
import { addHistograms, cpuPerRequest, mergeCore, mergeTimelines, perInstance } from "./figures.ts";
import { allSame, checkParts, round, type MergeInput } from "./parts.ts";
import { mergedConfig, mergedRun, type MergedDoc } from "./run.ts";

export { MergeError, type MergeInput } from "./parts.ts";
export { mergeTimelines } from "./figures.ts";
export type { MergedDoc, PartInfo } from "./run.ts";

/** Parts that started further apart than this get a warning: the total rate held only while all were sending. */
const START_SPREAD_WARN_MS = 1000;

/** The merged summary's figures: both paths from the added histograms, resources per instance, the overhead. */
function mergedSummary(docs: ResultDoc[], ids: string[], hist: Record<string, Histogram>, withBaseline: boolean): Summary {
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
    // closed loops: every instance's connections, counted as one (overheadOf)
    const together = docs.reduce((c, d) => c + (typeof d.config.concurrency === "number" ? d.config.concurrency : 0), 0) || 1;
    const { value, band } = overheadSets((m) => (hist[m] && hist[`direct.${m}`] ? [hist[m], hist[`direct.${m}`]!] : undefined), together);
    summary.overhead_ms = value;
    summary.overhead_band_ms = band;
  }
  const cpu = cpuPerRequest(docs);
  if (cpu !== undefined) summary.derived = { gateway_cpu_ms_per_request: cpu };
  return summary;
}

/** What the reader of a merged result should know: parts that did not finish or began apart, versions that differ, the parts' own warnings. */
function mergeWarnings(docs: ResultDoc[], ids: string[], run: MergedDoc["run"], startsMs: number[], byLoad: boolean): string[] {
  const warnings: string[] = [];
  if (!docs.every((d) => d.summary.direct !== undefined) && docs.some((d) => d.summary.direct !== undefined)) {
    warnings.push(
      `only some instances have a baseline (${ids.filter((_, i) => docs[i]!.summary.direct).join(", ")}): the direct figures and the overhead are left out`,
    );
  }
  const spreadMs = Math.max(...startsMs) - Math.min(...startsMs);
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
  return warnings;
}

/** Merges the results of instances that shared one load; throws MergeError for parts that cannot be merged. */
export function mergeResults(parts: MergeInput[]): MergedDoc {
  const ids = checkParts(parts);
  const docs = parts.map((p) => p.doc);
  const withBaseline = docs.every((d) => d.summary.direct !== undefined);
  const hist = addHistograms(parts, (name) => withBaseline || !name.startsWith("direct."));
  const summary = mergedSummary(docs, ids, hist, withBaseline);
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
  const warnings = mergeWarnings(docs, ids, run, startsMs, byLoad);
  if (warnings.length > 0) summary.warnings = warnings;

  const t0 = Math.min(...startsMs);
  const offsets = startsMs.map((ms) => Math.round((ms - t0) / 1000));
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
  const eachInstance = (g: Slo, v: GateResult): GateResult => {
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
  return judge(gatesFrom(c), doc.summary, { preset: c.targets ?? "none", strict: c.strict ?? false, stream: c.stream ?? false }, eachInstance);
}
