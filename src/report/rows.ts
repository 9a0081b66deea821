// Which rows the latency and overhead tables have, shared by the terminal
// and HTML reports so the two always show the same figures.
import type { OverheadSet } from "../metrics/summary.ts";
import { fmtCpu, fmtMb, fmtMs, fmtPct, fmtRate } from "./format.ts";
import type { PhaseUsage } from "../metrics/resources.ts";
import type { CpuPinningInfo, ResultDoc } from "../metrics/document.ts";
import { RECOVERED_SAMPLES, STEADY_BAND_PCT, STEADY_MIN_SAMPLES, STEADY_MIN_SHARE, type MemoryFigures } from "../metrics/memory.ts";

export const STAT_KEYS = ["min", "mean", "p50", "p90", "p95", "p99", "p999", "max"] as const;
export const STAT_HEAD = ["min", "mean", "p50", "p90", "p95", "p99", "p99.9", "max"];

export type StatsKey = "latency_ms" | "service_time_ms" | "schedule_lag_ms" | "ttfb_ms" | "ttft_ms" | "itl_ms" | "tpot_ms";

/**
 * The latency table: each metric through the gateway, and whether the same
 * straight to the mock follows it (when the run had a baseline). A closed
 * loop has no schedule, so no service time apart from latency and no lag;
 * the streaming metrics come with streams.
 */
export function latencyRows(doc: ResultDoc): { label: string; key: StatsKey; direct: boolean }[] {
  const withDirect = doc.summary.direct !== undefined;
  const rows: { label: string; key: StatsKey; direct: boolean }[] = [{ label: "latency", key: "latency_ms", direct: withDirect }];
  if (doc.run.load_model !== "closed") {
    rows.push({ label: "service time", key: "service_time_ms", direct: false }, { label: "schedule lag", key: "schedule_lag_ms", direct: false });
  }
  rows.push({ label: "TTFB", key: "ttfb_ms", direct: withDirect });
  if (doc.summary.ttft_ms || (doc.config as { stream?: boolean }).stream) {
    for (const [label, key] of [
      ["TTFT", "ttft_ms"],
      ["ITL", "itl_ms"],
      ["TPOT", "tpot_ms"],
    ] as const)
      rows.push({ label, key, direct: withDirect });
  }
  return rows;
}

/** The overhead table's rows, in order. */
export const OVERHEAD_ROWS: [keyof OverheadSet, string][] = [
  ["latency", "latency"],
  ["ttfb", "TTFB"],
  ["ttft", "TTFT"],
  ["itl", "ITL"],
  ["request_path", "request path"],
  ["response_path", "response path"],
];

/** A measured value in the unit summary.slo gives it. */
export function fmtGateValue(value: number | null, unit: string | undefined): string {
  if (value === null) return "-";
  switch (unit) {
    case "ms":
      return `${fmtMs(value)} ms`;
    case "MB":
      return fmtMb(value);
    case "%":
      return `${value.toFixed(1)} %`;
    case "ratio":
      return fmtPct(value);
    case "/s":
      return `${fmtRate(value)}/s`;
    default:
      return Number.isInteger(value) ? String(value) : String(+value.toFixed(3));
  }
}

export type Verdict = "pass" | "FAIL" | "miss" | "n/a";

/** The verdict table's rows: expression, measured value, verdict, and a note when there is one. */
export function gateRows(doc: ResultDoc): { expr: string; measured: string; verdict: Verdict; note?: string }[] {
  return (doc.summary.slo ?? []).map((g) => ({
    expr: g.expr,
    measured: fmtGateValue(g.value, g.unit),
    verdict: g.pass ? "pass" : "FAIL",
    ...(g.note ? { note: g.note } : {}),
  }));
}

/** The targets table's rows; a missed target is "miss" unless enforced (--strict), then "FAIL". */
export function targetRows(doc: ResultDoc): { target: string; expr: string; measured: string; verdict: Verdict; note?: string }[] {
  const t = doc.summary.targets;
  if (!t) return [];
  return t.results.map((r) => ({
    target: r.target,
    expr: r.expr,
    measured: fmtGateValue(r.value, r.unit),
    verdict: r.pass === null ? "n/a" : r.pass ? "pass" : t.strict ? "FAIL" : "miss",
    ...(r.note ? { note: r.note } : {}),
  }));
}

/**
 * Whether the targets table says anything the rest of the report does not:
 * enforced (--strict), or some target beyond success judged. A run that can
 * judge none of the others (a server attached without its process sampled
 * and without the baseline) gets one line instead of rows of n/a.
 */
export function targetsApply(doc: ResultDoc): boolean {
  const t = doc.summary.targets;
  if (!t) return false;
  return t.strict || t.results.some((r) => r.pass !== null && r.expr !== "success >= 100%");
}

/** The line that stands for a targets table that does not apply, with the reasons the targets gave. */
export function targetsNotJudged(doc: ResultDoc): string {
  const why = [...new Set((doc.summary.targets?.results ?? []).filter((r) => r.pass === null && r.note).map((r) => r.note!))];
  return `this run can judge none of them but success (the Requests table): ${why.length > 0 ? why.join("; ") : "nothing they measure was measured"}; --targets none hides this line`;
}

/** One process's usage in one phase, as both reports show it: CPU avg, p95, max; RSS start, avg, max, end; fds; threads. */
export function usageCells(u: PhaseUsage): string[] {
  return [
    fmtCpu(u.cpu_pct_avg),
    fmtCpu(u.cpu_pct_p95),
    fmtCpu(u.cpu_pct_max),
    fmtMb(u.rss_mb_start),
    fmtMb(u.rss_mb_avg),
    fmtMb(u.rss_mb_max),
    fmtMb(u.rss_mb_end),
    u.fds_max === undefined ? "-" : String(u.fds_max),
    u.threads_max === undefined ? "-" : String(u.threads_max),
  ];
}

/** ", 2 processes, fixed answers": how many mock processes ran, and whether their answers were fixed. */
export function mockShape(m: { procs?: number; fixed?: boolean }): string {
  return `${m.procs !== undefined ? `, ${m.procs} process${m.procs === 1 ? "" : "es"}` : ""}${m.fixed ? ", fixed answers" : ""}`;
}

/** The processes of one side of the pinning, grouped by the CPUs each got: "mock, gatebench on 1", or "gateway on 0, gateway on 0-1" when its processes differ. */
function gotBy(p: CpuPinningInfo, gatewaySide: boolean): string {
  const byCpus = new Map<string, string[]>();
  for (const x of p.processes) {
    if ((x.name === "gateway") !== gatewaySide) continue;
    const key = x.cpus_allowed ?? "?";
    const names = byCpus.get(key) ?? [];
    if (!names.includes(x.name)) names.push(x.name);
    byCpus.set(key, names);
  }
  return [...byCpus].map(([cpus, names]) => `${names.join(", ")} on ${cpus}`).join(", ");
}

/** The header's line on pinning: what each side asked for, and what its processes got (from /proc); "?" where that could not be read. */
export function pinningLine(p: CpuPinningInfo): string {
  const side = (gatewaySide: boolean, asked: string | null, flag: string): string => {
    const got = gotBy(p, gatewaySide);
    return got === "" ? "" : `${got} (${asked === null ? "not pinned" : `--${flag} ${asked}`})`;
  };
  return [
    side(true, p.gateway_cpus, "gateway-cpus"),
    side(false, p.harness_cpus, "harness-cpus"),
    ...(p.overlap !== null ? [`both sets share ${p.overlap}`] : []),
  ]
    .filter((x) => x !== "")
    .join(" · ");
}

/** A process's memory in words, as both reports show it: idle, steady or growing under load, recovered after the cool-down. */
export function memoryLine(m: MemoryFigures): string {
  const mb = (v: number | null): string => (v === null ? "-" : fmtMb(v));
  const load =
    m.settled === true
      ? `steady ${mb(m.steady_mb)} under load`
      : m.settled === false
        ? `never settled under load: growing ${m.growth_mb_per_min === null ? "-" : m.growth_mb_per_min} MB/min at its end`
        : "steady state: too few load samples to tell";
  return [`idle ${mb(m.idle_mb)}`, load, m.recovered_mb === null ? "no cool-down" : `recovered ${mb(m.recovered_mb)} after the cool-down`].join(" · ");
}

/** What the memory figures mean, under the line that shows them. */
export const MEMORY_NOTE = `idle: median before the load (readiness probes and --setup aside) · steady: median of the load's last stretch within ${STEADY_BAND_PCT} % (${STEADY_MIN_SAMPLES} samples and ${STEADY_MIN_SHARE * 100} % of the load at least) · growing: slope over the load's last half · recovered: median of the cool-down's last ${RECOVERED_SAMPLES} samples`;
