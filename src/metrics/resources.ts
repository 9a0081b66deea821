// Resource samples per process and phase. The series is kept (a few samples
// a second, so it grows with the run's length, never with its request
// count) for plots and for the figures that need it: CPU p95, RSS at a
// phase's start and end, the slope of memory over the load, and the
// memory figures of each process (idle, steady or growing, recovered:
// memory.ts).
import { memoryFigures, type MemoryFigures, type RssPoint } from "./memory.ts";

export interface ResourceSample {
  /** CPU use since the previous sample, in % of one core (may exceed 100). */
  cpuPct: number;
  rssBytes: number;
  /** How long since the previous sample: the interval the CPU figure covers. */
  intervalMs: number;
  /** Open file descriptors and threads of the process (tree), where the OS tells (Linux). */
  fds?: number;
  threads?: number;
  /** When the sample was taken, ms from the start of sampling. */
  atMs?: number;
}

/**
 * CPU is read from tick counters with 10 ms resolution, so a reading over a
 * few ms is noise (mostly 0 %); such samples count for RSS only.
 */
export const MIN_CPU_INTERVAL_MS = 50;

export interface PhaseUsage {
  samples: number;
  /** null when the phase was too short for a CPU reading (under 50 ms). */
  cpu_pct_avg: number | null;
  cpu_pct_p95: number | null;
  cpu_pct_max: number | null;
  rss_mb_start: number;
  rss_mb_avg: number;
  rss_mb_max: number;
  rss_mb_end: number;
  /** Linux: open file descriptors and threads (max over the phase). */
  fds_max?: number;
  threads_max?: number;
}

/** One point of the series in the JSON result. */
export interface SeriesPoint {
  t_ms: number;
  phase: string;
  cpu_pct: number | null;
  rss_mb: number;
  fds?: number;
  threads?: number;
}

interface Stored extends ResourceSample {
  phase: string;
}

const MB = 1024 * 1024;
const round1 = (x: number): number => Math.round(x * 10) / 10;

/** The value at percentile p of `xs` (nearest rank). */
function percentile(xs: number[], p: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** Least-squares slope of y over x (units of y per unit of x); undefined with fewer than 3 points or no spread in x. */
export function slope(points: [number, number][]): number | undefined {
  if (points.length < 3) return undefined;
  const n = points.length;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (const [x, y] of points) {
    sxx += (x - mx) ** 2;
    sxy += (x - mx) * (y - my);
  }
  return sxx > 0 ? sxy / sxx : undefined;
}

export class ResourceAccumulator {
  private readonly series = new Map<string, Stored[]>();

  add(process: string, phase: string, s: ResourceSample): void {
    let list = this.series.get(process);
    if (!list) this.series.set(process, (list = []));
    list.push({ ...s, phase });
  }

  /** { process: { phase: usage } }, phases in the order they were first seen. */
  summary(): Record<string, Record<string, PhaseUsage>> {
    const out: Record<string, Record<string, PhaseUsage>> = {};
    for (const [proc, list] of this.series) {
      const phases = new Map<string, Stored[]>();
      for (const s of list) {
        const l = phases.get(s.phase);
        if (l) l.push(s);
        else phases.set(s.phase, [s]);
      }
      const p: Record<string, PhaseUsage> = {};
      for (const [phase, xs] of phases) p[phase] = usageOf(xs);
      out[proc] = p;
    }
    return out;
  }

  /** The samples of each process, for plots. */
  seriesOut(): Record<string, SeriesPoint[]> {
    const out: Record<string, SeriesPoint[]> = {};
    for (const [proc, list] of this.series) {
      out[proc] = list.map((s) => ({
        t_ms: Math.round(s.atMs ?? 0),
        phase: s.phase,
        cpu_pct: s.intervalMs >= MIN_CPU_INTERVAL_MS ? round1(s.cpuPct) : null,
        rss_mb: round1(s.rssBytes / MB),
        ...(s.fds !== undefined ? { fds: s.fds } : {}),
        ...(s.threads !== undefined ? { threads: s.threads } : {}),
      }));
    }
    return out;
  }

  /** How long a process was sampled in a phase (the sum of its sample intervals), ms. */
  phaseMs(process: string, phase: string): number {
    return (this.series.get(process) ?? []).filter((s) => s.phase === phase).reduce((a, s) => a + s.intervalMs, 0);
  }

  /** Each process's idle, steady (or growth) and recovered RSS (memory.ts); samples without a time are left out. */
  memory(): Record<string, MemoryFigures> {
    const out: Record<string, MemoryFigures> = {};
    for (const [proc, list] of this.series) {
      const of = (phase: string): RssPoint[] =>
        list.filter((s) => s.phase === phase && s.atMs !== undefined).map((s) => ({ atMs: s.atMs!, mb: s.rssBytes / MB }));
      out[proc] = memoryFigures(of("idle"), of("load"), of("cooldown"));
    }
    return out;
  }

  /** Least-squares slope of a process's RSS over a phase, in MB per minute (undefined with too few samples). */
  rssSlopeMbPerMin(process: string, phase: string): number | undefined {
    const xs = (this.series.get(process) ?? []).filter((s) => s.phase === phase && s.atMs !== undefined);
    const k = slope(xs.map((s) => [s.atMs! / 60_000, s.rssBytes / MB]));
    return k === undefined ? undefined : Math.round(k * 100) / 100;
  }
}

function usageOf(xs: Stored[]): PhaseUsage {
  let cpuWeighted = 0;
  let cpuMs = 0;
  let rssWeighted = 0;
  let rssMs = 0;
  const cpus: number[] = [];
  for (const s of xs) {
    const dt = Math.max(s.intervalMs, 1);
    rssWeighted += s.rssBytes * dt;
    rssMs += dt;
    if (s.intervalMs >= MIN_CPU_INTERVAL_MS) {
      cpuWeighted += s.cpuPct * dt;
      cpuMs += dt;
      cpus.push(s.cpuPct);
    }
  }
  const fds = xs.map((s) => s.fds).filter((v): v is number => v !== undefined);
  const threads = xs.map((s) => s.threads).filter((v): v is number => v !== undefined);
  return {
    samples: xs.length,
    cpu_pct_avg: cpuMs > 0 ? round1(cpuWeighted / cpuMs) : null,
    cpu_pct_p95: cpus.length > 0 ? round1(percentile(cpus, 95)) : null,
    cpu_pct_max: cpus.length > 0 ? round1(Math.max(...cpus)) : null,
    rss_mb_start: round1(xs[0]!.rssBytes / MB),
    rss_mb_avg: round1(rssWeighted / rssMs / MB),
    rss_mb_max: round1(Math.max(...xs.map((s) => s.rssBytes)) / MB),
    rss_mb_end: round1(xs[xs.length - 1]!.rssBytes / MB),
    ...(fds.length > 0 ? { fds_max: Math.max(...fds) } : {}),
    ...(threads.length > 0 ? { threads_max: Math.max(...threads) } : {}),
  };
}
