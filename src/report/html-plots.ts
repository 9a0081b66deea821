// The plots of the HTML report, as data: what each one shows, its axes and
// units, its series and the phases shaded behind it. The page's script
// (PLOT_SCRIPT) only hands these to uPlot. Absent data means no plot.
import { spectrumOfEncoded, type SpectrumPoint } from "../metrics/spectrum.ts";
import type { SecondRow } from "../metrics/timeline.ts";
import type { ResultDoc } from "../metrics/document.ts";

export interface SeriesSpec {
  label: string;
  /** A hex colour, distinct within the plot (the browser test looks for it). */
  color: string;
  values: (number | null)[];
  dashed?: boolean;
}

export interface PlotSpec {
  id: string;
  title: string;
  /** One line under the title: what is drawn and from where. */
  note: string;
  /** "seconds": linear time axis; "percentile": 1/(1−p) on a log scale, labelled as percentiles; "rate": offered rate (req/s), linear; "log-ms": milliseconds on a log scale (a frontier's p99). */
  xKind: "seconds" | "percentile" | "rate" | "log-ms";
  xLabel: string;
  yLabel: string;
  /** The unit appended to values in the legend. */
  yUnit: string;
  xs: number[];
  series: SeriesSpec[];
  /** Shaded spans of x, one per phase run. */
  bands: { from: number; to: number; phase: string }[];
  /** Vertical lines at these x, each labelled (a frontier's bounds). */
  marks?: { at: number; label: string }[];
}

/** Background of each phase; anything else gets PHASE_OTHER. */
export const PHASE_COLORS: Record<string, string> = {
  idle: "#e8eef7",
  warmup: "#fdf0d5",
  load: "#e4f4e2",
  baseline: "#efe5f8",
  drain: "#fbe4e4",
  cooldown: "#e2f2f6",
  /** A sweep: between the highest rate that passed and the lowest that failed. */
  knee: "#fde2e2",
};
export const PHASE_OTHER = "#eeeeee";

const C = {
  blue: "#2563eb",
  red: "#dc2626",
  cyan: "#0891b2",
  magenta: "#c026d3",
  violet: "#7c3aed",
  orange: "#ea580c",
  green: "#16a34a",
};

/** Runs of equal phase along `xs` as bands; each run reaches the start of the next, the last one the end of the axis. */
function bandsOf(xs: number[], phases: string[], end: number): PlotSpec["bands"] {
  const bands: PlotSpec["bands"] = [];
  for (let i = 0; i < xs.length; i++) {
    const last = bands[bands.length - 1];
    if (last && last.phase === phases[i]) continue;
    if (last) last.to = xs[i]!;
    bands.push({ from: xs[i]!, to: end, phase: phases[i]! });
  }
  return bands;
}

/** Aligns series given as (x, value) pairs on one sorted x axis, null where a series has no point. */
export function aligned(parts: { pts: { x: number; y: number | null }[]; spec: Omit<SeriesSpec, "values"> }[]): { xs: number[]; series: SeriesSpec[] } {
  const xs = [...new Set(parts.flatMap((p) => p.pts.map((q) => q.x)))].sort((a, b) => a - b);
  const index = new Map(xs.map((x, i) => [x, i]));
  const series = parts.map(({ pts, spec }) => {
    const values: (number | null)[] = xs.map(() => null);
    for (const q of pts) values[index.get(q.x)!] = q.y;
    return { ...spec, values };
  });
  return { xs, series };
}

function overTime(
  doc: ResultDoc,
  base: Omit<PlotSpec, "xs" | "series" | "bands" | "xKind" | "xLabel">,
  lines: { key: keyof SecondRow; label: string; color: string; direct?: string; dashed?: boolean; onlyIfAny?: boolean }[],
): PlotSpec | undefined {
  const rows = doc.timeline ?? [];
  if (rows.length === 0) return undefined;
  // the baseline's requests, absent from runs without one
  const direct = doc.timeline_direct ?? [];
  const parts: Parameters<typeof aligned>[0] = [];
  const add = (rs: SecondRow[], key: keyof SecondRow, spec: Omit<SeriesSpec, "values">, onlyIfAny?: boolean) => {
    const pts = rs.map((r) => ({ x: r.t, y: (r[key] as number | null | undefined) ?? null }));
    if (pts.some((p) => p.y !== null && (!onlyIfAny || p.y !== 0))) parts.push({ pts, spec });
  };
  for (const l of lines) {
    add(rows, l.key, { label: l.label, color: l.color, ...(l.dashed ? { dashed: true } : {}) }, l.onlyIfAny);
    if (l.direct && direct.length > 0) add(direct, l.key, { label: `${l.label} (direct)`, color: l.direct, dashed: true }, l.onlyIfAny);
  }
  if (parts.length === 0) return undefined;
  const { xs, series } = aligned(parts);
  const phases = new Map(rows.map((r) => [r.t, r.phase as string]));
  const marked = xs.filter((x) => phases.has(x));
  return {
    ...base,
    xKind: "seconds",
    xLabel: "time since the load started (s)",
    xs,
    series,
    bands: bandsOf(
      marked,
      marked.map((x) => phases.get(x)!),
      xs[xs.length - 1]!,
    ),
  };
}

function resourcePlots(doc: ResultDoc): PlotSpec[] {
  const pts = doc.resources_series?.gateway ?? [];
  if (pts.length === 0) return [];
  const xs = pts.map((p) => p.t_ms / 1000);
  const bands = bandsOf(
    xs,
    pts.map((p) => p.phase),
    xs[xs.length - 1]!,
  );
  const common = { xKind: "seconds" as const, xLabel: "time since sampling started (s)", xs, bands };
  const out: PlotSpec[] = [];
  if (pts.some((p) => p.cpu_pct !== null)) {
    out.push({
      ...common,
      id: "gateway-cpu",
      title: "Gateway CPU",
      note: "CPU of the gateway's process tree in % of one core, per sample interval; phases shaded",
      yLabel: "CPU (% of one core)",
      yUnit: "%",
      series: [{ label: "gateway CPU", color: C.orange, values: pts.map((p) => p.cpu_pct) }],
    });
  }
  out.push({
    ...common,
    id: "gateway-rss",
    title: "Gateway memory",
    note: "resident memory (RSS) of the gateway's process tree; phases shaded",
    yLabel: "RSS (MB)",
    yUnit: "MB",
    series: [{ label: "gateway RSS", color: C.green, values: pts.map((p) => p.rss_mb) }],
  });
  return out;
}

/** The points of a stored histogram, or undefined when it is absent or unreadable. */
function spectrumOfDoc(doc: ResultDoc, name: string): SpectrumPoint[] | undefined {
  const encoded = doc.histograms?.[name];
  if (!encoded) return undefined;
  try {
    return spectrumOfEncoded(encoded);
  } catch {
    // a damaged histogram loses its plot, not the whole report
    return undefined;
  }
}

function spectrumPlot(doc: ResultDoc, metric: string, title: string, what: string): PlotSpec | undefined {
  const gw = spectrumOfDoc(doc, metric);
  const direct = spectrumOfDoc(doc, `direct.${metric}`);
  const parts: Parameters<typeof aligned>[0] = [];
  const toPts = (s: SpectrumPoint[]) => s.map((p) => ({ x: p.x, y: p.ms }));
  if (gw && gw.length > 0) parts.push({ pts: toPts(gw), spec: { label: `${title} through the gateway`, color: C.blue } });
  if (direct && direct.length > 0) parts.push({ pts: toPts(direct), spec: { label: `${title} direct to the mock`, color: C.cyan, dashed: true } });
  if (parts.length === 0) return undefined;
  const { xs, series } = aligned(parts);
  return {
    id: `spectrum-${metric}`,
    title: `${title} by percentile`,
    note: `${what} at each percentile, from the run's full histogram; the tail is stretched (x is 1/(1−p), log scale)`,
    xKind: "percentile",
    xLabel: "percentile",
    yLabel: `${title} (ms)`,
    yUnit: "ms",
    xs,
    series,
    bands: [],
  };
}

/** Every plot the document has data for, in page order. */
export function plotSpecs(doc: ResultDoc): PlotSpec[] {
  const plots: (PlotSpec | undefined)[] = [
    overTime(
      doc,
      {
        id: "latency-time",
        title: "Latency over time",
        note: "p50 and p99 of the successful requests that ended in each second",
        yLabel: "latency (ms)",
        yUnit: "ms",
      },
      [
        { key: "p50_ms", label: "p50", color: C.blue, direct: C.cyan },
        { key: "p99_ms", label: "p99", color: C.red, direct: C.magenta },
      ],
    ),
    overTime(
      doc,
      {
        id: "throughput-time",
        title: "Throughput and errors",
        note: "requests sent, completed (successes and failures) and failed in each second; with a baseline, also the direct path's completions",
        yLabel: "rate (req/s)",
        yUnit: "req/s",
      },
      [
        { key: "completed", label: "completed/s", color: C.blue, direct: C.cyan },
        { key: "errors", label: "errors/s", color: C.red },
        { key: "dropped", label: "dropped/s", color: C.orange, onlyIfAny: true },
        // last and dashed: when every request completes in the second it was sent, both lines stay visible
        { key: "sent", label: "sent/s", color: C.violet, dashed: true },
      ],
    ),
    overTime(
      doc,
      {
        id: "inflight-time",
        title: "Requests in flight",
        note: "requests sent and not yet finished at the end of each second",
        yLabel: "requests in flight",
        yUnit: "requests",
      },
      [{ key: "in_flight", label: "in flight", color: C.blue, direct: C.cyan }],
    ),
    ...resourcePlots(doc),
    spectrumPlot(doc, "latency", "Latency", "latency (intended send → last byte)"),
    spectrumPlot(doc, "ttft", "TTFT", "time to first token (intended send → first content event)"),
    spectrumPlot(doc, "itl", "ITL", "gap between consecutive content events"),
  ];
  return plots.filter((p): p is PlotSpec => p !== undefined);
}
