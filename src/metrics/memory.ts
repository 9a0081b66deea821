// Memory as gateway comparisons state it: what a process holds idle, the
// level it settles at under load (or how fast it grows when it never
// settles), and what it comes back to once the load is gone. Pure: RSS
// samples in, figures out; a figure that cannot be read is null, never 0.

/** One RSS sample: when (ms, any origin) and how much (MB). */
export interface RssPoint {
  atMs: number;
  mb: number;
}

/** A process's memory figures (summary.memory.<process> in the JSON result; docs/figures.md). */
export interface MemoryFigures {
  /** Median RSS over the idle phase: after readiness (and --setup), before the first request of the load. */
  idle_mb: number | null;
  /** Median RSS over the steady window at the end of the load, when it settled. */
  steady_mb: number | null;
  /** When it did not settle: the least-squares slope of RSS over the last half of the load, MB per minute. */
  growth_mb_per_min: number | null;
  /** Whether RSS settled under load; null when the load had too few samples to tell. */
  settled: boolean | null;
  /** Median of the last samples of the cool-down; null without a cool-down. */
  recovered_mb: number | null;
}

/**
 * The steady window: the longest run of samples at the end of the load
 * whose range (max − min) stays within STEADY_BAND_PCT of its highest
 * value, or STEADY_BAND_MIN_MB when that is more (a small process's RSS
 * moves by pages and allocator arenas). RSS has settled when that window
 * holds at least STEADY_MIN_SAMPLES samples and at least STEADY_MIN_SHARE
 * of the load's: a level held for a moment at the very end is not a level.
 */
export const STEADY_BAND_PCT = 5;
export const STEADY_BAND_MIN_MB = 1;
export const STEADY_MIN_SAMPLES = 8;
export const STEADY_MIN_SHARE = 0.25;
/** The cool-down's last samples whose median is the recovered RSS (one sample could catch a collection in the middle). */
export const RECOVERED_SAMPLES = 3;

const round1 = (x: number): number => Math.round(x * 10) / 10;
const round2 = (x: number): number => Math.round(x * 100) / 100;

/** Median of a non-empty list. */
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Least-squares slope of MB over minutes; null with fewer than 3 points or no spread in time. */
function slopeMbPerMin(points: RssPoint[]): number | null {
  if (points.length < 3) return null;
  const n = points.length;
  const mx = points.reduce((s, p) => s + p.atMs, 0) / n;
  const my = points.reduce((s, p) => s + p.mb, 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (const p of points) {
    sxx += (p.atMs - mx) ** 2;
    sxy += (p.atMs - mx) * (p.mb - my);
  }
  return sxx > 0 ? (sxy / sxx) * 60_000 : null;
}

/** How many samples at the end of `points` stay within the band (see STEADY_BAND_PCT). */
export function steadyTail(points: RssPoint[]): number {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  let k = 0;
  // widening the window only raises the range faster than the band: the first break is final
  for (let i = points.length - 1; i >= 0; i--) {
    const mb = points[i]!.mb;
    const nlo = Math.min(lo, mb);
    const nhi = Math.max(hi, mb);
    if (nhi - nlo > Math.max(STEADY_BAND_MIN_MB, (STEADY_BAND_PCT / 100) * nhi)) break;
    lo = nlo;
    hi = nhi;
    k++;
  }
  return k;
}

/** The load's steady level, or its growth rate when it never settles (see STEADY_BAND_PCT); samples in time order. */
export function steadyState(load: RssPoint[]): Pick<MemoryFigures, "settled" | "steady_mb" | "growth_mb_per_min"> {
  if (load.length < STEADY_MIN_SAMPLES) return { settled: null, steady_mb: null, growth_mb_per_min: null };
  const k = steadyTail(load);
  if (k >= Math.max(STEADY_MIN_SAMPLES, Math.ceil(STEADY_MIN_SHARE * load.length))) {
    return { settled: true, steady_mb: round1(median(load.slice(-k).map((p) => p.mb))), growth_mb_per_min: null };
  }
  // the rate it was still growing at: the last half leaves out buffers and caches filling as the load began
  const slope = slopeMbPerMin(load.slice(-Math.ceil(load.length / 2)));
  return { settled: false, steady_mb: null, growth_mb_per_min: slope === null ? null : round2(slope) };
}

/** A process's memory figures from its samples of the idle phase, the load and the cool-down (each in time order; empty when the phase did not run). */
export function memoryFigures(idle: RssPoint[], load: RssPoint[], cooldown: RssPoint[]): MemoryFigures {
  return {
    idle_mb: idle.length > 0 ? round1(median(idle.map((p) => p.mb))) : null,
    ...steadyState(load),
    recovered_mb: cooldown.length > 0 ? round1(median(cooldown.slice(-RECOVERED_SAMPLES).map((p) => p.mb))) : null,
  };
}
