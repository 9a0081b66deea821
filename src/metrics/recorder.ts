// The recorder: add(result) for each finished request, gap() for each
// inter-token gap as it happens, close() once. Everything lands in HDR
// histograms and fixed-size counters, so memory does not grow with the run.
import { newHistogram, recordMs, type Histogram } from "./histogram.ts";
import { ERROR_KIND_COUNT, ErrorKind, type RequestResult } from "./outcome.ts";

export const METRICS = [
  "latency",
  "service_time",
  "schedule_lag",
  "ttfb",
  "ttft",
  "itl",
  "tpot",
] as const;
export type MetricName = (typeof METRICS)[number];

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
  firstSentMs = Number.POSITIVE_INFINITY;
  lastSentMs = Number.NEGATIVE_INFINITY;
  lastEndMs = Number.NEGATIVE_INFINITY;
  /** End of the last successful request: one hung failure must not stretch the throughput window. */
  lastOkEndMs = Number.NEGATIVE_INFINITY;
  private closed = false;

  constructor() {
    this.histograms = {
      latency: newHistogram(),
      service_time: newHistogram(),
      schedule_lag: newHistogram(),
      ttfb: newHistogram(),
      ttft: newHistogram(),
      itl: newHistogram(),
      tpot: newHistogram(),
    };
  }

  /** One gap between consecutive content events of a stream. */
  gap(ms: number): void {
    recordMs(this.histograms.itl, ms);
  }

  /** An arrival that was not sent because the in-flight cap was reached. */
  drop(): void {
    this.dropped++;
  }

  add(r: RequestResult): void {
    if (this.closed) throw new Error("recorder: add after close");
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
      this.errorCounts[r.error]!++;
      if (r.error === ErrorKind.Other && !this.errorSamples[r.error]) {
        this.errorSamples[r.error] = r.errorMessage;
      }
      return;
    }
    this.ok++;
    if (r.endMs > this.lastOkEndMs) this.lastOkEndMs = r.endMs;
    // Latency figures describe successful requests; failures are counted above.
    recordMs(h.latency, r.endMs - r.intendedMs);
    recordMs(h.service_time, r.endMs - r.sentMs);
    if (r.headersMs >= 0) recordMs(h.ttfb, r.headersMs - r.sentMs);
    if (r.firstContentMs >= 0) {
      recordMs(h.ttft, r.firstContentMs - r.intendedMs);
      const tokens = r.usageTokens >= 0 ? r.usageTokens : r.contentEvents;
      this.outputTokens += tokens;
      if (tokens > 1) recordMs(h.tpot, (r.lastContentMs - r.firstContentMs) / (tokens - 1));
    }
  }

  close(): void {
    this.closed = true;
  }
}
