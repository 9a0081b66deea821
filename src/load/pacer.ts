// Pacers: pure arrival schedules. A load shape is a rate over time (constant,
// a linear ramp, steps, with an optional warm-up segment in front); its
// cumulative count Λ(t), the arrivals expected by time t, maps arrival
// "numbers" s to times: constant arrivals sit at s = 0, 1, 2, …, Poisson
// arrivals at the sums of exponential draws (a unit-rate Poisson process),
// so any shape can be paced either way. The dispatcher works from the
// absolute times this gives, so a stall is followed by a catch-up burst,
// never by drift.
import { Prng } from "../random.ts";

export type ArrivalKind = "constant" | "poisson";

/** A stretch of the schedule whose rate moves linearly from `fromRps` to `toRps`. */
export interface Segment {
  durationMs: number;
  fromRps: number;
  toRps: number;
}

/** Tolerance for floating-point products such as 0.1 * 30 landing a hair off an integer. */
const EPS = 1e-9;

function checkSegment(s: Segment): void {
  if (!(s.durationMs > 0) || !Number.isFinite(s.durationMs)) throw new RangeError(`duration must be > 0, got ${s.durationMs}`);
  for (const r of [s.fromRps, s.toRps]) {
    if (!(r >= 0) || !Number.isFinite(r)) throw new RangeError(`rate must be >= 0 and finite, got ${r}`);
  }
  if (s.fromRps === 0 && s.toRps === 0) throw new RangeError("a segment needs a rate above zero somewhere");
}

/** Expected arrivals in the first `t` ms of a segment. */
function countIn(s: Segment, t: number): number {
  const slope = (s.toRps - s.fromRps) / s.durationMs; // rps per ms
  return (s.fromRps * t + (slope * t * t) / 2) / 1000;
}

/** Inverse of countIn: the time within the segment by which `n` arrivals are expected. */
function timeIn(s: Segment, n: number): number {
  const a = (s.toRps - s.fromRps) / s.durationMs / 2000;
  const b = s.fromRps / 1000;
  if (Math.abs(a) < 1e-15) return n / b;
  // a t² + b t − n = 0, in the form that stays accurate when a is small
  return (2 * n) / (b + Math.sqrt(Math.max(0, b * b + 4 * a * n)));
}

/** A load shape: segments back to back. */
export class Shape {
  readonly durationMs: number;
  /** Expected arrivals over the whole shape. */
  readonly expected: number;
  /** Cumulative expected arrivals at the start of each segment. */
  private readonly before: number[] = [];
  private readonly startMs: number[] = [];

  constructor(readonly segments: readonly Segment[]) {
    if (segments.length === 0) throw new RangeError("a shape needs at least one segment");
    let n = 0;
    let t = 0;
    for (const s of segments) {
      checkSegment(s);
      this.before.push(n);
      this.startMs.push(t);
      n += countIn(s, s.durationMs);
      t += s.durationMs;
    }
    this.expected = n;
    this.durationMs = t;
  }

  /** Expected arrivals by time t (ms from the start). */
  countAt(t: number): number {
    if (t <= 0) return 0;
    for (let k = this.segments.length - 1; k >= 0; k--) {
      if (t >= this.startMs[k]!) return this.before[k]! + countIn(this.segments[k]!, Math.min(t - this.startMs[k]!, this.segments[k]!.durationMs));
    }
    return 0;
  }

  /** Time (ms from the start) at which the n-th expected arrival falls; n in [0, expected). */
  timeAt(n: number): number {
    let k = this.segments.length - 1;
    while (k > 0 && n < this.before[k]! - EPS) k--;
    const t = timeIn(this.segments[k]!, Math.max(0, n - this.before[k]!));
    return this.startMs[k]! + Math.min(t, this.segments[k]!.durationMs);
  }

  /** The rate (req/s) at time t. */
  rateAt(t: number): number {
    let k = this.segments.length - 1;
    while (k > 0 && t < this.startMs[k]!) k--;
    const s = this.segments[k]!;
    const f = Math.min(1, Math.max(0, (t - this.startMs[k]!) / s.durationMs));
    return s.fromRps + (s.toRps - s.fromRps) * f;
  }
}

export const constantShape = (rateRps: number, durationMs: number): Shape => new Shape([{ durationMs, fromRps: rateRps, toRps: rateRps }]);
export const rampShape = (fromRps: number, toRps: number, durationMs: number): Shape => new Shape([{ durationMs, fromRps, toRps }]);
export const stepsShape = (rates: number[], stepMs: number): Shape => new Shape(rates.map((r) => ({ durationMs: stepMs, fromRps: r, toRps: r })));

/** The same shape with a constant segment at its starting rate in front (the warm-up). */
export function withWarmup(shape: Shape, warmupMs: number): Shape {
  if (warmupMs <= 0) return shape;
  const first = shape.segments[0]!;
  const rate = first.fromRps > 0 ? first.fromRps : shape.expected / (shape.durationMs / 1000);
  return new Shape([{ durationMs: warmupMs, fromRps: rate, toRps: rate }, ...shape.segments]);
}

/**
 * Walks a shape's arrivals in order. `next()` gives the offset in ms of the
 * next arrival, or Infinity once the schedule is over. With `stride` and
 * `offset`, only arrivals offset, offset+stride, … are returned (a worker's
 * interleaved share: every share keeps the shape); `index` is the global
 * arrival number of the last one returned.
 */
export class Schedule implements Arrivals {
  /** Global index of the arrival last returned by next(), -1 before the first. */
  index = -1;
  /** A plain schedule has one path: every arrival goes to lane 0 at its own offset. */
  readonly lane = 0;
  shapeMs = 0;
  private s = 0;
  private readonly prng: Prng | undefined;

  constructor(
    readonly shape: Shape,
    readonly arrival: ArrivalKind = "constant",
    seed = 1,
    private readonly stride = 1,
    private readonly offset = 0,
  ) {
    if (!Number.isInteger(stride) || stride < 1 || !Number.isInteger(offset) || offset < 0 || offset >= stride) {
      throw new RangeError(`bad share ${offset}/${stride}`);
    }
    if (arrival === "poisson") this.prng = new Prng(seed);
  }

  /** Total arrivals of a constant schedule (all of them, before any share is taken); for Poisson, the expected count. */
  get total(): number {
    if (this.arrival === "poisson") return Math.round(this.shape.expected);
    return Math.max(1, Math.ceil(this.shape.expected - EPS));
  }

  private step(): number {
    const g = this.index + 1;
    let s: number;
    if (this.prng) {
      // exponential gap of mean 1 in the unit-rate process
      this.s += -Math.log(1 - this.prng.next());
      s = this.s;
    } else {
      s = g;
    }
    this.index = g;
    if (s >= this.shape.expected - EPS && !(g === 0 && !this.prng)) return Number.POSITIVE_INFINITY;
    return this.shape.timeAt(s);
  }

  next(): number {
    for (;;) {
      const t = this.step();
      if (t === Number.POSITIVE_INFINITY || this.index % this.stride === this.offset) return (this.shapeMs = t);
    }
  }

  nextDueOf(k: number): number {
    return k === 0 ? this.shapeMs : -1;
  }
}

/**
 * What the dispatcher walks: `next()` gives the offset (ms from the start)
 * of the next arrival, Infinity at the end; after it, `index` is the
 * arrival's number in its schedule (it picks the body), `lane` the path it
 * goes to, and `shapeMs` its offset in the load shape (which tells warm-up
 * from measured load).
 */
export interface Arrivals {
  readonly shape: Shape;
  index: number;
  lane: number;
  shapeMs: number;
  next(): number;
  /** The shape offset of lane `k`'s first arrival not yet handled, taking the one next() gave last as not handled: how far that lane got when sending stopped. */
  nextDueOf(k: number): number;
}

/** The two paths of a run with a baseline. */
export const LANE = { gateway: 0, direct: 1 } as const;

/**
 * One load shape played on two paths, slice by slice: the shape's first
 * `sliceMs` goes to one path, then the same stretch again, arrival for
 * arrival, to the other, then the next stretch. Each path gets the whole
 * shape with the same arrival times, so the run takes twice the shape's
 * length. The order alternates (A B, B A, A B …), so a drift of the
 * machine over time falls on both paths alike. With one slice as long as
 * the shape, it is a baseline run first and the measured run after.
 */
export class Interleaved implements Arrivals {
  index = -1;
  lane = 0;
  shapeMs = 0;
  private readonly lanes: [Schedule, Schedule];
  /** The next shape offset each lane's schedule has ready. */
  private readonly pending: [number, number];
  private readonly slices: number;
  private slice = 0;
  /** 0: the slice's first half, 1: its second. */
  private half = 0;

  constructor(
    readonly shape: Shape,
    arrival: ArrivalKind,
    seed: number,
    readonly sliceMs: number,
    /** The lane of slice 0's first half. */
    private readonly firstLane: number,
    stride = 1,
    offset = 0,
  ) {
    if (!(sliceMs > 0)) throw new RangeError(`slice must be > 0 ms, got ${sliceMs}`);
    this.lanes = [new Schedule(shape, arrival, seed, stride, offset), new Schedule(shape, arrival, seed, stride, offset)];
    this.pending = [this.lanes[0].next(), this.lanes[1].next()];
    this.slices = Math.max(1, Math.ceil(shape.durationMs / sliceMs - EPS));
  }

  nextDueOf(k: number): number {
    return k === this.lane ? this.shapeMs : this.pending[k]!;
  }

  /** The lane played in half `half` of slice `k`. */
  laneOf(k: number, half: number): number {
    const first = k % 2 === 0 ? this.firstLane : 1 - this.firstLane;
    return half === 0 ? first : 1 - first;
  }

  next(): number {
    while (this.slice < this.slices) {
      const k = this.slice;
      const from = k * this.sliceMs;
      const to = Math.min(from + this.sliceMs, this.shape.durationMs);
      const lane = this.laneOf(k, this.half);
      const v = this.pending[lane]!;
      if (v < to) {
        const s = this.lanes[lane]!;
        this.lane = lane;
        this.shapeMs = v;
        this.index = s.index;
        this.pending[lane] = s.next();
        // slice k starts at 2·from in real time; its second half after the first (to − from)
        return 2 * from + this.half * (to - from) + (v - from);
      }
      if (this.half === 0) this.half = 1;
      else {
        this.half = 0;
        this.slice++;
      }
    }
    return Number.POSITIVE_INFINITY;
  }
}
