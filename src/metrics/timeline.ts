// Per-second buckets for plots over time: requests sent, completed, failed
// and dropped in each second, the requests still open at the end of it, and
// the latency of the successful ones (p50/p99, from an HDR histogram per
// second with the summary's 3 significant digits, so a plotted second is as
// precise as the summary, and buckets merge exactly across workers). Completions come in
// time order, so only the current second's histogram is live; a finished
// second is kept compressed (a few hundred bytes). Memory grows with the
// run's length in seconds, never with its request count.
import { decodeFromCompressedBase64, encodeIntoCompressedBase64, type Histogram } from "hdr-histogram-js";
import { newHistogram, percentileMs } from "./histogram.ts";

interface Bucket {
  sent: number;
  /** Of which warm-up requests. */
  warm: number;
  completed: number;
  errors: number;
  dropped: number;
  /** Live while the second is current, compressed once it is over. */
  latency: Histogram | string | undefined;
}

/** One second of the run, as the JSON result carries it. */
export interface SecondRow {
  /** Seconds from the start of the run (warm-up included). */
  t: number;
  /** "warmup" for the warm-up's seconds (left out of the summary), else "load". */
  phase: "warmup" | "load";
  sent: number;
  completed: number;
  errors: number;
  dropped: number;
  /** Requests sent but not finished at the end of this second. */
  in_flight: number;
  p50_ms: number | null;
  p99_ms: number | null;
}

/** A timeline as it crosses a worker boundary. */
export interface TimelineData {
  buckets: { s: number; sent: number; warm: number; completed: number; errors: number; dropped: number; latency?: string }[];
}

const decoded = (h: Histogram | string): Histogram => (typeof h === "string" ? decodeFromCompressedBase64(h) : h);

export class Timeline {
  private readonly buckets: Bucket[] = [];
  /** The second whose latency histogram is live. */
  private live = -1;

  /** `originMs`: the run's start on the clock the recorded times use. */
  constructor(readonly originMs: number) {}

  private second(tMs: number): number {
    const s = Math.max(0, Math.floor((tMs - this.originMs) / 1000));
    for (let i = this.buckets.length; i <= s; i++) this.buckets.push({ sent: 0, warm: 0, completed: 0, errors: 0, dropped: 0, latency: undefined });
    return s;
  }

  private at(tMs: number): Bucket {
    return this.buckets[this.second(tMs)]!;
  }

  /** A finished request: sent at `sentMs` (-1: never sent), ended at `endMs`, with its latency when it succeeded; `warm`: a warm-up request. */
  ended(sentMs: number, endMs: number, latencyMs: number | undefined, warm = false): void {
    if (sentMs >= 0) {
      const b = this.at(sentMs);
      b.sent++;
      if (warm) b.warm++;
    }
    const i = this.second(endMs);
    const b = this.buckets[i]!;
    b.completed++;
    if (latencyMs === undefined) {
      b.errors++;
      return;
    }
    this.histogramOf(b, i).recordValue(Math.max(0, Math.round(latencyMs * 1000)));
  }

  /** The live histogram of bucket `i`; the previous live one is compressed. */
  private histogramOf(b: Bucket, i: number): Histogram {
    if (typeof b.latency === "object") return b.latency;
    if (this.live >= 0 && this.live !== i) {
      const prev = this.buckets[this.live]!;
      if (typeof prev.latency === "object") prev.latency = encodeIntoCompressedBase64(prev.latency);
    }
    const h = typeof b.latency === "string" ? decodeFromCompressedBase64(b.latency) : newHistogram();
    b.latency = h;
    this.live = i;
    return h;
  }

  dropped(tMs: number): void {
    this.at(tMs).dropped++;
  }

  /** The rows; a second in which only warm-up requests were sent is the warm-up's. */
  rows(): SecondRow[] {
    let open = 0;
    return this.buckets.map((b, t) => {
      open += b.sent - b.completed;
      // read as the summary reads its percentiles: the top of the bucket (within 0.1 %), never above the largest value seen
      // (the live second is read as the others are, from its compressed form, which keeps its max only to the bucket: merged workers read the same)
      const h = b.latency === undefined ? undefined : decoded(typeof b.latency === "string" ? b.latency : encodeIntoCompressedBase64(b.latency));
      const at = (p: number): number | null => (h && h.totalCount > 0 ? percentileMs(h, p) : null);
      return {
        t,
        phase: b.warm > 0 && b.warm === b.sent ? "warmup" : "load",
        sent: b.sent,
        completed: b.completed,
        errors: b.errors,
        dropped: b.dropped,
        in_flight: open,
        p50_ms: at(50),
        p99_ms: at(99),
      };
    });
  }

  toData(): TimelineData {
    return {
      buckets: this.buckets.map((b, s) => ({
        s,
        sent: b.sent,
        warm: b.warm,
        completed: b.completed,
        errors: b.errors,
        dropped: b.dropped,
        ...(b.latency === undefined ? {} : { latency: typeof b.latency === "string" ? b.latency : encodeIntoCompressedBase64(b.latency) }),
      })),
    };
  }

  /** Adds another timeline with the same origin (a worker's), second by second. */
  addData(d: TimelineData): void {
    for (const x of d.buckets) {
      const b = this.at(this.originMs + x.s * 1000);
      b.sent += x.sent;
      b.warm += x.warm;
      b.completed += x.completed;
      b.errors += x.errors;
      b.dropped += x.dropped;
      if (x.latency) {
        const h = b.latency === undefined ? newHistogram() : decoded(b.latency);
        h.add(decodeFromCompressedBase64(x.latency));
        b.latency = encodeIntoCompressedBase64(h);
      }
    }
  }
}
