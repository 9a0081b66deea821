// A run's CPU pinning (--gateway-cpus, --harness-cpus; Linux). gatebench
// pins itself before it starts anything, so its mocks (with their
// followers), load workers and the gateway's supervisor inherit the
// harness's CPUs; the gateway is then given its own (or, when only the
// harness is pinned, the CPUs gatebench had before, so it does not inherit
// the harness's). Once everything runs, what each process got is read back
// from /proc for the result, with a warning when the two sets overlap.
import type { CpuPinningInfo } from "../metrics/document.ts";
import { AffinityError, allowedCpus, formatCpuList, initialCpus, pinProcess } from "../process/affinity.ts";
import { ProcessFailure } from "../process/children.ts";
import { descendants, groupMembers } from "../process/tree.ts";
import type { RunConfig } from "./config.ts";
import type { RunContext } from "./context.ts";
import { ConfigError } from "./errors.ts";

/** The CPUs both sets name, or undefined when they are apart (or one is not pinned). */
export function overlapOf(cfg: Pick<RunConfig, "gatewayCpus" | "harnessCpus">): number[] | undefined {
  const h = new Set(cfg.harnessCpus ?? []);
  const both = (cfg.gatewayCpus ?? []).filter((c) => h.has(c));
  return both.length > 0 ? both : undefined;
}

/** The warning an overlap earns, in the log and in the result's warnings. */
export function overlapWarning(cfg: Pick<RunConfig, "gatewayCpus" | "harnessCpus">): string | undefined {
  const both = overlapOf(cfg);
  if (!both) return undefined;
  const one = both.length === 1;
  return `--gateway-cpus ${formatCpuList(cfg.gatewayCpus!)} and --harness-cpus ${formatCpuList(cfg.harnessCpus!)} share CPU${one ? "" : "s"} ${formatCpuList(both)}: gatebench and its mock compete with the gateway for ${one ? "it" : "them"}, which disturbs the gateway's figures; give the two sets different CPUs`;
}

/** The CPUs the gateway is started on: its own, or gatebench's from before its pinning; undefined: not pinned at all. */
export function gatewayCpusOf(cfg: RunConfig): number[] | undefined {
  return cfg.gatewayCpus ?? (cfg.harnessCpus ? initialCpus() : undefined);
}

/**
 * --harness-cpus: pins gatebench (every thread) before it starts anything.
 * A set the kernel refuses is a ConfigError (exit 2): nothing ran yet.
 */
export async function pinHarness(ctx: RunContext): Promise<void> {
  const { cfg, hooks } = ctx;
  if (!cfg.gatewayCpus && !cfg.harnessCpus) return;
  // read before gatebench pins itself: a gateway not pinned gets this set back
  initialCpus();
  const warning = overlapWarning(cfg);
  if (warning) hooks.log(`warning: ${warning}`);
  if (!cfg.harnessCpus) return;
  try {
    await pinProcess(process.pid, cfg.harnessCpus);
  } catch (err) {
    if (err instanceof AffinityError) throw new ConfigError(`--harness-cpus ${formatCpuList(cfg.harnessCpus)}: cannot pin gatebench: ${err.message}`);
    throw err;
  }
  hooks.log(`gatebench pinned to CPUs ${formatCpuList(cfg.harnessCpus)} (--harness-cpus): its mocks and load workers inherit them`);
}

/** The built-in proxy is the gateway: it leaves gatebench with the harness's CPUs, and gets the gateway's. */
export async function pinProxy(cfg: RunConfig, pid: number): Promise<void> {
  const cpus = gatewayCpusOf(cfg);
  if (!cpus) return;
  try {
    await pinProcess(pid, cpus);
  } catch (err) {
    if (err instanceof AffinityError)
      throw new ProcessFailure(`the built-in proxy (pid ${pid}) could not be pinned to CPUs ${formatCpuList(cpus)}: ${err.message}`);
    throw err;
  }
}

/** What every process of the run was allowed, read back from /proc; undefined when neither flag was given. */
export async function pinningInfo(
  ctx: RunContext,
  s: { mock?: { pid: number }; directMock?: { pid: number }; proxy?: { pid: number } },
): Promise<CpuPinningInfo | undefined> {
  const { cfg } = ctx;
  if (!cfg.gatewayCpus && !cfg.harnessCpus) return undefined;
  const named: { name: string; pids: number[] }[] = [];
  const ext = ctx.external;
  if (ext) named.push({ name: "gateway", pids: (await groupMembers(ext.pid)) ?? [ext.pid] });
  if (s.proxy) named.push({ name: "gateway", pids: [s.proxy.pid] });
  for (const [name, child] of [
    ["mock", s.mock],
    ["baseline mock", s.directMock],
  ] as const)
    if (child) named.push({ name, pids: [child.pid, ...(await descendants(child.pid))] });
  named.push({ name: "gatebench", pids: [process.pid] });
  const both = overlapOf(cfg);
  return {
    gateway_cpus: cfg.gatewayCpus ? formatCpuList(cfg.gatewayCpus) : null,
    harness_cpus: cfg.harnessCpus ? formatCpuList(cfg.harnessCpus) : null,
    overlap: both ? formatCpuList(both) : null,
    processes: named.flatMap(({ name, pids }) => pids.map((pid) => ({ name, pid, cpus_allowed: allowedCpus(pid) }))),
  };
}
