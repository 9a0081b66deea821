// The figures of a merge: histograms and counts added up, timelines aligned.
import { decodeFromCompressedBase64 } from "hdr-histogram-js";
import type { ResultDoc, UpstreamCounts } from "../document.ts";
import { newHistogram, statsOf, type Histogram } from "../histogram.ts";
import { METRICS } from "../recorder.ts";
import { successRatio, type RequestsSummary, type Summary } from "../summary.ts";
import type { SecondRow } from "../timeline.ts";
import { MergeError, round, sum, type MergeInput } from "./parts.ts";

type Core = NonNullable<Summary["direct"]>;

/** Adds the histograms of every part, name by name; `keep` picks the names. */
export function addHistograms(parts: MergeInput[], keep: (name: string) => boolean): Record<string, Histogram> {
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
export function addCounts(maps: (Record<string, number> | undefined)[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of maps) for (const [k, n] of Object.entries(m ?? {})) out[k] = (out[k] ?? 0) + n;
  return out;
}

/** The figures one path (the gateway, or direct to the mock) has in every summary, merged. */
export function mergeCore(cores: Core[], hist: Record<string, Histogram>, prefix: string, ids: string[]): Core {
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
export function perInstance<T>(maps: (Record<string, T> | undefined)[], ids: string[]): Record<string, T> {
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
export function addReceived(rs: UpstreamCounts[]): UpstreamCounts {
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

/**
 * The gateways' CPU per request over all instances (their CPU time over all
 * requests), when each instance started its own gateway; a gateway attached
 * with --target may be one process sampled by every instance, so its CPU
 * would count once per instance.
 */
export function cpuPerRequest(docs: ResultDoc[]): number | undefined {
  if (docs.some((d) => d.run.gateway.kind === "external" || d.summary.derived?.gateway_cpu_ms_per_request === undefined)) return undefined;
  const requests = sum(docs, (d) => d.summary.requests.total);
  return requests > 0 ? round(sum(docs, (d) => d.summary.derived!.gateway_cpu_ms_per_request! * d.summary.requests.total) / requests, 3) : undefined;
}
