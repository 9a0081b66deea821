// The metrics a gate can name: each with its quantity, what a run must have
// to measure it, and how to read it from a summary. An unknown name gets
// the closest known one.
import { closest } from "../../closest.ts";
import { ERROR_KIND_NAMES } from "../outcome.ts";
import { OVERHEAD_METRICS, type Summary } from "../summary.ts";
import type { Need, Quantity } from "./expr.ts";

export interface MetricDef {
  quantity: Quantity;
  /** The unit of a plain number, when it has one (MB/min), reported and accepted on the bound. */
  unit?: string;
  needs?: Need[];
  read(s: Summary): number | undefined;
  band?(s: Summary): number | null | undefined;
}

/** A lookup failure: the reason, and which segment of the metric is wrong (or -1 for the whole). */
export class Unknown {
  constructor(
    readonly reason: string,
    readonly segment = -1,
  ) {}
}

const HISTOGRAMS = ["latency", "service_time", "ttfb", "ttft", "itl", "tpot", "schedule_lag", "request_path", "response_path"] as const;
const STATS = ["min", "mean", "p50", "p90", "p95", "p99", "p999", "max", "count"] as const;
/** Other names users write for a statistic (k6, Prometheus): read as gatebench's. */
export const STAT_ALIASES: Record<string, string> = { avg: "avg", average: "avg", med: "p50", median: "p50" };
const STREAM_ONLY = new Set(["ttft", "itl", "tpot"]);
const OVERHEAD_STATS = ["p50", "p90", "p99", "p999"] as const;
const PROCESSES = ["gateway", "mock", "gatebench"] as const;
const PHASES = ["idle", "warmup", "load", "baseline", "drain", "cooldown"] as const;
const RESOURCE_STATS: Record<string, { field: (stat: string) => string; stats: readonly string[]; quantity: Quantity }> = {
  rss: { field: (st) => `rss_mb_${st}`, stats: ["avg", "max", "start", "end"], quantity: "size" },
  cpu: { field: (st) => `cpu_pct_${st}`, stats: ["avg", "p95", "max"], quantity: "percent" },
  fds: { field: () => "fds_max", stats: ["max"], quantity: "count" },
  threads: { field: () => "threads_max", stats: ["max"], quantity: "count" },
};
const REQUEST_FIELDS: Record<string, Quantity> = {
  total: "count",
  ok: "count",
  failed: "count",
  dropped: "count",
  in_flight_peak: "count",
  rate: "rate",
  throughput: "rate",
  success_ratio: "ratio",
};
const UPSTREAM_FIELDS: Record<string, Quantity> = {
  requests: "count",
  per_request_sent: "number",
  per_connection: "number",
  streams_completed: "count",
  streams_abandoned: "count",
  client_gave_up: "count",
};
/** Top-level metric names, for "did you mean". */
const ROOTS = [
  "success",
  "throughput",
  "rate",
  "requests",
  "errors",
  "status",
  ...HISTOGRAMS,
  "overhead",
  "direct",
  "rss",
  "cpu",
  "fds",
  "threads",
  ...PROCESSES,
  "tokens",
  "upstream",
  "cpu_per_request",
  "rss_per_stream",
  "rss_growth",
];

const oneOf = (xs: readonly string[]): string => xs.join(", ");
const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);

/** "X is not a …; one of …", with a guess when one is close. */
function notOne(what: string, word: string, choices: readonly string[], segment: number): Unknown {
  const guess = closest(word, choices);
  return new Unknown(`unknown ${what} "${word}"${guess ? ` (did you mean "${guess}"?)` : ""}; one of: ${oneOf(choices)}`, segment);
}

/** A histogram metric's statistic, from `view` (the summary or its direct part). */
function histogramMetric(segs: string[], at: number, view: (s: Summary) => Partial<Summary> | undefined, needs: Need[]): MetricDef | Unknown {
  const name = segs[at]!;
  const stat = segs[at + 1] === "avg" ? "mean" : segs[at + 1];
  if (stat === undefined)
    return new Unknown(`${segs.slice(0, at + 1).join(".")} needs a statistic, e.g. ${segs.slice(0, at + 1).join(".")}.p99 (one of: ${oneOf(STATS)})`, at);
  if (!(STATS as readonly string[]).includes(stat)) return notOne("statistic", stat, STATS, at + 1);
  if (segs.length > at + 2) return new Unknown(`nothing follows the statistic ${stat}`, at + 2);
  const key = `${name}_ms` as keyof Summary;
  return {
    quantity: stat === "count" ? "count" : "time",
    needs: [...needs, ...(STREAM_ONLY.has(name) ? (["stream"] as Need[]) : [])],
    read: (s) => num((view(s)?.[key] as Record<string, number> | undefined)?.[stat]),
  };
}

/** requests, success, throughput, errors, status: counters of the summary or its direct part. */
function counterMetric(segs: string[], at: number, view: (s: Summary) => Partial<Summary> | undefined, needs: Need[]): MetricDef | Unknown | undefined {
  const [name, field] = [segs[at]!, segs[at + 1]];
  if (!COUNTERS.includes(name)) return undefined;
  if (segs.length > at + 2) return new Unknown(`nothing follows ${segs.slice(0, at + 2).join(".")}`, at + 2);
  const req = (f: string, quantity: Quantity): MetricDef => ({
    quantity,
    needs,
    read: (s) => num((view(s)?.requests as Record<string, number> | undefined)?.[f]),
  });
  switch (name) {
    case "success":
    case "throughput":
    case "rate":
      if (field !== undefined)
        return new Unknown(`${name} has no statistic; write it alone, e.g. ${name === "success" ? "success >= 99.9%" : `${name} >= 45`}`, at + 1);
      return name === "success" ? req("success_ratio", "ratio") : req(name, "rate");
    case "requests":
      if (field === undefined) return req("total", "count");
      if (!(field in REQUEST_FIELDS)) return notOne("requests field", field, Object.keys(REQUEST_FIELDS), at + 1);
      return req(field, REQUEST_FIELDS[field]!);
    case "errors":
      if (field === undefined) return { quantity: "count", needs, read: (s) => sumOf(view(s)?.errors) };
      if (!ERROR_KIND_NAMES.includes(field)) return notOne("error kind", field, ERROR_KIND_NAMES, at + 1);
      return { quantity: "count", needs, read: (s) => (view(s)?.errors ? (view(s)!.errors![field] ?? 0) : undefined) };
    case "status": {
      if (field === undefined || !/^[1-5]([0-9]{2}|xx)$/.test(field))
        return new Unknown(`status needs a code or a class, e.g. status.429 == 0 or status.5xx == 0`, field === undefined ? at : at + 1);
      const match = (code: string): boolean => (field.endsWith("xx") ? code[0] === field[0] : code === field);
      return {
        quantity: "count",
        needs,
        read: (s) => {
          const c = view(s)?.status_codes;
          return c ? sumOf(Object.fromEntries(Object.entries(c).filter(([k]) => match(k)))) : undefined;
        },
      };
    }
  }
  return undefined;
}

const COUNTERS = ["success", "throughput", "rate", "requests", "errors", "status"];
const sumOf = (r: Record<string, number> | undefined): number | undefined => (r ? Object.values(r).reduce((a, b) => a + b, 0) : undefined);

/** [process.](rss|cpu|fds|threads).phase.stat */
function resourceMetric(segs: string[]): MetricDef | Unknown | undefined {
  let at = 0;
  let proc = "gateway";
  if ((PROCESSES as readonly string[]).includes(segs[0]!)) {
    proc = segs[0]!;
    at = 1;
    if (segs[1] === undefined) return new Unknown(`${proc} needs a resource, e.g. ${proc}.rss.load.max (rss, cpu, fds, threads)`, 0);
  }
  const kind = RESOURCE_STATS[segs[at]!];
  if (!kind) return at === 1 ? notOne("resource", segs[at]!, Object.keys(RESOURCE_STATS), at) : undefined;
  const phase = segs[at + 1];
  const stat = segs[at + 2] === "mean" ? "avg" : segs[at + 2];
  const example = `${segs.slice(0, at + 1).join(".")}.load.${kind.stats.at(-1) === "max" ? "max" : kind.stats[0]}`;
  if (phase === undefined)
    return new Unknown(`${segs.slice(0, at + 1).join(".")} needs a phase and a statistic, e.g. ${example} (phases: ${oneOf(PHASES)})`, at);
  if (!(PHASES as readonly string[]).includes(phase)) return notOne("phase", phase, PHASES, at + 1);
  if (stat === undefined) return new Unknown(`${segs.slice(0, at + 2).join(".")} needs a statistic (one of: ${oneOf(kind.stats)})`, at + 1);
  if (!kind.stats.includes(stat)) return notOne("statistic", stat, kind.stats, at + 2);
  if (segs.length > at + 3) return new Unknown(`nothing follows the statistic ${stat}`, at + 3);
  return {
    quantity: kind.quantity,
    needs: proc === "gateway" ? ["gateway-samples"] : proc === "mock" ? ["mock"] : [],
    read: (s) => num((s.resources?.[proc]?.[phase] as unknown as Record<string, number> | undefined)?.[kind.field(stat)]),
  };
}

function overheadMetric(segs: string[]): MetricDef | Unknown {
  const [m, p] = [segs[1], segs[2]];
  if (m === undefined) return new Unknown(`overhead needs a metric and a percentile, e.g. overhead.latency.p99 (metrics: ${oneOf(OVERHEAD_METRICS)})`, 0);
  if (!(OVERHEAD_METRICS as readonly string[]).includes(m)) return notOne("overhead metric", m, OVERHEAD_METRICS, 1);
  if (p === undefined) return new Unknown(`overhead.${m} needs a percentile, e.g. overhead.${m}.p99 (one of: ${oneOf(OVERHEAD_STATS)})`, 1);
  if (!(OVERHEAD_STATS as readonly string[]).includes(p)) return notOne("overhead percentile", p, OVERHEAD_STATS, 2);
  if (segs.length > 3) return new Unknown(`nothing follows the percentile ${p}`, 3);
  const key = m as (typeof OVERHEAD_METRICS)[number];
  const pk = p as (typeof OVERHEAD_STATS)[number];
  return {
    quantity: "time",
    needs: ["baseline", ...(STREAM_ONLY.has(m) ? (["stream"] as Need[]) : [])],
    read: (s) => num(s.overhead_ms?.[key]?.[pk]),
    band: (s) => s.overhead_band_ms?.[key]?.[pk],
  };
}

/** The metric a dotted name stands for. */
export function metricOf(segs: string[]): MetricDef | Unknown {
  const root = segs[0]!;
  const self = (s: Summary): Partial<Summary> => s;
  if (root === "direct") {
    const name = segs[1];
    if (name === undefined) return new Unknown("direct needs a metric of the baseline, e.g. direct.latency.p99", 0);
    const direct = (s: Summary): Partial<Summary> | undefined => s.direct;
    if ((HISTOGRAMS as readonly string[]).includes(name)) return histogramMetric(segs, 1, direct, ["baseline"]);
    const c = counterMetric(segs, 1, direct, ["baseline"]);
    if (c) return c;
    return notOne("baseline metric", name, [...HISTOGRAMS, "success", "throughput", "rate", "requests", "errors", "status"], 1);
  }
  if ((HISTOGRAMS as readonly string[]).includes(root)) return histogramMetric(segs, 0, self, []);
  const counter = counterMetric(segs, 0, self, []);
  if (counter) return counter;
  if (root === "overhead") return overheadMetric(segs);
  const res = resourceMetric(segs);
  if (res) return res;
  const only = (def: MetricDef): MetricDef | Unknown => (segs.length > 1 ? new Unknown(`${root} has no statistic; write it alone`, 1) : def);
  switch (root) {
    case "tokens": {
      const f = segs[1];
      if (f !== "total" && f !== "per_second")
        return f === undefined
          ? new Unknown("tokens needs a field, e.g. tokens.per_second >= 500 (total, per_second)", 0)
          : notOne("tokens field", f, ["total", "per_second"], 1);
      if (segs.length > 2) return new Unknown(`nothing follows tokens.${f}`, 2);
      return { quantity: f === "total" ? "count" : "rate", needs: ["stream"], read: (s) => num(s.output_tokens?.[f]) };
    }
    case "upstream": {
      const f = segs[1];
      if (f === undefined || !(f in UPSTREAM_FIELDS))
        return f === undefined
          ? new Unknown(`upstream needs a field, e.g. upstream.per_request_sent <= 1 (${oneOf(Object.keys(UPSTREAM_FIELDS))})`, 0)
          : notOne("upstream field", f, Object.keys(UPSTREAM_FIELDS), 1);
      if (segs.length > 2) return new Unknown(`nothing follows upstream.${f}`, 2);
      return { quantity: UPSTREAM_FIELDS[f]!, needs: ["mock"], read: (s) => num((s.upstream as unknown as Record<string, number> | undefined)?.[f]) };
    }
    case "cpu_per_request":
      return only({ quantity: "time", needs: ["gateway-samples"], read: (s) => num(s.derived?.gateway_cpu_ms_per_request) });
    case "rss_per_stream":
      return only({ quantity: "size", needs: ["gateway-samples", "stream"], read: (s) => num(s.derived?.gateway_rss_mb_per_stream) });
    case "rss_growth":
      return only({ quantity: "number", unit: "MB/min", needs: ["gateway-samples"], read: (s) => num(s.derived?.gateway_rss_growth_mb_per_min) });
  }
  return notOne("metric", root, ROOTS, 0);
}
