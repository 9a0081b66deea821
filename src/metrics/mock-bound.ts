// Whether the mock, not the gateway, set the pace of a run: its own CPU
// during the load near a whole core per process. Then the throughput and
// the latency measured are the mock's ceiling, not the gateway's.
//
// CPU, not the mock's lateness: a mock at its ceiling leaves requests
// queued in the kernel before it reads them, where its own clocks cannot
// see the wait; its lateness stays small while the client's latency grows.
import type { Summary } from "./summary.ts";

/** The mock's CPU (average over the load, % of one core per process) at and above which it was the limit. */
export const MOCK_CPU_BOUND_PCT = 85;

/** The resource name of the baseline's mock. */
export const BASELINE_MOCK = "baseline mock";

/**
 * Why a mock was the limit, in words, or undefined. `procs`: processes per
 * mock; `cpus`: the machine's (more processes than CPUs share them). The
 * gateway's mock is judged over the load, the baseline's over its own
 * phase (its slices, or its half of a sequential run).
 */
export function mockLimit(s: Summary, procs: number, cpus: number): string | undefined {
  const ceiling = MOCK_CPU_BOUND_PCT * Math.min(procs, cpus);
  const of = procs === 1 ? "its one process" : `its ${procs} processes`;
  const cpu = s.resources.mock?.load?.cpu_pct_avg;
  if (cpu != null && cpu >= ceiling)
    return `the mock used ${cpu.toFixed(0)} % CPU (${of}, ${MOCK_CPU_BOUND_PCT} % each is its ceiling) during the load: the figures describe the mock, not the gateway`;
  const base = s.resources[BASELINE_MOCK]?.baseline?.cpu_pct_avg;
  if (base != null && base >= ceiling)
    return `the baseline's mock used ${base.toFixed(0)} % CPU (${of}, ${MOCK_CPU_BOUND_PCT} % each is its ceiling) during the baseline: the direct figures, and the overhead, describe the mock`;
  return undefined;
}
