// Reading a gate expression: metric, operator, bound and unit, each
// checked, with the bad token underlined in the error.
import { OPS, type Op, type Quantity, type Slo, SloError } from "./expr.ts";
import { type MetricDef, metricOf, STAT_ALIASES, Unknown } from "./catalog.ts";
import { QUANTITY_UNIT, UNIT_NAMES, UNITS } from "./units.ts";

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
  const { metric, segs, d } = readMetric(expr, fail);
  i = metric.length;
  skip();
  // operator
  const opAt = i;
  const op = OPS.find((o) => expr.startsWith(o, i));
  if (!op) {
    const found = expr.slice(i).match(/^\S+/)?.[0] ?? "";
    if (found.startsWith("=")) fail(opAt, 1, `"=" is not a comparison; use == (or <, <=, >, >=, !=)`);
    fail(
      opAt,
      Math.max(1, found.length),
      found === "" ? `expected a comparison after ${metric}: <, <=, >, >=, == or !=` : `expected a comparison (<, <=, >, >=, == or !=), found "${found}"`,
    );
  }
  i += op!.length;
  skip();
  // value
  const valueAt = i;
  const n = NUMBER_RE.exec(expr.slice(i));
  if (!n)
    fail(
      valueAt,
      Math.max(1, expr.slice(i).match(/^\S+/)?.[0].length ?? 1),
      expr.slice(i) === ""
        ? `expected a value after ${op}, e.g. ${metric} ${op} ${example(d.quantity)}`
        : `expected a number, e.g. ${metric} ${op} ${example(d.quantity)}`,
    );
  const value = Number(n![0]);
  i += n![0].length;
  skip();
  const unitAt = i;
  const unit = expr.slice(i).match(/^[A-Za-zµμ%/]+/)?.[0] ?? "";
  i += unit.length;
  skip();
  if (i < expr.length) fail(i, expr.length - i, `unexpected "${expr.slice(i)}" after the value`);
  const bound = boundOf(d.quantity, value, unit, metric, op!, (reason) => fail(valueAt, unitAt + unit.length - valueAt, reason), d.unit);
  return {
    expr,
    metric: segs.join("."),
    op: op!,
    bound,
    quantity: d.quantity,
    unit: d.unit ?? QUANTITY_UNIT[d.quantity],
    needs: d.needs ?? [],
    read: d.read,
    band: d.band,
  };
}

/** The metric at the start of an expression, found in the catalog (aliases resolved); `fail` points at what is wrong. */
function readMetric(expr: string, fail: (at: number, length: number, reason: string) => never): { metric: string; segs: string[]; d: MetricDef } {
  const m = METRIC_RE.exec(expr);
  if (!m) fail(0, expr.match(/^\S+/)![0].length, 'expected a metric name first, e.g. "latency.p99 < 250ms" or "success >= 100%"');
  const metric = m![0];
  if (/\.p99\.9$/.test(metric) || expr.slice(metric.length).startsWith("(")) {
    const at = metric.search(/\.p99\.9$/) >= 0 ? metric.search(/\.p99\.9$/) + 1 : metric.lastIndexOf(".") + 1;
    fail(
      at,
      metric.length - at + (expr.slice(metric.length).match(/^\([^)]*\)/)?.[0].length ?? 0),
      "percentiles are written p50, p90, p95, p99, p999 (the 99.9th), e.g. latency.p999 < 1s",
    );
  }
  const segs = metric
    .toLowerCase()
    .split(".")
    .map((x) => STAT_ALIASES[x] ?? x);
  const def = metricOf(segs);
  if (def instanceof Unknown) {
    if (def.segment < 0 || def.segment >= segs.length) fail(0, metric.length, def.reason);
    const start = segs.slice(0, def.segment).reduce((a, s) => a + s.length + 1, 0);
    fail(start, segs[def.segment]!.length, def.reason);
  }
  return { metric, segs, d: def as MetricDef };
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
  const mismatch = (): never =>
    fail(
      `${metric} is ${UNIT_NAMES[q].replace(/ \(.*\)$/, "")}, and ${value}${unit} is ${given ? UNIT_NAMES[given.quantity].replace(/ \(.*\)$/, "") : "a bare number"}; write it as ${UNIT_NAMES[q]}, e.g. ${metric} ${op} ${example(q)}`,
    );
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
      if (ratio > 1 || ratio < 0)
        fail(`${metric} is a ratio from 0 to 100 %: write a percentage or a fraction, e.g. ${metric} ${op} 99.9% or ${metric} ${op} 0.999`);
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
