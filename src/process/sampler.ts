// Resource sampling: CPU and RSS of named processes, every `intervalMs`,
// attributed to the phase of the run that was current over the interval.
// At a phase change a sample is taken first, so each interval belongs to
// exactly one phase.
import pidusage from "pidusage";

// pidusage asks `getconf` for the clock tick and page size and falls back to
// Linux's usual 100 Hz / 4 KiB; without this it would print to stderr when
// getconf is not on PATH.
process.env.PIDUSAGE_SILENT ??= "1";
import { readdirSync, readFileSync } from "node:fs";
import { ResourceAccumulator } from "../metrics/resources.ts";

/** Open file descriptors and threads of a process (Linux, from /proc); undefined elsewhere or when it cannot be read. */
function fdsAndThreads(pid: number): { fds: number; threads: number } | undefined {
  try {
    const fds = readdirSync(`/proc/${pid}/fd`).length;
    const m = /^Threads:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return { fds, threads: m ? Number(m[1]) : 0 };
  } catch {
    return undefined;
  }
}

export interface SampleTarget {
  name: string;
  pid: number;
  /** More processes counted as part of this one (summed), e.g. gatebench's load workers; asked at each sample. */
  helpers?: () => number[] | Promise<number[]>;
}

export class ResourceSampler {
  readonly acc = new ResourceAccumulator();
  private phase: string | undefined;
  private timer: Timer | undefined;
  /** pidusage keeps per-pid history; calls are chained so they never overlap. */
  private chain: Promise<void> = Promise.resolve();
  private readonly gone = new Set<number>();
  /** When each pid was last read: the interval its next CPU figure covers. */
  private readonly lastMs = new Map<number, number>();
  private readonly t0 = performance.now();

  constructor(
    private readonly targets: SampleTarget[],
    private readonly intervalMs: number,
  ) {}

  /** Takes the baseline reading (CPU is a difference between two readings) and starts the clock. */
  async start(phase: string): Promise<void> {
    await this.enqueue(undefined);
    this.phase = phase;
    this.timer = setInterval(() => void this.enqueue(this.phase), this.intervalMs);
  }

  /** Closes the current phase with a sample and starts `phase`. */
  async mark(phase: string): Promise<void> {
    const closing = this.phase;
    this.phase = phase;
    await this.enqueue(closing);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    const closing = this.phase;
    this.phase = undefined;
    await this.enqueue(closing);
    pidusage.clear();
  }

  /** Pids that could no longer be sampled (the process had exited). */
  exited(): number[] {
    return [...this.gone];
  }

  private enqueue(phase: string | undefined): Promise<void> {
    this.chain = this.chain.then(() => this.sample(phase));
    return this.chain;
  }

  private async sample(phase: string | undefined): Promise<void> {
    for (const t of this.targets) {
      if (this.gone.has(t.pid)) continue;
      try {
        const s = await pidusage(t.pid);
        const now = performance.now();
        const intervalMs = now - (this.lastMs.get(t.pid) ?? now);
        this.lastMs.set(t.pid, now);
        let { cpu, memory } = s;
        const own = fdsAndThreads(t.pid);
        let fds = own?.fds;
        let threads = own?.threads;
        for (const pid of (await t.helpers?.()) ?? []) {
          try {
            const h = await pidusage(pid);
            cpu += h.cpu;
            memory += h.memory;
            const ft = fdsAndThreads(pid);
            if (ft && fds !== undefined && threads !== undefined) {
              fds += ft.fds;
              threads += ft.threads;
            }
          } catch {
            // a helper that has finished adds nothing
          }
        }
        if (phase !== undefined) this.acc.add(t.name, phase, { cpuPct: cpu, rssBytes: memory, intervalMs, atMs: now - this.t0, fds, threads });
      } catch {
        // The process is gone; the run notices that through its exit handler.
        this.gone.add(t.pid);
      }
    }
  }
}
