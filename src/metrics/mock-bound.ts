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

/** Why the mock was the limit, in words, or undefined. `procs`: its processes; `cpus`: the machine's (more processes than CPUs share them). */
export function mockLimit(s: Summary, procs: number, cpus: number): string | undefined {
  const cpu = s.resources.mock?.load?.cpu_pct_avg;
  if (cpu == null || cpu < MOCK_CPU_BOUND_PCT * Math.min(procs, cpus)) return undefined;
  const of = procs === 1 ? "its one process" : `its ${procs} processes`;
  return `the mock used ${cpu.toFixed(0)} % CPU (${of}, ${MOCK_CPU_BOUND_PCT} % each is its ceiling) during the load: the figures describe the mock, not the gateway`;
}
