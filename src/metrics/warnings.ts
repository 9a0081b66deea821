// Plain-language warnings about a run whose figures need a caveat. Pure:
// from the summary and a few facts about the run, to sentences.
import type { Summary } from "./summary.ts";

export interface WarningFacts {
  /** Length of the load phase that actually ran. */
  loadMs: number;
  sampleIntervalMs: number;
  maxInFlight: number;
  /** Closed loop: there is no schedule to fall behind. */
  closedLoop?: boolean;
  /** Load generator processes (each one's JS thread can reach 100 %). */
  workers?: number;
  /** Set (to the mock's address) when the mock was started for an attached gateway and received nothing. */
  unusedMock?: string;
  /** The open-file limit of gatebench's process (ulimit -n), when known. */
  fdLimit?: number;
  /** Idle keep-alive connections the HTTP client keeps (per process); more requests open than this churn connections. */
  poolSize?: number;
  /** The interleaved baseline's slice length, when there was one. */
  sliceMs?: number;
}

/** Latency p50 above this share of an interleaved slice (fewer than 4 answers per slice; the default slice holds 5): the paths' loads overlap too little. */
export const SLICE_SHARE_WARN = 0.25;

/** Schedule lag (p99) under this is never reported: the figures' usual resolution on a busy machine. */
export const LAG_WARN_MS = 1;
/** Schedule lag p99 above this share of the latency p99 is reported: it is no longer small next to the tail it lengthens. */
export const LAG_WARN_SHARE = 0.1;
/** Above this share, the generator, not only the gateway, set the pace. */
export const LAG_SEVERE_SHARE = 0.5;
/** A schedule lag p50 above this is a lasting backlog, not a busy machine's pauses (a sweep step limited by the generator). */
export const LAG_SEVERE_MS = 5;
/** Memory growth under load (MB/min) above which a leak is suspected, in loads of at least LEAK_MIN_LOAD_MS (shorter ones mostly show buffers and caches filling). */
export const LEAK_MB_PER_MIN = 5;
export const LEAK_MIN_LOAD_MS = 30_000;
/** The generator's own CPU (average over the load, % of one core per worker) above which it is the likely limit. */
export const GENERATOR_CPU_WARN_PCT = 90;

/** Gateway ITL p50 under this share of the direct one: events arrive in clumps. */
export const CLUMP_RATIO = 0.25;
/** Time the gateway adds between the headers and the first token (ms) above which it holds the stream back (and at least this share of the direct stream's length). */
export const HOLD_MIN_MS = 20;
export const HOLD_SHARE = 0.2;

/**
 * Signs that the gateway buffers a stream instead of passing events on as
 * they come (a proxy with buffering on): content events bunched together
 * where the mock spaced them out, or the first token held back well past
 * the headers. The reason in words, or undefined.
 */
export function bufferingSign(s: Summary): string | undefined {
  const d = s.direct;
  if (!d) return undefined;
  const reasons: string[] = [];
  const itl = s.itl_ms;
  if (itl && d.itl_ms && d.itl_ms.p50 >= 2 && itl.p50 < CLUMP_RATIO * d.itl_ms.p50) {
    reasons.push(`content events came in clumps (ITL p50 ${itl.p50} ms through the gateway, ${d.itl_ms.p50} ms direct)`);
  }
  const o = s.overhead_ms;
  if (o?.ttft && o.ttfb && d.latency_ms && d.ttft_ms) {
    // what the gateway adds after the headers and before the first token
    const hold = o.ttft.p50 - o.ttfb.p50;
    const streamMs = d.latency_ms.p50 - d.ttft_ms.p50;
    if (hold > Math.max(HOLD_MIN_MS, HOLD_SHARE * streamMs)) {
      reasons.push(
        `the first token came ${Math.round(hold)} ms later than the headers warrant (TTFT overhead p50 ${o.ttft.p50} ms, TTFB overhead p50 ${o.ttfb.p50} ms)`,
      );
    }
  }
  return reasons.length > 0 ? reasons.join("; ") : undefined;
}

export function warningsFor(s: Summary, f: WarningFacts): string[] {
  const w: string[] = [];
  const buffered = bufferingSign(s);
  if (buffered) {
    w.push(
      `the gateway probably buffers streams: ${buffered}. Clients see tokens late and in bursts. For nginx: proxy_buffering off; for HAProxy: option http-no-delay; other proxies: turn response buffering off for text/event-stream.`,
    );
  }
  const zero = s.output_tokens?.usage_zero ?? 0;
  if (zero > 0)
    w.push(
      `${zero} ${zero === 1 ? "stream's" : "streams'"} usage reported 0 output tokens while their content arrived: the gateway does not pass the usage through (a translating gateway that never asked the upstream for it, say). Output tokens and TPOT count those streams' content events instead.`,
    );
  const q = s.requests;
  if (q.dropped > 0) {
    w.push(
      `${q.dropped} ${q.dropped === 1 ? "arrival was" : "arrivals were"} dropped: ${f.maxInFlight} ${f.maxInFlight === 1 ? "request was" : "requests were"} already open when they were due (--max-in-flight). ${f.maxInFlight < 1000 ? "Raise --max-in-flight, or the" : "The"} gateway (or the machine) cannot keep up with this rate.`,
    );
  }
  const local = s.errors.load_generator ?? 0;
  if (local > 0) {
    w.push(
      `${local} ${local === 1 ? "request" : "requests"} could not be sent: this machine ran out of file descriptors or ephemeral ports. That is the load generator's limit, not the target's: they are left out of the requests, failures and success ratio above. Raise the open-file limit (ulimit -n 65536), or lower the load or --connections.`,
    );
  }
  const lagWarning = lagWarningOf(s, f.closedLoop === true);
  if (lagWarning) w.push(lagWarning);
  const peak = q.in_flight_peak ?? 0;
  if (f.poolSize !== undefined && peak > f.poolSize) {
    w.push(
      `up to ${peak} requests were open at once, but Bun's fetch keeps at most ${f.poolSize} idle connections per process: beyond ${f.poolSize}, connections to the target were opened and closed per request, which costs the target more than a pool of ${peak} would. Compare at a load with fewer requests open, or read the target's CPU with that in mind.`,
    );
  }
  if (f.fdLimit !== undefined && peak > f.fdLimit * 0.8) {
    w.push(
      `up to ${peak} requests were open, close to the open-file limit of ${f.fdLimit} (ulimit -n): connections beyond it cannot be opened (load_generator errors). Raise it before the run: ulimit -n 65536.`,
    );
  }
  const growth = s.derived?.gateway_rss_growth_mb_per_min;
  const gwLoad = s.resources.gateway?.load;
  const cool = s.resources.gateway?.cooldown;
  // a leak looks like steady growth under load that does not come back afterwards
  if (
    growth !== undefined &&
    gwLoad &&
    f.loadMs >= LEAK_MIN_LOAD_MS &&
    growth > LEAK_MB_PER_MIN &&
    (!cool || cool.rss_mb_end > gwLoad.rss_mb_start + (gwLoad.rss_mb_max - gwLoad.rss_mb_start) * 0.5)
  ) {
    w.push(
      `the gateway's memory grew ${growth} MB/min under load (${gwLoad.rss_mb_start} → ${gwLoad.rss_mb_max} MB)${cool ? ` and was still ${cool.rss_mb_end} MB after the cool-down` : ""}: a leak is possible. Run longer (--duration 5m) to tell a leak from a cache filling up.`,
    );
  }
  const p50 = s.latency_ms?.p50;
  if (f.sliceMs !== undefined && p50 !== undefined && p50 > SLICE_SHARE_WARN * f.sliceMs) {
    w.push(
      `requests took ${p50} ms (p50), long next to the ${f.sliceMs / 1000} s slices of the interleaved baseline: each path held fewer requests open than the same load alone would (a request runs on into the other path's slice). Give --baseline-slice ${Math.ceil((5 * p50) / 1000)}s or more, or --baseline sequential.`,
    );
  }
  if (f.unusedMock && q.total > 0) {
    w.push(
      `the mock received no requests: the gateway did not call it. If the gateway should use the mock, point it at ${f.unusedMock} ({{MOCK_URL}} in a --gateway command or config template; --mock-port fixes the port), or run with --no-mock.`,
    );
  }
  const own = s.resources.gatebench?.load;
  const workers = f.workers ?? 1;
  if (own?.cpu_pct_avg != null && own.cpu_pct_avg >= GENERATOR_CPU_WARN_PCT * workers) {
    w.push(
      `gatebench itself used ${own.cpu_pct_avg.toFixed(0)} % CPU during the load: the generator is near its limit, so the rate and throughput figures may understate what the target can take. Try --workers ${workers + 1} on a machine with a free core, or a lower rate.`,
    );
  }
  if (q.total + q.dropped > 0 && q.success_ratio < 1) {
    w.push(`success ${(q.success_ratio * 100).toFixed(2)} %: see the status codes and errors above; latency percentiles cover successful requests only.`);
  }
  // loadMs spans every phase of the load: the warm-up, the measured load, the baseline's slices between its slices, the drain
  const gw = s.resources.gateway;
  const taken = gw ? (["warmup", "load", "baseline", "drain"] as const).reduce((n, phase) => n + (gw[phase]?.samples ?? 0), 0) : 0;
  const expected = Math.floor(f.loadMs / f.sampleIntervalMs);
  if (gw?.load && expected >= 4 && taken < expected / 2) {
    w.push(
      `only ${taken} resource samples while the load ran (about ${expected} expected): gatebench was too busy to sample on time, so CPU and RSS figures are rough.`,
    );
  }
  return w;
}

/**
 * Schedule lag, judged next to the latencies measured: a lag p99 over 1 ms
 * and over a tenth of the latency p99 (the tail a late send lengthens) is
 * reported; over half of it, the generator set the pace. None in a closed loop (no schedule), nor without
 * a successful request to compare with.
 */
function lagWarningOf(s: Summary, closedLoop: boolean): string | undefined {
  const lag = s.schedule_lag_ms;
  const p99 = s.latency_ms?.p99;
  if (closedLoop || !lag || p99 === undefined || !(p99 > 0) || lag.p99 <= LAG_WARN_MS) return undefined;
  const share = lag.p99 / p99;
  if (share <= LAG_WARN_SHARE) return undefined;
  const pct = `${Math.round(share * 100)} %`;
  if (share > LAG_SEVERE_SHARE)
    return `gatebench fell behind its own schedule (schedule lag p99 ${lag.p99} ms, ${pct} of the latency p99 of ${p99} ms; max ${lag.max} ms): latency includes that delay, so the figures overstate what the target adds. Lower the rate, or give gatebench more CPU than the gateway and the mock leave it.`;
  return `1 % of requests left more than ${lag.p99} ms after they were due (schedule lag p99, ${pct} of the latency p99 of ${p99} ms; max ${lag.max} ms): latency counts that delay too. A busy or virtualised machine shows it first.`;
}
