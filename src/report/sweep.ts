// A sweep's result: the JSON document (schema gatebench-sweep/v1), its
// terminal table (offered rate → what came out, and the verdict) and its
// HTML page (the table, latency and CPU against the offered rate, the knee
// shaded).
import { getBorderCharacters, table as textTable, type TableUserConfig } from "table";
import { stepFigures, type SweepEnd, type SweepStep } from "../metrics/sweep.ts";
import { fmtCpu, fmtMb, fmtMs, fmtPct, fmtRate } from "./format.ts";
import type { PlotSpec } from "./html-plots.ts";
import { esc, htmlPage, table as htmlTable } from "./html.ts";
import type { ToolInfo } from "../metrics/document.ts";

export const SWEEP_SCHEMA = "gatebench-sweep/v1";

export interface SweepDoc {
  schema: typeof SWEEP_SCHEMA;
  tool: ToolInfo;
  /** The configuration every step shares (its rate aside). */
  config: Record<string, unknown>;
  sweep: {
    mode: "rates" | "search";
    rates?: number[];
    start_rps?: number;
    max_rps?: number;
    /** Bisection stops when the failing and passing rates are this share apart. */
    precision?: number;
    budget_ms: number;
    /** The gates every step is judged by. */
    gates: string[];
  };
  started_at: string;
  /** What was loaded: the URL of the first step, and the gateway's kind. */
  target: string;
  gateway: string;
  /** Each step's load in words, rate aside. */
  load: string;
  steps: SweepStep[];
  highest_passing_rps: number | null;
  lowest_failing_rps: number | null;
  end: SweepEnd;
  end_note: string;
}

/** The steps by rate (the search tries them out of order). */
const byRate = (doc: SweepDoc): SweepStep[] => [...doc.steps].sort((a, b) => a.rate - b.rate);

const rps = (r: number): string => `${+r.toFixed(1)} req/s`;

/** The sweep's answer in one line. */
export function verdictLine(doc: SweepDoc): string {
  const hi = doc.highest_passing_rps;
  const lo = doc.lowest_failing_rps;
  const failedAt = (rate: number | null): string => {
    const st = doc.steps.find((s) => s.rate === rate);
    if (!st) return "";
    const why = st.failed.length > 0 ? st.failed.join(", ") : (st.ended_early ?? "");
    return why ? ` (failed: ${why})` : "";
  };
  const note = doc.end_note ? `; ${doc.end_note}` : "";
  switch (doc.end) {
    case "bracketed":
      return `highest rate meeting all SLOs: ${rps(hi!)}; ${rps(lo!)} did not${failedAt(lo)}, so the knee lies between them (within ${+((doc.sweep.precision ?? 0) * 100).toFixed(1)} %)`;
    case "max-rate":
      return `highest rate meeting all SLOs: ${rps(hi!)}, the cap (--max-rate): the knee is above it`;
    case "all-rates":
      return `highest rate meeting all SLOs: ${rps(hi!)}: every rate given passed`;
    case "none-passed":
      return `no rate met all SLOs: the lowest tried, ${rps(lo!)}, failed${failedAt(lo).replace(/^ \(failed: (.*)\)$/, ": $1")}; try a lower --start-rate`;
  }
  const sofar = hi !== null ? `highest rate meeting all SLOs so far: ${rps(hi)}` : "no rate met all SLOs so far";
  if (doc.end === "first-failed")
    return hi !== null
      ? `highest rate meeting all SLOs: ${rps(hi)}; ${rps(lo!)} did not${failedAt(lo)}${note}`
      : `no rate met all SLOs: ${rps(lo!)} failed${failedAt(lo)}${note}`;
  if (doc.end === "generator" || doc.end === "mock")
    return `${hi !== null ? `highest rate meeting all SLOs: at least ${rps(hi)}` : "no verdict"}; ${doc.end_note}`;
  if (doc.end === "interrupted") return `${sofar} (the sweep was interrupted)`;
  return `${sofar}${note}`;
}

/** One row's cells: rate, throughput, p50, p99, overhead p50, success, CPU, RSS, verdict. */
function cells(st: SweepStep, best: number | null): string[] {
  const f = stepFigures(st);
  const verdict = st.generator_limited
    ? "generator-limited"
    : st.pass
      ? st.rate === best
        ? "pass ◀ highest"
        : "pass"
      : `FAIL${st.failed.length > 0 ? `: ${st.failed.join(", ")}` : st.ended_early ? `: ${st.ended_early}` : ""}`;
  return [
    rps(f.rate),
    `${fmtRate(f.throughput)}/s`,
    f.p50 === undefined ? "-" : `${fmtMs(f.p50)} ms`,
    f.p99 === undefined ? "-" : `${fmtMs(f.p99)} ms`,
    f.overheadP50 === undefined ? "-" : `${f.overheadP50 >= 0 ? "+" : "−"}${fmtMs(Math.abs(f.overheadP50))} ms`,
    fmtPct(f.success),
    f.cpu === undefined ? "-" : fmtCpu(f.cpu),
    f.rss === undefined ? "-" : fmtMb(f.rss),
    verdict,
  ];
}

const HEAD = ["offered rate", "throughput", "latency p50", "latency p99", "overhead p50", "success", "gateway CPU", "gateway RSS max", "verdict"];

const TABLE: TableUserConfig = {
  border: getBorderCharacters("norc"),
  drawHorizontalLine: (i, rows) => i === 0 || i === 1 || i === rows,
  columnDefault: { alignment: "right" },
  columns: { 8: { alignment: "left" } },
};

/** The terminal report of a sweep. */
export function sweepText(doc: SweepDoc): string {
  const sw = doc.sweep;
  const how =
    sw.mode === "rates"
      ? `the rates ${sw.rates!.join(", ")} req/s, in order, until one fails`
      : `from ${rps(sw.start_rps!)}, doubling until a gate fails, then bisecting to within ${+((sw.precision ?? 0) * 100).toFixed(1)} %, at most ${rps(sw.max_rps!)}`;
  const lines = [
    `gatebench ${doc.tool.version} (${doc.tool.commit}) · bun ${doc.tool.bun} · ${doc.tool.os} · ${doc.tool.cpus} cpus`,
    `target    ${doc.target}  (${doc.gateway})`,
    `sweep     ${how}; budget ${Math.round(sw.budget_ms / 1000)} s`,
    `each step ${doc.load}`,
    `gates     ${sw.gates.join(" · ")}`,
  ];
  const best = doc.highest_passing_rps;
  const rows = [HEAD, ...byRate(doc).map((st) => cells(st, best))];
  const out = [lines.join("\n"), doc.steps.length > 0 ? textTable(rows, TABLE).trimEnd() : "no step was run"];
  const limited = doc.steps.filter((s) => s.generator_limited);
  if (limited.length > 0 && doc.end !== "generator") out.push(`WARNING: ${limited.map((s) => `${rps(s.rate)}: ${s.generator_limited}`).join("; ")}`);
  out.push(verdictLine(doc));
  return out.join("\n\n");
}

/** Latency and CPU against the offered rate, the knee (between the highest pass and the lowest fail) shaded. */
export function sweepPlots(doc: SweepDoc): PlotSpec[] {
  const steps = byRate(doc);
  if (steps.length === 0) return [];
  const xs = steps.map((s) => s.rate);
  const f = steps.map(stepFigures);
  const hi = doc.highest_passing_rps;
  const lo = doc.lowest_failing_rps;
  const bands = hi !== null && lo !== null && lo > hi ? [{ from: hi, to: lo, phase: "knee" }] : [];
  const note = bands.length > 0 ? `the knee lies in the shaded span: ${rps(hi!)} passed every gate, ${rps(lo!)} did not` : "no knee found in this sweep";
  const latency: PlotSpec = {
    id: "sweep-latency",
    title: "Latency against offered rate",
    note,
    xKind: "rate",
    xLabel: "offered rate (req/s)",
    yLabel: "ms",
    yUnit: "ms",
    xs,
    series: [
      { label: "p50", color: "#2563eb", values: f.map((x) => x.p50 ?? null) },
      { label: "p99", color: "#dc2626", values: f.map((x) => x.p99 ?? null) },
      ...(f.some((x) => x.overheadP50 !== undefined)
        ? [{ label: "overhead p50", color: "#16a34a", values: f.map((x) => x.overheadP50 ?? null), dashed: true }]
        : []),
    ],
    bands,
  };
  const cpu: PlotSpec = {
    id: "sweep-cpu",
    title: "Gateway CPU against offered rate",
    note: "average over each step's load, % of one core",
    xKind: "rate",
    xLabel: "offered rate (req/s)",
    yLabel: "% of one core",
    yUnit: "%",
    xs,
    series: [{ label: "gateway CPU", color: "#ea580c", values: f.map((x) => x.cpu ?? null) }],
    bands,
  };
  return [latency, cpu];
}

/** The HTML page of a sweep: one self-contained file. */
export function sweepHtml(doc: SweepDoc): string {
  const best = doc.highest_passing_rps;
  const rows = byRate(doc).map((st) => ({ key: `step ${st.rate}`, cells: cells(st, best) }));
  const items: [string, string][] = [
    ["tool", `gatebench ${doc.tool.version} (${doc.tool.commit}) · bun ${doc.tool.bun} · ${doc.tool.os} · ${doc.tool.cpus} cpus`],
    ["started", doc.started_at],
    ["target", `${doc.target} (${doc.gateway})`],
    ["each step", doc.load],
    ["gates", doc.sweep.gates.join(" · ")],
  ];
  const body = [
    `<dl>${items.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join("")}</dl>`,
    `<p class="verdict"><strong>${esc(verdictLine(doc))}</strong></p>`,
    "<h2>Steps</h2>",
    htmlTable("Each offered rate and what came out", HEAD, rows, "sweep"),
  ].join("\n");
  return htmlPage(`gatebench sweep: ${doc.target}`, body, sweepPlots(doc), { version: doc.tool.version, schema: doc.schema });
}
