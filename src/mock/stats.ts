// What the mock received and did, for /__stats, the run's report, and the
// summary the mock prints when it stops.
import { decodeFromCompressedBase64 } from "hdr-histogram-js";
import { encodeHistogram, newHistogram, percentileMs, recordMs, type Histogram } from "../metrics/histogram.ts";
import type { Api } from "../apis.ts";
import type { Fault } from "./model.ts";

/** The APIs /__stats counts requests of: the four generation APIs (src/apis.ts), and OpenAI's legacy paths. */
export const STAT_APIS = ["chat", "responses", "messages", "gemini", "completions", "embeddings"] as const satisfies readonly (
  | Api
  | "completions"
  | "embeddings"
)[];
export type StatApi = (typeof STAT_APIS)[number];

/** One API's requests: received, and refused because they did not match that API (malformed body, missing header or key, wrong method). */
export interface ApiCount {
  requests: number;
  rejected: number;
}

const apiCounts = (): Record<StatApi, ApiCount> => Object.fromEntries(STAT_APIS.map((a) => [a, { requests: 0, rejected: 0 }])) as Record<StatApi, ApiCount>;

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
  /**
   * Requests received per API (every key of STAT_APIS, zeros included), and how many of them were
   * refused because their shape or headers did not match that API: what a gateway really sent upstream.
   */
  by_api: Record<string, ApiCount>;
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
  /** With several processes on the port: the requests each one answered, by pid. */
  processes?: { pid: number; requests: number }[];
}

export class MockCounters {
  private byPath = new Map<string, Map<number, number>>();
  private conns = new Set<string>();
  private ports = new Set<number>();
  private firstAddress: string | undefined;
  private lastPath = "";
  private lastMap: Map<number, number> | undefined;
  private faults: Partial<Record<Fault, number>> = {};
  /** Counted by the routes as requests arrive: a field per API (kept across resets, which zero it), no string key per request. */
  readonly api: Record<StatApi, ApiCount> = apiCounts();
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
  /** A request came on the connection from address:port (distinct connections are counted). */
  connection(address: string, port: number): void {
    // most peers share one address: their ports alone tell the connections apart, without building a string
    this.firstAddress ??= address;
    if (address === this.firstAddress) this.ports.add(port);
    else this.conns.add(`${address}:${port}`);
  }
  faultsDone(f: Fault): void {
    this.faults[f] = (this.faults[f] ?? 0) + 1;
  }
  /** A request entered earlier has its answer (its head; a stream goes on): counted by path and status. */
  answered(path: string, res: Response): Response {
    this.inFlight--;
    this.requests++;
    let m = path === this.lastPath ? this.lastMap : this.byPath.get(path);
    if (!m) this.byPath.set(path, (m = new Map()));
    this.lastPath = path;
    this.lastMap = m;
    const status = res.status;
    m.set(status, (m.get(status) ?? 0) + 1);
    return res;
  }

  /** Clears the counts (not what is in flight right now). */
  reset(): void {
    this.byPath = new Map();
    this.lastPath = "";
    this.lastMap = undefined;
    this.conns = new Set();
    this.ports = new Set();
    this.faults = {};
    for (const a of STAT_APIS) this.api[a].requests = this.api[a].rejected = 0;
    this.requests = this.streamsStarted = this.streamsCompleted = this.streamsAborted = this.bytesIn = this.bytesOut = 0;
    this.inFlightPeak = this.inFlight;
    this.unaryLate = newHistogram();
    this.chunkLate = newHistogram();
  }

  late(kind: "unary" | "chunk", ms: number): void {
    recordMs(kind === "unary" ? this.unaryLate : this.chunkLate, ms);
  }

  /** This process's counts for the others of its group (mergeWire). */
  toWire(): MockWire {
    const { lateness_ms: _, ...counts } = this.snapshot(false);
    return { ...counts, pid: process.pid, unary_late: encodeHistogram(this.unaryLate), chunk_late: encodeHistogram(this.chunkLate) };
  }

  /** The counts, with the lateness percentiles unless `withLateness` is false. */
  snapshot(withLateness = true): MockStats {
    const by: Record<string, Record<string, number>> = {};
    for (const [path, m] of this.byPath) by[path] = Object.fromEntries([...m].map(([s, n]) => [String(s), n]));
    return {
      requests: this.requests,
      by_path: by,
      by_api: Object.fromEntries(STAT_APIS.map((a) => [a, { ...this.api[a] }])),
      in_flight: this.inFlight,
      in_flight_peak: this.inFlightPeak,
      connections: this.conns.size + this.ports.size,
      streams_started: this.streamsStarted,
      streams_completed: this.streamsCompleted,
      streams_aborted: this.streamsAborted,
      faults: { ...this.faults },
      bytes_in: this.bytesIn,
      bytes_out: this.bytesOut,
      lateness_ms: withLateness ? { unary: lateness(this.unaryLate), chunk: lateness(this.chunkLate) } : {},
    };
  }
}

/** One process's counts as another process of its group reads them: its lateness as histograms, so that they add up exactly. */
export type MockWire = Omit<MockStats, "lateness_ms" | "processes"> & { pid: number; unary_late: string; chunk_late: string };

/**
 * The counts of several processes that share one port, as one: counts and
 * bytes add up; connections too (a connection lands on one process); the
 * lateness histograms add bucket by bucket. in_flight_peak is the sum of
 * each process's peak: an upper bound, as the peaks need not coincide.
 */
export function mergeWire(parts: MockWire[]): MockStats {
  const sum = (f: (w: MockWire) => number): number => parts.reduce((a, w) => a + f(w), 0);
  const byPath: Record<string, Record<string, number>> = {};
  const faults: Partial<Record<Fault, number>> = {};
  const byApi: Record<string, ApiCount> = apiCounts();
  const unary = newHistogram();
  const chunk = newHistogram();
  for (const w of parts) {
    for (const [path, codes] of Object.entries(w.by_path)) {
      const into = (byPath[path] ??= {});
      for (const [code, n] of Object.entries(codes)) into[code] = (into[code] ?? 0) + n;
    }
    for (const [api, c] of Object.entries(w.by_api)) {
      const into = (byApi[api] ??= { requests: 0, rejected: 0 });
      into.requests += c.requests;
      into.rejected += c.rejected;
    }
    for (const [f, n] of Object.entries(w.faults)) faults[f as Fault] = (faults[f as Fault] ?? 0) + (n ?? 0);
    unary.add(decodeFromCompressedBase64(w.unary_late));
    chunk.add(decodeFromCompressedBase64(w.chunk_late));
  }
  return {
    requests: sum((w) => w.requests),
    by_path: byPath,
    by_api: byApi,
    in_flight: sum((w) => w.in_flight),
    in_flight_peak: sum((w) => w.in_flight_peak),
    connections: sum((w) => w.connections),
    streams_started: sum((w) => w.streams_started),
    streams_completed: sum((w) => w.streams_completed),
    streams_aborted: sum((w) => w.streams_aborted),
    faults,
    bytes_in: sum((w) => w.bytes_in),
    bytes_out: sum((w) => w.bytes_out),
    lateness_ms: { unary: lateness(unary), chunk: lateness(chunk) },
    processes: parts.map((w) => ({ pid: w.pid, requests: w.requests })),
  };
}

function lateness(h: Histogram): LatenessStats | undefined {
  if (h.totalCount === 0) return undefined;
  return { count: h.totalCount, p50: percentileMs(h, 50), p99: percentileMs(h, 99), max: Math.round(h.maxValue) / 1000 };
}
