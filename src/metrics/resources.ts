// Resource samples folded per process and phase: time-weighted running sums
// and maxima, no arrays of samples.

export interface ResourceSample {
  /** CPU use since the previous sample, in % of one core (may exceed 100). */
  cpuPct: number;
  rssBytes: number;
  /** How long since the previous sample: the interval the CPU figure covers. */
  intervalMs: number;
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
  cpu_pct_max: number | null;
  rss_mb_avg: number;
  rss_mb_max: number;
}

interface Acc {
  n: number;
  /** Σ cpu% × interval, and Σ interval, over samples long enough to read CPU. */
  cpuWeighted: number;
  cpuMs: number;
  cpuMax: number;
  rssWeighted: number;
  rssMs: number;
  rssMax: number;
}

const MB = 1024 * 1024;
const round1 = (x: number): number => Math.round(x * 10) / 10;

export class ResourceAccumulator {
  private readonly acc = new Map<string, Map<string, Acc>>();

  add(process: string, phase: string, s: ResourceSample): void {
    let phases = this.acc.get(process);
    if (!phases) this.acc.set(process, (phases = new Map()));
    let a = phases.get(phase);
    if (!a) phases.set(phase, (a = { n: 0, cpuWeighted: 0, cpuMs: 0, cpuMax: 0, rssWeighted: 0, rssMs: 0, rssMax: 0 }));
    a.n++;
    const dt = Math.max(s.intervalMs, 1);
    a.rssWeighted += s.rssBytes * dt;
    a.rssMs += dt;
    if (s.rssBytes > a.rssMax) a.rssMax = s.rssBytes;
    if (s.intervalMs >= MIN_CPU_INTERVAL_MS) {
      a.cpuWeighted += s.cpuPct * dt;
      a.cpuMs += dt;
      if (s.cpuPct > a.cpuMax) a.cpuMax = s.cpuPct;
    }
  }

  /** { process: { phase: usage } }, phases in the order they were first seen. */
  summary(): Record<string, Record<string, PhaseUsage>> {
    const out: Record<string, Record<string, PhaseUsage>> = {};
    for (const [proc, phases] of this.acc) {
      const p: Record<string, PhaseUsage> = {};
      for (const [phase, a] of phases) {
        p[phase] = {
          samples: a.n,
          cpu_pct_avg: a.cpuMs > 0 ? round1(a.cpuWeighted / a.cpuMs) : null,
          cpu_pct_max: a.cpuMs > 0 ? round1(a.cpuMax) : null,
          rss_mb_avg: round1(a.rssWeighted / a.rssMs / MB),
          rss_mb_max: round1(a.rssMax / MB),
        };
      }
      out[proc] = p;
    }
    return out;
  }
}
