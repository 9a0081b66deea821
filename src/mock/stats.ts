// What the mock received and did, for /__stats, the run's report, and the
// summary the mock prints when it stops.
import { newHistogram, recordMs, statsOf, type Histogram } from "../metrics/histogram.ts";
import type { Fault } from "./model.ts";

/** How late the mock was against its own plan: its timers' accuracy, measured where they fire. */
export interface LatenessStats {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

export interface MockStats {
  /** API requests received (everything but /health, /__stats and /__reset). */
  requests: number;
  /** Answers per path and status: { "/v1/chat/completions": { "200": 10 } }. */
  by_path: Record<string, Record<string, number>>;
  /** Requests being answered right now (streams until their last event). */
  in_flight: number;
  in_flight_peak: number;
  /** Distinct client connections seen: a gateway that does not reuse connections opens one per request. */
  connections: number;
  streams_started: number;
  streams_completed: number;
  /** Streams whose client went away before the end (did the gateway cancel upstream?). */
  streams_aborted: number;
  /** Faults injected, by kind. */
  faults: Partial<Record<Fault, number>>;
  bytes_in: number;
  bytes_out: number;
  /** Unary answers: ready − (arrival + planned delay). Stream chunks: written − due. In ms. */
  lateness_ms: { unary?: LatenessStats; chunk?: LatenessStats };
}

export class MockCounters {
  private byPath = new Map<string, Map<number, number>>();
  private conns = new Set<string>();
  private faults: Partial<Record<Fault, number>> = {};
  requests = 0;
  inFlight = 0;
  inFlightPeak = 0;
  streamsStarted = 0;
  streamsCompleted = 0;
  streamsAborted = 0;
  bytesIn = 0;
  bytesOut = 0;
  unaryLate: Histogram = newHistogram();
  chunkLate: Histogram = newHistogram();

  enter(): void {
    if (++this.inFlight > this.inFlightPeak) this.inFlightPeak = this.inFlight;
  }
  leave(): void {
    this.inFlight--;
  }
  connection(key: string): void {
    this.conns.add(key);
  }
  faultsDone(f: Fault): void {
    this.faults[f] = (this.faults[f] ?? 0) + 1;
  }
  answered(path: string, status: number): void {
    this.requests++;
    let m = this.byPath.get(path);
    if (!m) this.byPath.set(path, (m = new Map()));
    m.set(status, (m.get(status) ?? 0) + 1);
  }

  /** Clears the counts (not what is in flight right now). */
  reset(): void {
    this.byPath = new Map();
    this.conns = new Set();
    this.faults = {};
    this.requests = this.streamsStarted = this.streamsCompleted = this.streamsAborted = this.bytesIn = this.bytesOut = 0;
    this.inFlightPeak = this.inFlight;
    this.unaryLate = newHistogram();
    this.chunkLate = newHistogram();
  }

  late(kind: "unary" | "chunk", ms: number): void {
    recordMs(kind === "unary" ? this.unaryLate : this.chunkLate, ms);
  }

  snapshot(): MockStats {
    const by: Record<string, Record<string, number>> = {};
    for (const [path, m] of this.byPath) by[path] = Object.fromEntries([...m].map(([s, n]) => [String(s), n]));
    return {
      requests: this.requests,
      by_path: by,
      in_flight: this.inFlight,
      in_flight_peak: this.inFlightPeak,
      connections: this.conns.size,
      streams_started: this.streamsStarted,
      streams_completed: this.streamsCompleted,
      streams_aborted: this.streamsAborted,
      faults: { ...this.faults },
      bytes_in: this.bytesIn,
      bytes_out: this.bytesOut,
      lateness_ms: { unary: lateness(this.unaryLate), chunk: lateness(this.chunkLate) },
    };
  }
}

function lateness(h: Histogram): LatenessStats | undefined {
  const s = statsOf(h);
  return s && { count: s.count, p50: s.p50, p99: s.p99, max: s.max };
}
