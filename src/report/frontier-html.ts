// A frontier's HTML page: one self-contained file with the readings and
// the rungs as tables, and throughput against p99 (log scale) as a curve,
// the bounds drawn as vertical lines; for streams the p99 is the time to
// the first token's, as the bounds are. The same plot holds one curve per
// gateway when gatebench compare sets frontiers side by side.
import { type BoundMetric, boundP99, type FrontierRung, levelOf, p99Words, type Reading } from "../metrics/frontier.ts";
import { fmtRate } from "./format.ts";
import { pinningLine } from "./rows.ts";
import {
  addedLine,
  apiLine,
  boundLabel,
  evidence,
  type FrontierDoc,
  gatewayLine,
  ladderLine,
  levelLabel,
  metricOf,
  rungFigures,
  rungHead,
  streamsLine,
} from "./frontier.ts";
import { aligned, type PlotSpec } from "./html-plots.ts";
import { esc, htmlPage, table } from "./html.ts";

/** Distinct colours for the curves, in order (a board has few gateways). */
const CURVE_COLORS = ["#2563eb", "#dc2626", "#16a34a", "#ea580c", "#7c3aed", "#0891b2", "#c026d3", "#ca8a04"];
/** The rungs at the rig's limit, when drawn: grey, as they are not the gateway's. */
const RIG_COLOR = "#9ca3af";

/** One gateway's curve: its name, its rungs, and the p99 its bounds were read on. */
export interface Curve {
  name: string;
  rungs: FrontierRung[];
  metric: BoundMetric;
}

/** The plot's x axis in words: p99 TTFT, p99 latency, or both when the curves differ. */
function xWords(curves: Curve[]): { title: string; axis: string; point: string } {
  const metrics = new Set(curves.map((c) => c.metric));
  if (metrics.size > 1) return { title: "p99 (TTFT for streams)", axis: "p99 (TTFT for streams, else latency)", point: "its p99 (TTFT for streams)" };
  return metrics.has("ttft")
    ? { title: "p99 TTFT", axis: "p99 TTFT", point: "its p99 time to the first token" }
    : { title: "p99", axis: "p99 latency", point: "its p99 latency" };
}

/** Throughput against the bounds' p99 for each curve (rungs at the rig's limit apart, in grey), the finite bounds as vertical lines. */
export function frontierPlot(curves: Curve[], bounds: (number | null)[]): PlotSpec | undefined {
  const parts: Parameters<typeof aligned>[0] = [];
  curves.forEach((c, i) => {
    const pts = (rig: boolean) =>
      c.rungs.flatMap((r) => {
        const x = boundP99(r, c.metric);
        return x !== null && x > 0 && Boolean(r.rig) === rig ? [{ x, y: r.throughput }] : [];
      });
    const own = pts(false);
    const rig = pts(true);
    if (own.length > 0) parts.push({ pts: own, spec: { label: c.name, color: CURVE_COLORS[i % CURVE_COLORS.length]! } });
    if (rig.length > 0) parts.push({ pts: rig, spec: { label: `${c.name}: rig limit`, color: RIG_COLOR, dashed: true } });
  });
  if (parts.length === 0) return undefined;
  const { xs, series } = aligned(parts);
  const words = xWords(curves);
  const one = new Set(curves.map((c) => c.metric)).size === 1 ? curves[0]?.metric : undefined;
  return {
    id: "frontier",
    title: `Throughput against ${words.title}`,
    note: `each point is one rung of the ladder: its successful requests per second, and ${words.point} (log scale); the dashed lines are the bounds read`,
    xKind: "log-ms",
    xLabel: `${words.axis} (ms, log scale)`,
    yLabel: "throughput (req/s)",
    yUnit: "req/s",
    xs,
    series,
    bands: [],
    marks: bounds.filter((b): b is number => b !== null).map((b) => ({ at: b, label: boundLabel(b, one) })),
  };
}

/** The readings as table rows. */
const readingRows = (doc: FrontierDoc): { key: string; cells: string[] }[] =>
  doc.readings.map((r: Reading) => ({
    key: `bound ${r.bound_ms ?? "unbounded"}`,
    cells: [boundLabel(r.bound_ms, r.metric), r.rps === null ? "none" : `${fmtRate(r.rps)}/s`, evidence(doc.ladder.kind, r)],
  }));

/** The rungs as table rows. */
const rungRows = (doc: FrontierDoc): { key: string; cells: string[] }[] =>
  doc.rungs.map((r) => ({
    key: `rung ${levelOf(r)}`,
    cells: [levelLabel(doc.ladder.kind, levelOf(r)), ...rungFigures(r, metricOf(doc)), r.rig ? `RIG (${r.rig.kind}): ${r.rig.why}` : "-"],
  }));

/** The page of one frontier. */
export function frontierHtml(doc: FrontierDoc): string {
  const items: [string, string][] = [
    ["tool", `gatebench ${doc.tool.version} (${doc.tool.commit}) · bun ${doc.tool.bun} · ${doc.tool.os} · ${doc.tool.cpus} cpus`],
    ["started", doc.started_at],
    ["gateway", gatewayLine(doc)],
    ["api", apiLine(doc)],
    ...(doc.cpu_pinning ? [["cpus", pinningLine(doc.cpu_pinning)] as [string, string]] : []),
    ["ladder", ladderLine(doc)],
  ];
  const body = [
    `<dl>${items.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join("")}</dl>`,
    ...(doc.ladder.only === "added"
      ? []
      : [
          "<h2>Readings</h2>",
          table(`Throughput at each ${p99Words(metricOf(doc))} bound, and its evidence`, ["bound", "throughput", "evidence"], readingRows(doc), "frontier"),
        ]),
    `<p class="verdict">${esc(addedLine(doc))}</p>`,
    ...(doc.streams ? [`<p class="verdict">${esc(streamsLine(doc.streams))}</p>`] : []),
    "<h2>Rungs</h2>",
    table("Each rung of the ladder", ["rung", ...rungHead(metricOf(doc)), "rig"], rungRows(doc), "frontier"),
  ].join("\n");
  const plot = frontierPlot([{ name: doc.gateway.name, rungs: doc.rungs, metric: metricOf(doc) }], doc.bounds_ms);
  return htmlPage(`gatebench frontier: ${doc.gateway.name}`, body, plot ? [plot] : [], { version: doc.tool.version, schema: doc.schema });
}
