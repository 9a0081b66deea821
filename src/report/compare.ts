// gatebench compare: the comparison of saved results as a document (for
// --json) and as a terminal table. The first file is the baseline A; each
// later one is set against it (src/metrics/compare.ts does the maths).
import { getBorderCharacters, table, type TableUserConfig } from "table";
import { compareRuns, type CompareRow } from "../metrics/compare.ts";
import { fmtCpu, fmtMb, fmtMs, fmtPct, fmtRate, fmtSeconds } from "./format.ts";
import type { ResultDoc } from "../metrics/document.ts";
import { painter, type Paint } from "./text.ts";

export const COMPARE_SCHEMA = "gatebench-compare/v1";

/** One file's identity in the comparison. */
export interface ComparedFile {
  path: string;
  version: string;
  commit: string;
  started_at: string;
  /** The load in words, with unary or streaming. */
  load: string;
  target: string;
  gateway: string;
}

/** The comparison (the JSON written by gatebench compare --json). */
export interface CompareDoc {
  schema: typeof COMPARE_SCHEMA;
  /** The --fail-on-regression bound in %, or null. */
  fail_on_regression_pct: number | null;
  /** A first, then each file set against it. */
  files: ComparedFile[];
  /** Each later file against A, in order. */
  comparisons: { file: string; rows: CompareRow[] }[];
  /** What differs between the runs beyond the figures: settings, tool versions, machines, runs that ended early. */
  notes: string[];
  /** The metrics beyond the bound, per file. */
  regressions: { file: string; key: string; label: string; change_pct: number }[];
}

const letter = (i: number): string => String.fromCharCode(65 + i);

function identity(path: string, doc: ResultDoc): ComparedFile {
  const c = doc.config as { stream?: boolean; workers?: number };
  const workers = (c.workers ?? 1) > 1 ? `, ${c.workers} workers` : "";
  const gw = doc.run.gateway;
  return {
    path,
    version: doc.tool.version,
    commit: doc.tool.commit,
    started_at: doc.run.started_at,
    load: `${doc.run.load}, ${c.stream ? "streaming" : "unary"}${workers}`,
    target: doc.run.target,
    gateway: gw.kind === "command" && gw.command ? `${gw.kind}: ${gw.command.join(" ")}` : gw.kind,
  };
}

type Cfg = Record<string, unknown>;
const ms = (v: unknown): unknown => (typeof v === "number" ? fmtSeconds(v) : v);

/**
 * Settings that change the figures, as [name, value]. The load in words
 * covers the rate, ramp, steps, arrivals, duration and closed loop (its
 * Poisson seed left out); ports, seeds, output files and the quiet phases
 * do not matter here.
 */
const SETTINGS: [string, (c: Cfg, d: ResultDoc) => unknown][] = [
  ["load", (_, d) => d.run.load.replace(/ \(seed \d+\)/g, "")],
  ["warm-up", (c) => ms(c.warmupMs)],
  ["workers", (c) => c.workers],
  ["stream", (c) => c.stream],
  ["baseline", (c) => c.baseline],
  ["max in flight", (c) => c.maxInFlight],
  ["timeout", (c) => ms(c.timeoutMs)],
  ["path", (c) => c.path],
  // a result from before --api spoke chat
  ["api", (c) => c.api ?? "chat"],
  ["method", (c) => c.method],
  ["headers", (c) => c.headers],
  ["body", (c) => c.body],
  ["body file", (c) => c.bodyFile],
  ["prompts", (c) => c.promptsFile],
  ["model", (c) => c.model],
  ["max tokens", (c) => c.maxTokens],
  ["prompt tokens", (c) => c.promptTokens],
  ["sample interval", (c) => ms(c.sampleIntervalMs)],
  ["gateway", (_, d) => d.run.gateway.kind],
  ["gateway command", (c) => (c.gateway as { command?: string } | undefined)?.command],
  ["gateway config template", (c) => (c.gateway as { configTemplate?: string } | undefined)?.configTemplate],
  ["gateway env", (c) => (c.gateway as { env?: unknown } | undefined)?.env],
  ["target", (c) => c.target],
  ["mock", (c) => (c.noMock ? "off" : "on")],
];

const shown = (v: unknown): string => (v === undefined || v === null ? "none" : typeof v === "string" ? v : JSON.stringify(v));

/** The settings in which `b` differs from `a`, as "name: a → b". */
export function settingDifferences(a: ResultDoc, b: ResultDoc): string[] {
  const out: string[] = [];
  const ca = a.config as Cfg;
  const cb = b.config as Cfg;
  for (const [name, get] of SETTINGS) {
    const va = shown(get(ca, a));
    const vb = shown(get(cb, b));
    if (va !== vb) out.push(`${name}: ${va} → ${vb}`);
  }
  // the mock's flags are kept only when given, so a missing one is the default
  const flags = (c: Cfg): Record<string, string> => (c.mock as { flags?: Record<string, string> } | undefined)?.flags ?? {};
  const fa = flags(ca);
  const fb = flags(cb);
  for (const name of [...new Set([...Object.keys(fa), ...Object.keys(fb)])]) {
    if (fa[name] !== fb[name]) out.push(`mock ${name}: ${fa[name] ?? "default"} → ${fb[name] ?? "default"}`);
  }
  return out;
}

/** Notes on what differs beyond the figures: settings, gatebench and Bun versions, machines, runs that ended early. */
export function comparisonNotes(files: { path: string; doc: ResultDoc }[]): string[] {
  const notes: string[] = [];
  const [base, ...rest] = files;
  if (!base) return notes;
  const tool = (d: ResultDoc): string => `gatebench ${d.tool.version} (${d.tool.commit})`;
  const machine = (d: ResultDoc): string => `${d.tool.os}, ${d.tool.cpus} cpus`;
  rest.forEach((f, i) => {
    const who = `${letter(i + 1)} against A`;
    const diff = settingDifferences(base.doc, f.doc);
    if (diff.length > 0) notes.push(`${who}: the runs' settings differ (${diff.join("; ")}); compared all the same, but a change may come from that`);
    if (tool(f.doc) !== tool(base.doc))
      notes.push(`${who}: written by different gatebench versions (${tool(base.doc)} → ${tool(f.doc)}); a change may come from the tool`);
    if (f.doc.tool.bun !== base.doc.tool.bun) notes.push(`${who}: run on different Bun versions (${base.doc.tool.bun} → ${f.doc.tool.bun})`);
    if (machine(f.doc) !== machine(base.doc)) notes.push(`${who}: run on different machines (${machine(base.doc)} → ${machine(f.doc)})`);
  });
  files.forEach((f, i) => {
    if (f.doc.run.ended_early || f.doc.run.completed === false)
      notes.push(`${letter(i)} ended early${f.doc.run.ended_early ? ` (${f.doc.run.ended_early})` : ""}: its figures cover less load than its schedule`);
  });
  return notes;
}

/** Compares every later file with the first; `boundPct`: the --fail-on-regression bound. */
export function compareDoc(files: { path: string; doc: ResultDoc }[], boundPct?: number): CompareDoc {
  const [base, ...rest] = files;
  if (!base || rest.length === 0) throw new Error("compareDoc needs at least two files");
  const comparisons = rest.map((f) => ({ file: f.path, rows: compareRuns(base.doc, f.doc, boundPct) }));
  const regressions = comparisons.flatMap((c) =>
    c.rows.filter((r) => r.regression).map((r) => ({ file: c.file, key: r.key, label: r.label, change_pct: r.change_pct! })),
  );
  return {
    schema: COMPARE_SCHEMA,
    fail_on_regression_pct: boundPct ?? null,
    files: files.map((f) => identity(f.path, f.doc)),
    comparisons,
    notes: comparisonNotes(files),
    regressions,
  };
}

// ---- the terminal table ------------------------------------------------------

const TABLE: TableUserConfig = {
  border: getBorderCharacters("norc"),
  drawHorizontalLine: (i, rows) => i === 0 || i === 1 || i === rows,
  columnDefault: { alignment: "right" },
  columns: { 0: { alignment: "left" } },
};

function fmtValue(r: CompareRow, v: number): string {
  switch (r.unit) {
    case "ms":
      return `${fmtMs(v)} ms`;
    case "req/s":
      return `${fmtRate(v)}/s`;
    case "ratio":
      return fmtPct(v);
    case "cpu%":
      return fmtCpu(v);
    case "MB":
      return fmtMb(v);
  }
}

const signed = (x: number, text: string): string => (x === 0 ? "0" : `${x > 0 ? "+" : "−"}${text}`);
const fmtChangePct = (pct: number): string => signed(pct, `${Math.abs(pct) < 1 ? Math.abs(pct).toFixed(2) : Math.abs(pct).toFixed(1)} %`);

function fmtChange(r: CompareRow): string {
  if (!r.relative) return signed(r.b - r.a, `${fmtMs(Math.abs(r.b - r.a))} ms`);
  return r.change_pct === null ? (r.b === r.a ? "0" : "from 0") : fmtChangePct(r.change_pct);
}

/** The noise band as the change is shown: ± % of A, or ± ms. */
function fmtBand(r: CompareRow): string {
  if (r.band === null) return r.test === "none" ? "not tested" : "too few";
  if (!r.relative) return `±${fmtMs(r.band)} ms`;
  return r.a === 0 ? "-" : `±${((100 * r.band) / Math.abs(r.a)).toFixed(1)} %`;
}

function fmtVerdict(r: CompareRow, paint: Paint): string {
  if (r.regression) return paint.bad("worse ✗");
  if (r.verdict === "worse") return paint.warn("worse");
  if (r.verdict === "better") return paint.good("better");
  return r.verdict === "noise" ? "~ noise" : "n/a";
}

/** Row keys of every comparison, each in its place (a metric only some files have goes after the one before it). */
function rowKeys(cmp: CompareDoc): { key: string; label: string }[] {
  const keys: { key: string; label: string }[] = [];
  for (const c of cmp.comparisons) {
    let at = 0;
    for (const r of c.rows) {
      const i = keys.findIndex((k) => k.key === r.key);
      if (i === -1) keys.splice(at, 0, { key: r.key, label: r.label });
      at = (i === -1 ? at : i) + 1;
    }
  }
  return keys;
}

function header(cmp: CompareDoc): string {
  return cmp.files
    .map((f, i) => `${letter(i)}  ${f.path} · gatebench ${f.version} (${f.commit}) · started ${f.started_at}\n   ${f.load} → ${f.target} (${f.gateway})`)
    .join("\n");
}

function grid(cmp: CompareDoc, paint: Paint, verbose: boolean): string {
  const two = cmp.comparisons.length === 1;
  const head = ["metric", "A"];
  cmp.comparisons.forEach((_, i) => head.push(letter(i + 1), two ? "change" : `${letter(i + 1)} vs A`, ...(verbose ? ["noise (95 %)"] : []), "verdict"));
  const rows = [head];
  for (const { key, label } of rowKeys(cmp)) {
    const cells = [label];
    const base = cmp.comparisons.map((c) => c.rows.find((r) => r.key === key)).find((r) => r !== undefined)!;
    cells.push(fmtValue(base, base.a));
    for (const c of cmp.comparisons) {
      const r = c.rows.find((x) => x.key === key);
      if (r) cells.push(fmtValue(r, r.b), fmtChange(r), ...(verbose ? [fmtBand(r)] : []), fmtVerdict(r, paint));
      else cells.push("-", "-", ...(verbose ? ["-"] : []), "-");
    }
    rows.push(cells);
  }
  return table(rows, TABLE).trimEnd();
}

const LEGEND = [
  "change: each file against A; ~ noise: within the 95 % noise band of the two runs",
  "noise: percentiles by order statistics of both histograms; success by a two-proportion z-test; throughput, CPU and RSS by Welch's t-test over the load phase's seconds and samples",
  "n/a: too few requests beyond the percentile (under 5) or too few seconds or samples (under 3) to tell, or not tested (maxima, CPU per request)",
];

const OVERHEAD_NOTE = "overhead (gateway − direct): compared in ms and never gated; a % of a figure that may be a fraction of a millisecond, or 0, says little";

function verdictLines(cmp: CompareDoc, paint: Paint): string[] {
  const bound = cmp.fail_on_regression_pct;
  if (bound === null) return [];
  const lines = [
    `gated: latency and TTFT percentiles, ITL p50, throughput, success, gateway CPU and RSS averages; ✗ marks one worse beyond noise by more than ${bound} %`,
  ];
  cmp.comparisons.forEach((c, i) => {
    const failed = c.rows.filter((r) => r.regression);
    const who = `${letter(i + 1)} (${c.file})`;
    if (failed.length === 0) lines.push(`${paint.good("OK")}: no gated metric of ${who} is worse than A beyond noise by more than ${bound} %`);
    else
      lines.push(
        `${paint.bad("FAIL")}: ${who} is worse than A beyond noise by more than ${bound} % in ${failed.map((r) => `${r.label} (${fmtChangePct(r.change_pct!)})`).join(", ")}`,
      );
  });
  return lines;
}

/** The comparison for a terminal: files, table, legend, notes and, with a bound, the verdict per file. */
export function compareText(cmp: CompareDoc, opts: { color?: boolean; verbose?: boolean } = {}): string {
  const paint = painter(opts.color);
  const blocks = [
    header(cmp),
    [grid(cmp, paint, Boolean(opts.verbose)), ...LEGEND, ...(cmp.comparisons.some((c) => c.rows.some((r) => !r.relative)) ? [OVERHEAD_NOTE] : [])].join("\n"),
    cmp.notes.map((n) => `${paint.warn("NOTE:")} ${n}`).join("\n"),
    verdictLines(cmp, paint).join("\n"),
  ];
  return blocks.filter((b) => b !== "").join("\n\n");
}
