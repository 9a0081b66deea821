// A frontier's HTML page: one self-contained file with the readings and
// the rungs as tables, and throughput against p99 (log scale) as a curve,
// the bounds drawn as vertical lines. The same plot holds one curve per
// gateway when gatebench compare sets frontiers side by side.
import { type FrontierRung, levelOf, type Reading } from "../metrics/frontier.ts";
import { fmtRate } from "./format.ts";
import { addedLine, boundLabel, evidence, type FrontierDoc, ladderLine, levelLabel, rungFigures, streamsLine } from "./frontier.ts";
import { aligned, type PlotSpec } from "./html-plots.ts";
import { esc, htmlPage, table } from "./html.ts";

/** Distinct colours for the curves, in order (a board has few gateways). */
const CURVE_COLORS = ["#2563eb", "#dc2626", "#16a34a", "#ea580c", "#7c3aed", "#0891b2", "#c026d3", "#ca8a04"];
/** The rungs at the rig's limit, when drawn: grey, as they are not the gateway's. */
const RIG_COLOR = "#9ca3af";

/** One gateway's curve: its name and its rungs. */
export interface Curve {
  name: string;
  rungs: FrontierRung[];
}

/** Throughput against p99 for each curve (rungs at the rig's limit apart, in grey), the finite bounds as vertical lines. */
export function frontierPlot(curves: Curve[], bounds: (number | null)[]): PlotSpec | undefined {
  const parts: Parameters<typeof aligned>[0] = [];
  curves.forEach((c, i) => {
    const pts = (rig: boolean) =>
      c.rungs.filter((r) => r.p99_ms !== null && r.p99_ms > 0 && Boolean(r.rig) === rig).map((r) => ({ x: r.p99_ms!, y: r.throughput }));
    const own = pts(false);
    const rig = pts(true);
    if (own.length > 0) parts.push({ pts: own, spec: { label: c.name, color: CURVE_COLORS[i % CURVE_COLORS.length]! } });
    if (rig.length > 0) parts.push({ pts: rig, spec: { label: `${c.name}: rig limit`, color: RIG_COLOR, dashed: true } });
  });
  if (parts.length === 0) return undefined;
  const { xs, series } = aligned(parts);
  return {
    id: "frontier",
    title: "Throughput against p99",
    note: "each point is one rung of the ladder: its successful requests per second, and its p99 latency (log scale); the dashed lines are the bounds read",
    xKind: "log-ms",
    xLabel: "p99 latency (ms, log scale)",
    yLabel: "throughput (req/s)",
    yUnit: "req/s",
    xs,
    series,
    bands: [],
    marks: bounds.filter((b): b is number => b !== null).map((b) => ({ at: b, label: boundLabel(b) })),
  };
}

/** The readings as table rows. */
const readingRows = (doc: FrontierDoc): { key: string; cells: string[] }[] =>
  doc.readings.map((r: Reading) => ({
    key: `bound ${r.bound_ms ?? "unbounded"}`,
    cells: [boundLabel(r.bound_ms), r.rps === null ? "none" : `${fmtRate(r.rps)}/s`, evidence(doc.ladder.kind, r)],
  }));

/** The rungs as table rows. */
const rungRows = (doc: FrontierDoc): { key: string; cells: string[] }[] =>
  doc.rungs.map((r) => ({
    key: `rung ${levelOf(r)}`,
    cells: [levelLabel(doc.ladder.kind, levelOf(r)), ...rungFigures(r), r.rig ? `RIG (${r.rig.kind}): ${r.rig.why}` : "-"],
  }));

/** The page of one frontier. */
export function frontierHtml(doc: FrontierDoc): string {
  const items: [string, string][] = [
    ["tool", `gatebench ${doc.tool.version} (${doc.tool.commit}) · bun ${doc.tool.bun} · ${doc.tool.os} · ${doc.tool.cpus} cpus`],
    ["started", doc.started_at],
    ["gateway", `${doc.gateway.name}: ${doc.gateway.target} (${doc.gateway.kind})`],
    ["ladder", ladderLine(doc)],
  ];
  const body = [
    `<dl>${items.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join("")}</dl>`,
    ...(doc.ladder.only === "added"
      ? []
      : ["<h2>Readings</h2>", table("Throughput at each p99 bound, and its evidence", ["bound", "throughput", "evidence"], readingRows(doc), "frontier")]),
    `<p class="verdict">${esc(addedLine(doc))}</p>`,
    ...(doc.streams ? [`<p class="verdict">${esc(streamsLine(doc.streams))}</p>`] : []),
    "<h2>Rungs</h2>",
    table("Each rung of the ladder", ["rung", "throughput", "p50", "p99", "p99.9", "failures", "rig"], rungRows(doc), "frontier"),
  ].join("\n");
  const plot = frontierPlot([{ name: doc.gateway.name, rungs: doc.rungs }], doc.bounds_ms);
  return htmlPage(`gatebench frontier: ${doc.gateway.name}`, body, plot ? [plot] : [], { version: doc.tool.version, schema: doc.schema });
}
