// SLO gates (k6-style thresholds) checked against a run's summary.
//
// An expression is `metric[.stat] op value[unit]`: `latency.p99 < 250ms`,
// `success >= 99.9%`, `rss.load.max < 100MB`, `errors.timeout == 0`. Each
// metric has a quantity (a time, a size, a percentage…); the bound's unit
// must be one of that quantity's, and is converted to the unit the summary
// holds it in (ms, MB, %, a ratio, per second, a count). A malformed
// expression throws SloError, which says where in the text it went wrong.
import { closest } from "../closest.ts";
import { ERROR_KIND_NAMES } from "./outcome.ts";
import type { Summary } from "./summary.ts";

/** What a metric measures, which decides the units its bound may take. */
export type Quantity = "time" | "size" | "percent" | "ratio" | "rate" | "count" | "number";

/** What a run must have for a metric to be measured. */
export type Need = "stream" | "baseline" | "mock" | "gateway-samples";

export const OPS = ["<=", ">=", "==", "!=", "<", ">"] as const;
export type Op = (typeof OPS)[number];

export interface Slo {
  /** The expression as written (trimmed). */
  expr: string;
  /** The metric part, e.g. "latency.p99". */
  metric: string;
  op: Op;
  /** The bound in the metric's own unit (ms, MB, %, ratio, per second, count). */
  bound: number;
  quantity: Quantity;
  /** The unit values are reported in: ms, MB, %, ratio, /s, MB/min, or "" for counts and plain numbers. */
  unit: string;
  needs: Need[];
  /** The metric's value in a summary; undefined when the run did not measure it. */
  read(s: Summary): number | undefined;
  /** For overhead metrics: the half-width of the value's 95 % band. */
  band?(s: Summary): number | null | undefined;
}

/** A gate's verdict, as summary.slo holds it. */
export interface GateResult {
  expr: string;
  /** The measured value in `unit`; null when the run did not measure it. */
  value: number | null;
  pass: boolean;
  /** ms, MB, %, ratio, /s, MB/min, or "" for counts and plain numbers. */
  unit: string;
  /** Why there is no value, or what makes the verdict uncertain. */
  note?: string;
}

/** An expression that cannot be read: `at` and `length` mark the offending part of `expr`. */
export class SloError extends Error {
  constructor(
    readonly expr: string,
    readonly at: number,
    readonly length: number,
    readonly reason: string,
  ) {
    super(reason);
  }

  /** The reason, then the expression with the bad part underlined. */
  explain(prefix = ""): string {
    const pad = " ".repeat(prefix.length);
    return `${prefix}"${this.expr}": ${this.reason}\n${pad}  ${this.expr}\n${pad}  ${" ".repeat(this.at)}${"^".repeat(Math.max(1, this.length))}`;
  }
}

// ---- units ---------------------------------------------------------------

/** Unit → factor to the quantity's base unit (ms, MB as the report counts it: 2^20 bytes, %, /s). */
const UNITS: Record<string, { quantity: Quantity; factor: number }> = {
  us: { quantity: "time", factor: 0.001 },
  µs: { quantity: "time", factor: 0.001 },
  μs: { quantity: "time", factor: 0.001 },
  ms: { quantity: "time", factor: 1 },
  s: { quantity: "time", factor: 1000 },
  m: { quantity: "time", factor: 60_000 },
  min: { quantity: "time", factor: 60_000 },
  b: { quantity: "size", factor: 1 / 2 ** 20 },
  kb: { quantity: "size", factor: 1 / 1024 },
  kib: { quantity: "size", factor: 1 / 1024 },
  mb: { quantity: "size", factor: 1 },
  mib: { quantity: "size", factor: 1 },
  gb: { quantity: "size", factor: 1024 },
  gib: { quantity: "size", factor: 1024 },
  "%": { quantity: "percent", factor: 1 },
  "/s": { quantity: "rate", factor: 1 },
  rps: { quantity: "rate", factor: 1 },
  "req/s": { quantity: "rate", factor: 1 },
};

const UNIT_NAMES: Record<Quantity, string> = {
  time: "a time (us, ms, s, m)",
  size: "a size (B, KB, MB, GB)",
  percent: "a percentage (%)",
  ratio: "a ratio (99.9% or 0.999)",
  rate: "a rate (a number, or /s)",
  count: "a count (a whole number, no unit)",
  number: "a number",
};

/** The unit summary.slo reports each quantity's values in. */
export const QUANTITY_UNIT: Record<Quantity, string> = { time: "ms", size: "MB", percent: "%", ratio: "ratio", rate: "/s", count: "", number: "" };

// ---- metrics -------------------------------------------------------------

interface MetricDef {
  quantity: Quantity;
  /** The unit of a plain number, when it has one (MB/min), reported and accepted on the bound. */
  unit?: string;
  needs?: Need[];
  read(s: Summary): number | undefined;
  band?(s: Summary): number | null | undefined;
}

/** A lookup failure: the reason, and which segment of the metric is wrong (or -1 for the whole). */
class Unknown {
  constructor(
    readonly reason: string,
    readonly segment = -1,
  ) {}
}

const HISTOGRAMS = ["latency", "service_time", "ttfb", "ttft", "itl", "tpot", "schedule_lag", "request_path", "response_path"] as const;
const STATS = ["min", "mean", "p50", "p90", "p95", "p99", "p999", "max", "count"] as const;
/** Other names users write for a statistic (k6, Prometheus): read as gatebench's. */
const STAT_ALIASES: Record<string, string> = { avg: "avg", average: "avg", med: "p50", median: "p50" };
const STREAM_ONLY = new Set(["ttft", "itl", "tpot"]);
const OVERHEAD_METRICS = ["latency", "ttfb", "ttft", "itl", "request_path", "response_path"] as const;
const OVERHEAD_STATS = ["p50", "p90", "p99", "p999"] as const;
const PROCESSES = ["gateway", "mock", "gatebench"] as const;
const PHASES = ["idle", "warmup", "load", "baseline", "drain", "cooldown"] as const;
const RESOURCE_STATS: Record<string, { field: (stat: string) => string; stats: readonly string[]; quantity: Quantity }> = {
  rss: { field: (st) => `rss_mb_${st}`, stats: ["avg", "max", "start", "end"], quantity: "size" },
  cpu: { field: (st) => `cpu_pct_${st}`, stats: ["avg", "p95", "max"], quantity: "percent" },
  fds: { field: () => "fds_max", stats: ["max"], quantity: "count" },
  threads: { field: () => "threads_max", stats: ["max"], quantity: "count" },
};
const REQUEST_FIELDS: Record<string, Quantity> = { total: "count", ok: "count", failed: "count", dropped: "count", in_flight_peak: "count", rate: "rate", throughput: "rate", success_ratio: "ratio" };
const UPSTREAM_FIELDS: Record<string, Quantity> = { requests: "count", per_request_sent: "number", per_connection: "number", streams_completed: "count", streams_abandoned: "count", client_gave_up: "count" };
/** Top-level metric names, for "did you mean". */
const ROOTS = ["success", "throughput", "rate", "requests", "errors", "status", ...HISTOGRAMS, "overhead", "direct", "rss", "cpu", "fds", "threads", ...PROCESSES, "tokens", "upstream", "cpu_per_request", "rss_per_stream", "rss_growth"];

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
  if (stat === undefined) return new Unknown(`${segs.slice(0, at + 1).join(".")} needs a statistic, e.g. ${segs.slice(0, at + 1).join(".")}.p99 (one of: ${oneOf(STATS)})`, at);
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
  const req = (f: string, quantity: Quantity): MetricDef => ({ quantity, needs, read: (s) => num((view(s)?.requests as Record<string, number> | undefined)?.[f]) });
  switch (name) {
    case "success":
    case "throughput":
    case "rate":
      if (field !== undefined) return new Unknown(`${name} has no statistic; write it alone, e.g. ${name === "success" ? "success >= 99.9%" : `${name} >= 45`}`, at + 1);
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
      if (field === undefined || !/^[1-5]([0-9]{2}|xx)$/.test(field)) return new Unknown(`status needs a code or a class, e.g. status.429 == 0 or status.5xx == 0`, field === undefined ? at : at + 1);
      const match = (code: string): boolean => (field.endsWith("xx") ? code[0] === field[0] : code === field);
      return { quantity: "count", needs, read: (s) => { const c = view(s)?.status_codes; return c ? sumOf(Object.fromEntries(Object.entries(c).filter(([k]) => match(k)))) : undefined; } };
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
  if (phase === undefined) return new Unknown(`${segs.slice(0, at + 1).join(".")} needs a phase and a statistic, e.g. ${example} (phases: ${oneOf(PHASES)})`, at);
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
function metricOf(segs: string[]): MetricDef | Unknown {
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
      if (f !== "total" && f !== "per_second") return f === undefined ? new Unknown("tokens needs a field, e.g. tokens.per_second >= 500 (total, per_second)", 0) : notOne("tokens field", f, ["total", "per_second"], 1);
      if (segs.length > 2) return new Unknown(`nothing follows tokens.${f}`, 2);
      return { quantity: f === "total" ? "count" : "rate", needs: ["stream"], read: (s) => num(s.output_tokens?.[f]) };
    }
    case "upstream": {
      const f = segs[1];
      if (f === undefined || !(f in UPSTREAM_FIELDS)) return f === undefined ? new Unknown(`upstream needs a field, e.g. upstream.per_request_sent <= 1 (${oneOf(Object.keys(UPSTREAM_FIELDS))})`, 0) : notOne("upstream field", f, Object.keys(UPSTREAM_FIELDS), 1);
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

// ---- parsing -------------------------------------------------------------

const METRIC_RE = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*/;
const NUMBER_RE = /^[+-]?(\d+(\.\d*)?|\.\d+)/;

/** Reads one expression; throws SloError pointing at the part that is wrong. */
export function parseSlo(text: string): Slo {
  // tabs and newlines (a YAML block in CI) read as spaces
  const expr = text.replace(/\s+/g, " ").trim();
  const fail = (at: number, length: number, reason: string): never => {
    throw new SloError(expr, at, length, reason);
  };
  if (expr === "") fail(0, 1, 'empty expression; write metric[.stat] op value[unit], e.g. "latency.p99 < 250ms"');
  let i = 0;
  const skip = (): void => {
    while (expr[i] === " " || expr[i] === "\t") i++;
  };
  // metric
  const m = METRIC_RE.exec(expr);
  if (!m) fail(0, expr.match(/^\S+/)![0].length, 'expected a metric name first, e.g. "latency.p99 < 250ms" or "success >= 100%"');
  const metric = m![0];
  if (/\.p99\.9$/.test(metric) || expr.slice(metric.length).startsWith("(")) {
    const at = metric.search(/\.p99\.9$/) >= 0 ? metric.search(/\.p99\.9$/) + 1 : metric.lastIndexOf(".") + 1;
    fail(at, metric.length - at + (expr.slice(metric.length).match(/^\([^)]*\)/)?.[0].length ?? 0), "percentiles are written p50, p90, p95, p99, p999 (the 99.9th), e.g. latency.p999 < 1s");
  }
  const segs = metric.toLowerCase().split(".").map((x) => STAT_ALIASES[x] ?? x);
  const def = metricOf(segs);
  if (def instanceof Unknown) {
    if (def.segment < 0 || def.segment >= segs.length) fail(0, metric.length, def.reason);
    const start = segs.slice(0, def.segment).reduce((a, s) => a + s.length + 1, 0);
    fail(start, segs[def.segment]!.length, def.reason);
  }
  const d = def as MetricDef;
  i = metric.length;
  skip();
  // operator
  const opAt = i;
  const op = OPS.find((o) => expr.startsWith(o, i));
  if (!op) {
    const found = expr.slice(i).match(/^\S+/)?.[0] ?? "";
    if (found.startsWith("=")) fail(opAt, 1, `"=" is not a comparison; use == (or <, <=, >, >=, !=)`);
    fail(opAt, Math.max(1, found.length), found === "" ? `expected a comparison after ${metric}: <, <=, >, >=, == or !=` : `expected a comparison (<, <=, >, >=, == or !=), found "${found}"`);
  }
  i += op!.length;
  skip();
  // value
  const valueAt = i;
  const n = NUMBER_RE.exec(expr.slice(i));
  if (!n) fail(valueAt, Math.max(1, expr.slice(i).match(/^\S+/)?.[0].length ?? 1), expr.slice(i) === "" ? `expected a value after ${op}, e.g. ${metric} ${op} ${example(d.quantity)}` : `expected a number, e.g. ${metric} ${op} ${example(d.quantity)}`);
  const value = Number(n![0]);
  i += n![0].length;
  skip();
  const unitAt = i;
  const unit = expr.slice(i).match(/^[A-Za-zµμ%/]+/)?.[0] ?? "";
  i += unit.length;
  skip();
  if (i < expr.length) fail(i, expr.length - i, `unexpected "${expr.slice(i)}" after the value`);
  const bound = boundOf(d.quantity, value, unit, metric, op!, (reason) => fail(valueAt, unitAt + unit.length - valueAt, reason), d.unit);
  return { expr, metric: segs.join("."), op: op!, bound, quantity: d.quantity, unit: d.unit ?? QUANTITY_UNIT[d.quantity], needs: d.needs ?? [], read: d.read, band: d.band };
}

function example(q: Quantity): string {
  return { time: "250ms", size: "100MB", percent: "80%", ratio: "99.9%", rate: "45", count: "0", number: "1" }[q];
}

/** The bound in the metric's unit; `fail` with a reason when the unit does not fit the quantity. */
function boundOf(q: Quantity, value: number, unit: string, metric: string, op: Op, fail: (reason: string) => never, defUnit?: string): number {
  if (value < 0 && !metric.startsWith("overhead.")) fail(`${metric} is never negative: give a bound of 0 or more`);
  if (q === "number" && defUnit !== undefined && unit.toLowerCase() === defUnit.toLowerCase()) return value;
  if (unit === "M") fail(`"M" could be MB or minutes: write ${q === "size" ? "MB" : q === "time" ? "m or min" : "MB (megabytes) or m (minutes)"}`);
  if (/^[KMG]b$/.test(unit)) fail(`"${unit}" reads as megabits; sizes are in bytes: write ${unit.toUpperCase()}`);
  const given = unit === "" ? undefined : UNITS[unit.toLowerCase()];
  if (unit !== "" && !given) fail(`unknown unit "${unit}"; ${metric} is ${UNIT_NAMES[q]}, e.g. ${metric} ${op} ${example(q)}`);
  const mismatch = (): never => fail(`${metric} is ${UNIT_NAMES[q].replace(/ \(.*\)$/, "")}, and ${value}${unit} is ${given ? UNIT_NAMES[given.quantity].replace(/ \(.*\)$/, "") : "a bare number"}; write it as ${UNIT_NAMES[q]}, e.g. ${metric} ${op} ${example(q)}`);
  switch (q) {
    case "time":
    case "size":
      if (!given) fail(`${metric} is ${UNIT_NAMES[q]}: give the bound a unit, e.g. ${metric} ${op} ${example(q)}`);
      if (given!.quantity !== q) mismatch();
      return value * given!.factor;
    case "percent":
      if (!given) fail(`${metric} is a percentage (of one core for CPU): write the bound with %, e.g. ${metric} ${op} ${example(q)}`);
      if (given!.quantity !== "percent") mismatch();
      return value;
    case "ratio": {
      if (given && given.quantity !== "percent") mismatch();
      const ratio = given ? value / 100 : value;
      if (ratio > 1 || ratio < 0) fail(`${metric} is a ratio from 0 to 100 %: write a percentage or a fraction, e.g. ${metric} ${op} 99.9% or ${metric} ${op} 0.999`);
      return ratio;
    }
    case "rate":
      if (given && given.quantity !== "rate") mismatch();
      return value;
    case "count":
      if (given) mismatch();
      if (!Number.isInteger(value)) fail(`${metric} is a count: give a whole number, e.g. ${metric} ${op} 0`);
      return value;
    case "number":
      if (given || unit !== "") fail(`${metric} is a plain number${defUnit ? ` (${defUnit})` : ""}: drop the unit, e.g. ${metric} ${op} ${value}`);
      return value;
  }
}

// ---- evaluation ----------------------------------------------------------

const compare = (v: number, op: Op, bound: number): boolean => {
  const eps = 1e-9 * Math.max(1, Math.abs(bound));
  switch (op) {
    case "<":
      return v < bound - eps;
    case "<=":
      return v <= bound + eps;
    case ">":
      return v > bound + eps;
    case ">=":
      return v >= bound - eps;
    case "==":
      return Math.abs(v - bound) <= eps;
    case "!=":
      return Math.abs(v - bound) > eps;
  }
};

const NEED_WHY: Record<Need, string> = {
  stream: "is measured in streaming runs only (--stream)",
  baseline: "needs the direct baseline (--baseline interleaved or sequential)",
  mock: "needs the mock upstream (not with --no-mock)",
  "gateway-samples": "needs the gateway's process sampled (gatebench starts it, or --pid / --pid-of-port with --target)",
};

/** The verdict of one gate on a summary. A metric the run did not measure fails, with a note saying why. */
export function evaluateSlo(slo: Slo, s: Summary): GateResult {
  const unit = slo.unit;
  const value = slo.read(s);
  if (value === undefined) {
    const why = slo.needs.length > 0 ? `${slo.metric} ${slo.needs.map((n) => NEED_WHY[n]).join(", and ")}` : "no data";
    return { expr: slo.expr, value: null, pass: false, unit, note: `not measured in this run: ${why}` };
  }
  const pass = compare(value, slo.op, slo.bound);
  const out: GateResult = { expr: slo.expr, value, pass, unit };
  const band = slo.band?.(s);
  if (band === null) out.note = "too few requests beyond this percentile for a 95 % band";
  else if (band !== undefined && Math.abs(value - slo.bound) <= band) out.note = `within noise of the bound (±${band} ms)`;
  return out;
}

/** What the run's set-up lacks for this gate to be measured, or undefined. */
export function unmeasurable(slo: Slo, run: { stream: boolean; baseline: boolean; mock: boolean; gatewaySampled: boolean }): string | undefined {
  const lacking = slo.needs.filter((n) => !(n === "stream" ? run.stream : n === "baseline" ? run.baseline : n === "mock" ? run.mock : run.gatewaySampled));
  return lacking.length > 0 ? `${slo.metric} ${lacking.map((n) => NEED_WHY[n]).join(", and ")}` : undefined;
}

/** The success gate of --min-success, as an expression. */
export function successGate(minRatio: number): Slo {
  return parseSlo(`success >= ${+(minRatio * 100).toFixed(4)}%`);
}

/** A run's gates from its config: each --slo, and --min-success. */
export function gatesFrom(c: { slo?: string[]; minSuccess?: number }): Slo[] {
  return [...(c.slo ?? []).map((e) => parseSlo(e)), ...(c.minSuccess !== undefined ? [successGate(c.minSuccess)] : [])];
}

// ---- deciding early (--abort-on-fail) -------------------------------------

/** Counts of the measured requests through the gateway so far. */
export interface Tally {
  total: number;
  ok: number;
  dropped: number;
  /** Per error kind name. */
  errors: Record<string, number>;
}

/** Whether decidedFailure can ever decide this gate before the run's end. */
export function decidable(slo: Slo): boolean {
  const upper = slo.op === "<" || slo.op === "<=" || slo.op === "==";
  if (slo.metric === "success") return slo.op === ">=" || slo.op === ">";
  return upper && (slo.metric === "errors" || slo.metric === "requests.failed" || slo.metric === "requests.dropped" || slo.metric.startsWith("errors."));
}

/**
 * Whether a gate can no longer pass, whatever the rest of the run does, and
 * why; undefined while it still can (or cannot be decided before the end).
 * Counts only grow, so `errors.timeout == 0` is decided by the first
 * timeout; the success ratio is decided once the failures so far exceed
 * what the planned requests allow (`planned`: undefined when unknown, e.g.
 * a closed loop run for a duration, when only a 100 % bound is decided).
 */
export function decidedFailure(slo: Slo, t: Tally, planned: number | undefined): string | undefined {
  const failed = t.total - t.ok;
  const grows = (count: number, what: string): string | undefined => {
    const over = slo.op === "<" ? count >= slo.bound : slo.op === "<=" || slo.op === "==" ? count > slo.bound : false;
    return over ? `${count} ${count === 1 ? what.replace(/s$/, "") : what} so far` : undefined;
  };
  switch (slo.metric) {
    case "errors":
    case "requests.failed":
      return grows(failed, "failed requests");
    case "requests.dropped":
      return grows(t.dropped, "dropped requests");
    case "success": {
      if (slo.op !== ">=" && slo.op !== ">") return undefined;
      const lost = failed + t.dropped;
      if (lost === 0) return undefined;
      if (planned === undefined || planned <= 0) {
        return slo.bound >= 1 ? `${lost} request${lost === 1 ? "" : "s"} failed or dropped so far` : undefined;
      }
      const best = Math.max(0, planned - lost) / planned;
      return compare(best, slo.op, slo.bound) ? undefined : `${lost} of the ${planned} planned requests failed or were dropped: at most ${+(best * 100).toFixed(3)}% can succeed`;
    }
  }
  if (slo.metric.startsWith("errors.")) {
    const kind = slo.metric.slice("errors.".length);
    return grows(t.errors[kind] ?? 0, `${kind} errors`);
  }
  return undefined;
}
