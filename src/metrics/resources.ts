// Resource samples folded per process and phase: running sums and maxima,
// no arrays of samples.

export interface ResourceSample {
  /** CPU use since the previous sample, in % of one core (may exceed 100). */
  cpuPct: number;
  rssBytes: number;
}

export interface PhaseUsage {
  samples: number;
  cpu_pct_avg: number;
  cpu_pct_max: number;
  rss_mb_avg: number;
  rss_mb_max: number;
}

interface Acc {
  n: number;
  cpuSum: number;
  cpuMax: number;
  rssSum: number;
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
    if (!a) phases.set(phase, (a = { n: 0, cpuSum: 0, cpuMax: 0, rssSum: 0, rssMax: 0 }));
    a.n++;
    a.cpuSum += s.cpuPct;
    a.rssSum += s.rssBytes;
    if (s.cpuPct > a.cpuMax) a.cpuMax = s.cpuPct;
    if (s.rssBytes > a.rssMax) a.rssMax = s.rssBytes;
  }

  /** { process: { phase: usage } }, phases in the order they were first seen. */
  summary(): Record<string, Record<string, PhaseUsage>> {
    const out: Record<string, Record<string, PhaseUsage>> = {};
    for (const [proc, phases] of this.acc) {
      const p: Record<string, PhaseUsage> = {};
      for (const [phase, a] of phases) {
        p[phase] = {
          samples: a.n,
          cpu_pct_avg: round1(a.cpuSum / a.n),
          cpu_pct_max: round1(a.cpuMax),
          rss_mb_avg: round1(a.rssSum / a.n / MB),
          rss_mb_max: round1(a.rssMax / MB),
        };
      }
      out[proc] = p;
    }
    return out;
  }
}
