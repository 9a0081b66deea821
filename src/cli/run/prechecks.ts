// What the flags ask of this machine, checked before anything starts: what
// cannot work is refused (a usage error, one line naming the flag, the
// limit and a way out); what is merely unwise gets one warning line.
import { availableParallelism } from "node:os";
import type { RunConfig } from "../../run/config.ts";
import { UsageError } from "../errors.ts";
import { log } from "../log.ts";

/** Beyond this, no rate can be sent from one machine: the schedule alone would outrun the clock. */
export const MAX_RATE_RPS = 1_000_000;
/** About what one load thread sends per second on a typical core (unary, a local server); beyond it, arrivals go late or are dropped. */
const RATE_PER_WORKER_RPS = 50_000;
/** About what each load worker costs in memory. */
const WORKER_RSS_MB = 33;

const grouped = (n: number): string => n.toLocaleString("en-US");

/** The highest rate the schedule asks for. */
const peakRate = (cfg: RunConfig): number => Math.max(cfg.rateRps, cfg.rateToRps ?? 0, ...(cfg.steps ?? []));

/** Refuses a load that cannot be sent, and returns the warnings about one that is unwise. */
export function precheckLoad(cfg: RunConfig, cpus = availableParallelism()): string[] {
  const warnings: string[] = [];
  const peak = peakRate(cfg);
  if (cfg.concurrency === undefined && peak > MAX_RATE_RPS)
    throw new UsageError(
      `--rate: ${grouped(peak)} req/s is beyond what one machine can send (at most ${grouped(MAX_RATE_RPS)}); for more, run instances on several machines and join them with gatebench merge, e.g. --rate 5000`,
    );
  const capacity = RATE_PER_WORKER_RPS * cfg.workers;
  if (cfg.concurrency === undefined && peak > capacity)
    warnings.push(
      `--rate: ${grouped(peak)} req/s is more than ${cfg.workers === 1 ? "one load thread" : `${cfg.workers} load workers`} can likely send (about ${grouped(capacity)}); expect late or dropped arrivals: add --workers, or find the highest rate with gatebench sweep`,
    );
  if (cfg.workers > cpus)
    warnings.push(
      `--workers ${cfg.workers} on ${cpus} CPUs: workers beyond the CPUs only share them (and each costs about ${WORKER_RSS_MB} MB, ${grouped(cfg.workers * WORKER_RSS_MB)} MB in all), e.g. --workers ${cpus}`,
    );
  return warnings;
}

/** precheckLoad, its warnings logged. */
export function precheck(cfg: RunConfig): void {
  for (const w of precheckLoad(cfg)) log.warn(w);
}
