// The recorder: add(result) for each finished request, gap() for each
// inter-token gap as it happens, close() once. Everything lands in HDR
// histograms and fixed-size counters, so memory does not grow with the run.
import { decodeFromCompressedBase64 } from "hdr-histogram-js";
import { encodeHistogram, newHistogram, recordMs, type Histogram } from "./histogram.ts";
import { ERROR_KIND_COUNT, ErrorKind, type RequestResult } from "./outcome.ts";
import type { Timeline } from "./timeline.ts";

export const METRICS = ["latency", "service_time", "schedule_lag", "ttfb", "ttft", "itl", "tpot", "request_path", "response_path"] as const;
export type MetricName = (typeof METRICS)[number];

/** Error kinds whose first message is kept: the kind alone does not say what happened. */
const SAMPLED: readonly boolean[] = Array.from(
  { length: ERROR_KIND_COUNT },
  (_, k) =>
    k === ErrorKind.Status ||
    k === ErrorKind.Other ||
    k === ErrorKind.StreamMalformed ||
    k === ErrorKind.Protocol ||
    k === ErrorKind.Connect ||
    k === ErrorKind.WrongShape ||
    k === ErrorKind.StreamIncomplete,
);

export class Recorder {
  readonly histograms: Record<MetricName, Histogram>;
  /** Count per HTTP status code (index = code, 0 = no response). */
  readonly statusCounts = new Uint32Array(600);
  readonly errorCounts = new Uint32Array(ERROR_KIND_COUNT);
  /** First message seen for each error kind, for the report. */
  readonly errorSamples: string[] = new Array<string>(ERROR_KIND_COUNT).fill("");
  total = 0;
  ok = 0;
  dropped = 0;
  bytesIn = 0;
  outputTokens = 0;
  /** Streams whose usage said 0 output tokens while their content events arrived: counted by their events instead. */
  usageZero = 0;
  firstSentMs = Number.POSITIVE_INFINITY;
  lastSentMs = Number.NEGATIVE_INFINITY;
  lastEndMs = Number.NEGATIVE_INFINITY;
  /** End of the last successful request: one hung failure must not stretch the throughput window. */
  lastOkEndMs = Number.NEGATIVE_INFINITY;
  /**
   * The lane's connections (warm-up included), set once its load is over:
   * how many the client opened (-1: the client cannot tell), and requests
   * sent again on a new connection because a kept-alive one was closed by
   * the server as they were written.
   */
  connectionsOpened = -1;
  keepAliveRetries = 0;
  private closed = false;

  /** `timeline`: where each request is also counted per second (shared by the warm-up's recorder and the measured one); `warm`: this recorder holds the warm-up. */
  constructor(
    readonly timeline?: Timeline,
    private readonly warm = false,
  ) {
    this.histograms = {
      latency: newHistogram(),
      service_time: newHistogram(),
      schedule_lag: newHistogram(),
      ttfb: newHistogram(),
      ttft: newHistogram(),
      itl: newHistogram(),
      tpot: newHistogram(),
      request_path: newHistogram(),
      response_path: newHistogram(),
    };
  }

  /** One gap between consecutive content events of a stream. */
  gap(ms: number): void {
    recordMs(this.histograms.itl, ms);
  }

  /** An arrival that was not sent because the in-flight cap was reached. */
  drop(atMs: number): void {
    this.dropped++;
    this.timeline?.dropped(atMs);
  }

  add(r: RequestResult): void {
    if (this.closed) throw new Error("recorder: add after close");
    if (r.error === ErrorKind.LoadGenerator) {
      // never reached the target: counted apart, not charged to it
      this.errorCounts[r.error]!++;
      if (!this.errorSamples[r.error]) this.errorSamples[r.error] = r.errorMessage;
      return;
    }
    const h = this.histograms;
    this.total++;
    this.statusCounts[r.status < 600 && r.status >= 0 ? r.status : 0]!++;
    if (r.sentMs >= 0) {
      recordMs(h.schedule_lag, r.sentMs - r.intendedMs);
      if (r.sentMs < this.firstSentMs) this.firstSentMs = r.sentMs;
      if (r.sentMs > this.lastSentMs) this.lastSentMs = r.sentMs;
    }
    if (r.endMs > this.lastEndMs) this.lastEndMs = r.endMs;
    this.bytesIn += r.bytesIn;
    if (r.error !== -1) {
      this.timeline?.ended(r.sentMs, r.endMs, undefined, this.warm);
      this.errorCounts[r.error]!++;
      if (SAMPLED[r.error] && !this.errorSamples[r.error]) {
        this.errorSamples[r.error] = r.errorMessage;
      }
      return;
    }
    this.ok++;
    if (r.endMs > this.lastOkEndMs) this.lastOkEndMs = r.endMs;
    // Latency figures describe successful requests; failures are counted above.
    recordMs(h.latency, r.endMs - r.intendedMs);
    this.timeline?.ended(r.sentMs, r.endMs, r.endMs - r.intendedMs, this.warm);
    recordMs(h.service_time, r.endMs - r.sentMs);
    // NaN: the answer carried no mock timing (the gateway dropped it, or no mock)
    if (!Number.isNaN(r.requestPathMs)) recordMs(h.request_path, r.requestPathMs);
    if (!Number.isNaN(r.responsePathMs)) recordMs(h.response_path, r.responsePathMs);
    if (r.headersMs >= 0) recordMs(h.ttfb, r.headersMs - r.sentMs);
    if (r.firstContentMs >= 0) {
      recordMs(h.ttft, r.firstContentMs - r.intendedMs);
      // a usage of 0 beside content that arrived is a gateway that lost the count, not an empty answer
      if (r.usageTokens === 0 && r.contentEvents > 0) this.usageZero++;
      const tokens = r.usageTokens > 0 ? r.usageTokens : r.contentEvents;
      this.outputTokens += tokens;
      if (tokens > 1) recordMs(h.tpot, (r.lastContentMs - r.firstContentMs) / (tokens - 1));
    }
  }

  close(): void {
    this.closed = true;
  }

  /** Everything recorded, in a form that crosses a worker boundary; times relative to `originMs`. */
  toData(originMs: number): RecorderData {
    const rel = (t: number): number => (Number.isFinite(t) ? t - originMs : t);
    const histograms: RecorderData["histograms"] = {};
    for (const name of METRICS) {
      const h = this.histograms[name];
      if (h.totalCount > 0) histograms[name] = { encoded: encodeHistogram(h), maxUs: h.maxValue };
    }
    return {
      total: this.total,
      ok: this.ok,
      dropped: this.dropped,
      bytesIn: this.bytesIn,
      outputTokens: this.outputTokens,
      usageZero: this.usageZero,
      firstSentMs: rel(this.firstSentMs),
      lastSentMs: rel(this.lastSentMs),
      lastEndMs: rel(this.lastEndMs),
      lastOkEndMs: rel(this.lastOkEndMs),
      connectionsOpened: this.connectionsOpened,
      keepAliveRetries: this.keepAliveRetries,
      statusCounts: Array.from(this.statusCounts),
      errorCounts: Array.from(this.errorCounts),
      errorSamples: [...this.errorSamples],
      histograms,
    };
  }

  /** Adds another recorder's data (a worker's), its times relative to `originMs` on this recorder's clock. Exact: histograms add bucket by bucket. */
  addData(d: RecorderData, originMs: number): void {
    this.total += d.total;
    this.ok += d.ok;
    this.dropped += d.dropped;
    this.bytesIn += d.bytesIn;
    this.outputTokens += d.outputTokens;
    this.usageZero += d.usageZero ?? 0;
    this.firstSentMs = Math.min(this.firstSentMs, d.firstSentMs + originMs);
    this.lastSentMs = Math.max(this.lastSentMs, d.lastSentMs + originMs);
    this.lastEndMs = Math.max(this.lastEndMs, d.lastEndMs + originMs);
    this.lastOkEndMs = Math.max(this.lastOkEndMs, d.lastOkEndMs + originMs);
    if (d.connectionsOpened >= 0) this.connectionsOpened = Math.max(0, this.connectionsOpened) + d.connectionsOpened;
    this.keepAliveRetries += d.keepAliveRetries;
    d.statusCounts.forEach((n, i) => (this.statusCounts[i]! += n));
    d.errorCounts.forEach((n, i) => (this.errorCounts[i]! += n));
    d.errorSamples.forEach((m, i) => {
      if (m && !this.errorSamples[i]) this.errorSamples[i] = m;
    });
    for (const [name, x] of Object.entries(d.histograms)) {
      const h = this.histograms[name as MetricName];
      const maxUs = Math.max(h.totalCount > 0 ? h.maxValue : 0, x.maxUs);
      h.add(decodeFromCompressedBase64(x.encoded));
      // the encoding keeps buckets, not the exact largest value: restore it
      (h as { maxValue: number }).maxValue = maxUs;
    }
  }
}

export interface RecorderData {
  total: number;
  ok: number;
  dropped: number;
  bytesIn: number;
  outputTokens: number;
  usageZero?: number;
  firstSentMs: number;
  lastSentMs: number;
  lastEndMs: number;
  lastOkEndMs: number;
  connectionsOpened: number;
  keepAliveRetries: number;
  statusCounts: number[];
  errorCounts: number[];
  errorSamples: string[];
  /** Compressed HdrHistogram per metric, with its exact largest value (µs). */
  histograms: Record<string, { encoded: string; maxUs: number }>;
}
