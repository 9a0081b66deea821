// Comparing two runs (gatebench compare): per metric, A's value, B's, the
// change of B against A, and whether that change is beyond the noise of
// the two measurements at 95 % confidence.
//
// Noise, per kind of metric:
// - percentiles (latency, TTFT, ITL): the order-statistic interval of each
//   run's histogram (quantileInterval, as the overhead uses it), each turned
//   into a standard error, combined as independent (√(a² + b²)), plus the
//   histograms' bucket width, as overheadOf does for gateway − direct.
//   Under MIN_TAIL requests beyond the percentile on either side: cannot
//   tell.
// - success ratio: a two-proportion z-test (pooled), with a continuity
//   correction so that a handful of failures in a large run is not called
//   significant on the normal approximation alone.
// - throughput, gateway CPU and RSS averages: Welch's t-test on the load
//   phase's per-second successful responses and per-sample CPU % / RSS MB.
//   Under MIN_SAMPLES values on either side: cannot tell.
// - overhead (gateway − direct): the two runs' own overhead bands, combined
//   as independent. Shown as a change in ms and never gated: the overhead
//   is often a fraction of a millisecond, may be 0 or negative, and a % of
//   it swings wildly (0.2 → 0.3 ms is +50 %) while meaning little; a gate
//   on it would need a bound in ms.
// - maxima and CPU per request: shown, not tested (CPU per request is the
//   CPU time over a request count that an open loop's schedule fixes, so
//   the CPU average's test stands for it).
//
// Gated by --fail-on-regression: latency p50–p99.9, TTFT p50–p99, ITL p50
// (ITL p99: see PERCENTILES), throughput, success, gateway CPU and RSS
// averages.
//
// Every test treats the values as independent, and sees nothing of the
// drift between the two runs (other load on the machine, CPU frequency):
// each band adds the metric's floor (NOISE_FLOOR), the run-to-run noise of
// separate runs, as independent noise. Requests that stall together are
// still correlated, so a regression gate pairs "beyond noise" with a bound
// on the size of the change.
import { decodeFromCompressedBase64 } from "hdr-histogram-js";
import { differenceBandUs, MIN_TAIL, quantileInterval } from "./overhead.ts";
import { floorOf, MIN_SAMPLES, NOISE_FLOOR, proportionBand, welchBand } from "./noise.ts";
import type { SeriesPoint } from "./resources.ts";
import type { Summary } from "./summary.ts";
import type { SecondRow } from "./timeline.ts";

export { MIN_SAMPLES, NOISE_FLOOR, proportionBand, tCritical95, welchBand } from "./noise.ts";

/** What a comparison reads of a result document (ResultDoc has these fields). */
export interface ComparedRun {
  summary: Summary;
  histograms: Record<string, string>;
  timeline?: SecondRow[];
  resources_series?: Record<string, SeriesPoint[]>;
}

export type Unit = "ms" | "req/s" | "ratio" | "cpu%" | "MB";
export type NoiseTest = "order statistics" | "two-proportion z" | "welch t" | "overhead bands" | "none";
export type Verdict = "noise" | "better" | "worse" | "n/a";

/** One metric of B set against A (a JSON contract of gatebench compare --json). */
export interface CompareRow {
  /** Stable id, e.g. "latency.p99", "gateway.cpu_pct_avg". */
  key: string;
  label: string;
  unit: Unit;
  a: number;
  b: number;
  /** (b − a) / a in %; null when a is 0. */
  change_pct: number | null;
  /** false: the change is read as b − a in the metric's unit (overhead), not as a %. */
  relative: boolean;
  /** Half-width of the 95 % interval of b − a, in the metric's unit; null when it cannot be told or is not tested. */
  band: number | null;
  test: NoiseTest;
  /** Why there is no band. */
  why?: string;
  verdict: Verdict;
  /** Whether --fail-on-regression applies to this metric. */
  gated: boolean;
  /** Worse beyond noise, and by more than the bound. */
  regression: boolean;
}

interface Spec {
  key: string;
  label: string;
  unit: Unit;
  /** Which way is better. */
  better: "lower" | "higher";
  gated: boolean;
  relative?: boolean;
}

/**
 * A row from the two values and the band of their difference: the band
 * measured within the runs, with `floor` (the run-to-run noise, NOISE_FLOOR)
 * added as an independent source of noise.
 */
function row(s: Spec, a: number, b: number, measured: number | null, test: NoiseTest, why?: string, floor = 0): CompareRow {
  const band = measured === null ? null : Math.hypot(measured, floor);
  const diff = b - a;
  const worse = s.better === "lower" ? diff > 0 : diff < 0;
  const verdict: Verdict = band === null ? "n/a" : Math.abs(diff) <= band ? "noise" : worse ? "worse" : "better";
  return {
    key: s.key,
    label: s.label,
    unit: s.unit,
    a,
    b,
    change_pct: a === 0 ? null : (diff / Math.abs(a)) * 100,
    relative: s.relative ?? true,
    band,
    test,
    ...(band === null && why ? { why } : {}),
    verdict,
    gated: s.gated,
    regression: false,
  };
}

// ---- metrics -----------------------------------------------------------------

/**
 * Percentiles compared, as [key, p, gated]. ITL p99 is shown but not
 * gated: the gaps are far from independent (one pause of the gateway
 * stretches a gap in every open stream at once), so the band of its tail
 * is much too narrow and a gate on it would fail on a hiccup.
 */
const PERCENTILES: Record<string, [string, number, boolean][]> = {
  latency: [
    ["p50", 50, true],
    ["p90", 90, true],
    ["p99", 99, true],
    ["p999", 99.9, true],
  ],
  ttft: [
    ["p50", 50, true],
    ["p90", 90, true],
    ["p99", 99, true],
  ],
  itl: [
    ["p50", 50, true],
    ["p99", 99, false],
  ],
};
const LABEL: Record<string, string> = { latency: "latency", ttft: "TTFT", itl: "ITL" };
const pLabel = (key: string): string => (key === "p999" ? "p99.9" : key);
const msOf = (us: number): number => Math.round(us) / 1000;

function percentileRows(a: ComparedRun, b: ComparedRun): CompareRow[] {
  const rows: CompareRow[] = [];
  for (const [metric, ps] of Object.entries(PERCENTILES)) {
    const ea = a.histograms[metric];
    const eb = b.histograms[metric];
    if (!ea || !eb) continue;
    const ha = decodeFromCompressedBase64(ea);
    const hb = decodeFromCompressedBase64(eb);
    if (ha.totalCount === 0 || hb.totalCount === 0) continue;
    for (const [key, p, gated] of ps) {
      const band = differenceBandUs(ha, hb, p);
      const spec: Spec = { key: `${metric}.${key}`, label: `${LABEL[metric]} ${pLabel(key)}`, unit: "ms", better: "lower", gated };
      const why = `under ${MIN_TAIL} requests beyond ${pLabel(key)} in a run`;
      const [va, vb] = [msOf(quantileInterval(ha, p).value), msOf(quantileInterval(hb, p).value)];
      rows.push(row(spec, va, vb, band === null ? null : band / 1000, "order statistics", why, floorOf(NOISE_FLOOR.percentile, va, vb)));
    }
  }
  return rows;
}

/**
 * Successful responses per second over the seconds of the load phase in
 * which requests were sent (the drain after the schedule left out), and
 * the last of them too when it is a partial second (under 90 % of the
 * median requests sent).
 */
export function okPerSecond(timeline: SecondRow[] | undefined): number[] {
  const sending = (timeline ?? []).filter((r) => r.phase === "load" && r.sent > 0);
  if (sending.length === 0) return [];
  const sent = sending.map((r) => r.sent).sort((x, y) => x - y);
  const median = sent[Math.floor(sent.length / 2)]!;
  if (sending[sending.length - 1]!.sent < 0.9 * median) sending.pop();
  return sending.map((r) => r.completed - r.errors);
}

/** The gateway's load-phase samples of one field (CPU readings over too short an interval are null and left out). */
export function loadSamples(run: ComparedRun, field: "cpu_pct" | "rss_mb"): number[] {
  const xs: number[] = [];
  for (const s of run.resources_series?.gateway ?? []) {
    const v = s[field];
    if (s.phase === "load" && v !== null) xs.push(v);
  }
  return xs;
}

function requestRows(a: ComparedRun, b: ComparedRun): CompareRow[] {
  const qa = a.summary.requests;
  const qb = b.summary.requests;
  const [sa, sb] = [okPerSecond(a.timeline), okPerSecond(b.timeline)];
  const tput = welchBand(sa, sb);
  // a count over whole seconds: one request more or less in either run moves it by 1/seconds
  const tputFloor = Math.max(floorOf(NOISE_FLOOR.throughput, qa.throughput, qb.throughput), sa.length && sb.length ? 1 / sa.length + 1 / sb.length : 0);
  const sent = (q: typeof qa): number => q.total + q.dropped;
  return [
    row(
      { key: "throughput", label: "throughput", unit: "req/s", better: "higher", gated: true },
      qa.throughput,
      qb.throughput,
      tput,
      "welch t",
      `under ${MIN_SAMPLES} whole seconds of load in a run`,
      tputFloor,
    ),
    row(
      { key: "success_ratio", label: "success", unit: "ratio", better: "higher", gated: true },
      qa.success_ratio,
      qb.success_ratio,
      proportionBand(qa.ok, sent(qa), qb.ok, sent(qb)),
      "two-proportion z",
      "no requests",
    ),
  ];
}

/** Overhead (gateway − direct) p50 and p99: compared in ms, not gated (see docs/figures.md: a % of a sub-millisecond figure says little). */
function overheadRows(a: ComparedRun, b: ComparedRun): CompareRow[] {
  const oa = a.summary.overhead_ms?.latency;
  const ob = b.summary.overhead_ms?.latency;
  if (!oa || !ob) return [];
  return (["p50", "p99"] as const).map((k) => {
    const ba = a.summary.overhead_band_ms?.latency?.[k] ?? null;
    const bb = b.summary.overhead_band_ms?.latency?.[k] ?? null;
    const band = ba === null || bb === null ? null : Math.hypot(ba, bb);
    const spec: Spec = { key: `overhead.latency.${k}`, label: `overhead ${k}`, unit: "ms", better: "lower", gated: false, relative: false };
    // the overhead is a difference of two latencies: its run-to-run noise is a share of theirs, not of itself
    const floor = floorOf(NOISE_FLOOR.overhead, a.summary.latency_ms?.[k] ?? 0, b.summary.latency_ms?.[k] ?? 0);
    return row(spec, oa[k], ob[k], band, "overhead bands", `under ${MIN_TAIL} requests beyond ${k} in a run`, floor);
  });
}

function resourceRows(a: ComparedRun, b: ComparedRun): CompareRow[] {
  const la = a.summary.resources?.gateway?.load;
  const lb = b.summary.resources?.gateway?.load;
  const rows: CompareRow[] = [];
  if (la && lb) {
    const few = `under ${MIN_SAMPLES} load-phase samples in a run`;
    if (la.cpu_pct_avg !== null && lb.cpu_pct_avg !== null) {
      const band = welchBand(loadSamples(a, "cpu_pct"), loadSamples(b, "cpu_pct"));
      rows.push(
        row(
          { key: "gateway.cpu_pct_avg", label: "gateway CPU avg", unit: "cpu%", better: "lower", gated: true },
          la.cpu_pct_avg,
          lb.cpu_pct_avg,
          band,
          "welch t",
          few,
          floorOf(NOISE_FLOOR.cpu, la.cpu_pct_avg, lb.cpu_pct_avg),
        ),
      );
    }
    const rss = welchBand(loadSamples(a, "rss_mb"), loadSamples(b, "rss_mb"));
    rows.push(
      row(
        { key: "gateway.rss_mb_avg", label: "gateway RSS avg", unit: "MB", better: "lower", gated: true },
        la.rss_mb_avg,
        lb.rss_mb_avg,
        rss,
        "welch t",
        few,
        floorOf(NOISE_FLOOR.rss, la.rss_mb_avg, lb.rss_mb_avg),
      ),
    );
    rows.push(
      row(
        { key: "gateway.rss_mb_max", label: "gateway RSS max", unit: "MB", better: "lower", gated: false },
        la.rss_mb_max,
        lb.rss_mb_max,
        null,
        "none",
        "a maximum: not tested",
      ),
    );
  }
  const ca = a.summary.derived?.gateway_cpu_ms_per_request;
  const cb = b.summary.derived?.gateway_cpu_ms_per_request;
  if (ca !== undefined && cb !== undefined) {
    const spec: Spec = { key: "gateway.cpu_ms_per_request", label: "gateway CPU per request", unit: "ms", better: "lower", gated: false };
    rows.push(row(spec, ca, cb, null, "none", "not tested: see gateway CPU avg"));
  }
  return rows;
}

/**
 * B against A, metric by metric (only metrics both runs have). With
 * `boundPct`, a gated metric that is worse beyond noise by more than that
 * percentage is a regression; a change from 0 has no percentage and is
 * never one.
 */
export function compareRuns(a: ComparedRun, b: ComparedRun, boundPct?: number): CompareRow[] {
  const rows = [...percentileRows(a, b), ...requestRows(a, b), ...overheadRows(a, b), ...resourceRows(a, b)];
  if (boundPct !== undefined) {
    for (const r of rows) r.regression = r.gated && r.verdict === "worse" && r.change_pct !== null && Math.abs(r.change_pct) > boundPct;
  }
  return rows;
}
