// The run's summary in the shape of the JSON result contract (docs/DESIGN.md).
import type { TranslationCheck } from "./translation.ts";
import { statsOf, type Histogram, type Stats } from "./histogram.ts";
import { overheadOf, type BandRow, type OverheadRow } from "./overhead.ts";
import { ERROR_KIND_NAMES } from "./outcome.ts";
import type { Recorder } from "./recorder.ts";
import type { MemoryFigures } from "./memory.ts";
import type { PhaseUsage, ResourceAccumulator } from "./resources.ts";
import type { GateResult, TargetsSummary } from "./verdicts.ts";

export interface RequestsSummary {
  total: number;
  ok: number;
  failed: number;
  dropped: number;
  /** Requests sent per second of the sending window. */
  rate: number;
  /** Successful responses per second of the run (the schedule, or first send to last response if longer). */
  throughput: number;
  success_ratio: number;
  /** Most requests open at once (with several workers, the sum of their peaks: an upper bound). */
  in_flight_peak?: number;
}

export interface Summary {
  requests: RequestsSummary;
  latency_ms?: Stats;
  service_time_ms?: Stats;
  schedule_lag_ms?: Stats;
  ttfb_ms?: Stats;
  ttft_ms?: Stats;
  itl_ms?: Stats;
  tpot_ms?: Stats;
  /** From the mock's timing: send → the mock received the request; the mock sent the answer (or last event) → last byte. */
  request_path_ms?: Stats;
  response_path_ms?: Stats;
  /** usage_zero: streams whose usage reported 0 output tokens while content arrived, counted by their content events instead. */
  output_tokens?: { total: number; per_second: number; usage_zero?: number };
  status_codes: Record<string, number>;
  errors: Record<string, number>;
  /** The first message seen for error kinds that need one to be understood (other, stream_malformed). */
  error_samples?: Record<string, string>;
  resources: Record<string, Record<string, PhaseUsage>>;
  /** Each sampled process's idle, steady (or growth) and recovered RSS (metrics/memory.ts). */
  memory?: Record<string, MemoryFigures>;
  /** A translation run (--upstream-api): whether the gateway called the mock in the expected API, with the mock's counts as evidence. */
  translation?: TranslationCheck;
  warnings?: string[];
  /** Set when the mock, not the gateway, set the pace (its CPU near a core per process): why, in words. */
  mock_bound?: string;
  /** Figures derived from the gateway's resource samples. */
  derived?: {
    gateway_rss_growth_mb_per_min?: number;
    gateway_rss_mb_per_stream?: number;
    gateway_cpu_ms_per_request?: number;
  };
  /** The baseline: the same load straight to the mock. */
  direct?: Omit<Summary, "resources" | "direct" | "overhead_ms" | "overhead_band_ms" | "warnings" | "mock_bound" | "derived" | "slo" | "targets" | "upstream">;
  /** What the gateway sent upstream (the mock's counts), when the mock was used. */
  upstream?: UpstreamFigures;
  /** Gateway − direct per percentile, ms (docs/DESIGN.md: overhead(p)). */
  overhead_ms?: OverheadSet;
  /** Half-width of each overhead's 95 % interval, ms: a difference within it cannot be told from noise. */
  overhead_band_ms?: BandSet;
  /** Gates checked after the run (k6-style thresholds). */
  slo?: GateResult[];
  /** A preset of targets (--targets), judged on every run; they count as gates only with --strict. */
  targets?: TargetsSummary;
}

/** Overhead rows for the metrics both paths have. */
export interface OverheadSet {
  latency?: OverheadRow;
  ttfb?: OverheadRow;
  ttft?: OverheadRow;
  itl?: OverheadRow;
  request_path?: OverheadRow;
  response_path?: OverheadRow;
}

/** What the gateway did upstream, from the mock's counts set against what was sent to the gateway. */
export interface UpstreamFigures {
  /** Requests the mock received. */
  requests: number;
  /** Per request sent to the gateway (warm-up included, as the mock counts it): above 1, retries or fan-out. */
  per_request_sent: number;
  /** Requests per upstream connection: 1 means a new connection for each request. */
  per_connection: number | null;
  streams_completed: number;
  /** Streams abandoned before their end, as the upstream saw it. */
  streams_abandoned: number;
  /** Requests the client gave up on (timeouts, aborts): each should be cancelled upstream too. */
  client_gave_up: number;
}

/** The mock's counts (its /__stats) as figures about the gateway. */
export function upstreamFigures(
  received: { requests: number; connections: number; streams_completed: number; streams_aborted: number },
  sentToGateway: number,
  errors: Record<string, number>,
): UpstreamFigures {
  return {
    requests: received.requests,
    per_request_sent: sentToGateway > 0 ? round(received.requests / sentToGateway, 3) : 0,
    per_connection: received.connections > 0 ? round(received.requests / received.connections, 1) : null,
    streams_completed: received.streams_completed,
    streams_abandoned: received.streams_aborted,
    client_gave_up: (errors.timeout ?? 0) + (errors.aborted ?? 0),
  };
}

/** The bands of an OverheadSet. */
export type BandSet = { [K in keyof OverheadSet]?: BandRow };

/** The metrics whose overhead is reported. */
export const OVERHEAD_METRICS = ["latency", "ttfb", "ttft", "itl", "request_path", "response_path"] as const;

/**
 * The overhead of every metric both paths have, with its band: `pair(m)`
 * gives the gateway's and the direct histogram of m, or undefined;
 * `together`: a closed loop's connections (overheadOf).
 */
export function overheadSets(
  pair: (m: (typeof OVERHEAD_METRICS)[number]) => [Histogram, Histogram] | undefined,
  together = 1,
): { value: OverheadSet; band: BandSet } {
  const value: OverheadSet = {};
  const band: BandSet = {};
  for (const m of OVERHEAD_METRICS) {
    const hs = pair(m);
    const o = hs ? overheadOf(hs[0], hs[1], together) : undefined;
    if (!o) continue;
    value[m] = o.value;
    band[m] = o.band;
  }
  return { value, band };
}

/** ok ÷ (sent + dropped), 6 digits; 0 with nothing sent. */
export const successRatio = (ok: number, total: number, dropped: number): number => (total + dropped > 0 ? round(ok / (total + dropped), 6) : 0);

/**
 * Adds the baseline to a summary: the direct path's own summary, and the
 * overhead of the gateway over it per percentile with its 95 % band.
 */
export function withBaseline(s: Summary, gateway: Recorder, direct: Recorder, scheduledMs: number, sliced: boolean, together = 1): void {
  const { resources: _, ...d } = summarize(direct, scheduledMs, {}, sliced);
  s.direct = d;
  const { value, band } = overheadSets((m) => [gateway.histograms[m], direct.histograms[m]], together);
  s.overhead_ms = value;
  s.overhead_band_ms = band;
}

const round = (x: number, digits: number): number => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

/**
 * Requests sent per second. Arrivals at 0, 1/R, …, (n-1)/R span (n-1)/R
 * seconds, so the sending window is counted as n intervals (the schedule's
 * own length when `scheduledMs` is given), which gives back R for a run
 * that kept to its schedule.
 */
export function rateOf(sent: number, windowMs: number): number {
  return windowMs > 0 ? sent / (windowMs / 1000) : 0;
}

export function summarize(
  rec: Recorder,
  scheduledMs: number,
  resources: Record<string, Record<string, PhaseUsage>>,
  /** The requests were sent in slices interleaved with another path's: the span from first to last send includes the other's time. */
  sliced = false,
): Summary {
  const failed = rec.total - rec.ok;
  const sentWindowMs = sliced ? scheduledMs : Math.max(scheduledMs, rec.lastSentMs - rec.firstSentMs);
  // Throughput is over the whole run: the schedule, or longer when the last
  // successful responses came in after it ended (streams); never shorter, so
  // a run that kept up shows throughput = rate. Failures do not stretch it.
  const tailMs = sliced ? Math.max(0, rec.lastOkEndMs - rec.lastSentMs) + sentWindowMs : rec.lastOkEndMs - rec.firstSentMs;
  const doneWindowMs = Math.max(sentWindowMs, tailMs);
  const h = rec.histograms;
  const status: Record<string, number> = {};
  rec.statusCounts.forEach((n, code) => {
    if (n > 0) status[String(code)] = n;
  });
  const errors: Record<string, number> = {};
  rec.errorCounts.forEach((n, kind) => {
    if (n > 0) errors[ERROR_KIND_NAMES[kind]!] = n;
  });
  const samples: Record<string, string> = {};
  rec.errorSamples.forEach((m, kind) => {
    if (m) samples[ERROR_KIND_NAMES[kind]!] = m;
  });
  const s: Summary = {
    requests: {
      total: rec.total,
      ok: rec.ok,
      failed,
      dropped: rec.dropped,
      rate: round(rateOf(rec.total, sentWindowMs), 3),
      throughput: round(rateOf(rec.ok, doneWindowMs), 3),
      success_ratio: successRatio(rec.ok, rec.total, rec.dropped),
    },
    latency_ms: statsOf(h.latency),
    service_time_ms: statsOf(h.service_time),
    schedule_lag_ms: statsOf(h.schedule_lag),
    ttfb_ms: statsOf(h.ttfb),
    ttft_ms: statsOf(h.ttft),
    itl_ms: statsOf(h.itl),
    tpot_ms: statsOf(h.tpot),
    request_path_ms: statsOf(h.request_path),
    response_path_ms: statsOf(h.response_path),
    status_codes: status,
    errors,
    ...(Object.keys(samples).length > 0 ? { error_samples: samples } : {}),
    resources,
  };
  if (rec.outputTokens > 0) {
    s.output_tokens = {
      total: rec.outputTokens,
      per_second: round(rateOf(rec.outputTokens, doneWindowMs), 1),
      ...(rec.usageZero > 0 ? { usage_zero: rec.usageZero } : {}),
    };
  }
  return s;
}

/**
 * Figures derived from the resource samples: the gateway's memory growth
 * over the load (MB/min, least squares), its memory per concurrent request
 * or stream, and its CPU per request.
 */
export function derivedFigures(s: Summary, acc: ResourceAccumulator, requests: number, stream: boolean, cpuPhases: string[] = ["load"]): Summary["derived"] {
  const gw = s.resources.gateway;
  const load = gw?.load;
  if (!gw || !load) return undefined;
  const idleRss = gw.idle?.rss_mb_avg;
  const peak = s.requests.in_flight_peak ?? 0;
  const out: NonNullable<Summary["derived"]> = {};
  const growth = acc.rssSlopeMbPerMin("gateway", "load");
  if (growth !== undefined) out.gateway_rss_growth_mb_per_min = growth;
  // per open stream: what each held-open stream costs (for unary requests the figure is mostly noise)
  if (stream && idleRss !== undefined && peak > 0) out.gateway_rss_mb_per_stream = Math.round(((load.rss_mb_max - idleRss) / peak) * 1000) / 1000;
  // CPU time over the phases in which the gateway handled the measured requests (time-weighted average × length)
  let cpuMs = 0;
  for (const phase of cpuPhases) {
    const avg = gw[phase]?.cpu_pct_avg;
    if (avg != null) cpuMs += (avg / 100) * acc.phaseMs("gateway", phase);
  }
  if (load.cpu_pct_avg !== null && requests > 0 && cpuMs > 0) out.gateway_cpu_ms_per_request = Math.round((cpuMs * 1000) / requests) / 1000;
  return out;
}
