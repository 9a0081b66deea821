// The mock as several processes on one port (--procs N): this process
// listens first (SO_REUSEPORT), then starts N-1 more of itself on the same
// port, each with a seed of its own; their counts are merged on /__stats
// (src/mock/group.ts). The others are this process's children: their stdin
// is their lifeline, so they never outlive it.
import { followerLink, leaderLink, startControl, stopFollower } from "../../mock/group.ts";
import { startMock, type MockGroupLink, type MockOptions } from "../../mock/server.ts";
import type { MockStats } from "../../mock/stats.ts";
import { selfArgv, startChild, stopChild, type ChildProcess } from "../../process/children.ts";
import { CAN_SHARE_PORT, defaultMockProcs } from "../../platform.ts";
import { UsageError } from "../errors.ts";
import { wholeNumberFlag } from "../values.ts";
import { listenOrFail } from "./serve.ts";

/** More mock processes than this cannot be meant. */
const MAX_PROCS = 64;
/** How long a follower may take to listen. */
const FOLLOWER_READY_MS = 15_000;

/** --procs (or --mock-procs): "auto" (what suits this machine) or a count; more than one only where the kernel spreads connections over a shared port. */
export function procsFlag(flag: string, value: string | undefined): number {
  if (value === undefined || value === "auto") return defaultMockProcs();
  const n = wholeNumberFlag(flag, value, "2");
  if (n < 1 || n > MAX_PROCS) throw new UsageError(`--${flag} ${value}: give a count from 1 to ${MAX_PROCS}, or auto`);
  if (n > 1 && !CAN_SHARE_PORT)
    throw new UsageError(
      `--${flag} ${value}: several mock processes share one port through SO_REUSEPORT, which spreads connections over them only on Linux; here the mock is one process (--${flag} 1)`,
    );
  return n;
}

/** A running mock: one process or a group. */
export interface RunningMock {
  port: number;
  procs: number;
  inFlight(): number;
  stats(): MockStats | Promise<MockStats>;
  /** Stops every process, after the requests in flight unless `force`; resolves with the final counts. */
  stop(force: boolean): Promise<MockStats>;
}

/** The raw arguments without the flags a follower gets its own values of. */
function forwarded(rawArgs: string[]): string[] {
  const own = new Set(["--port", "--procs", "--seed", "--follower-of"]);
  const out: string[] = [];
  for (let i = 0; i < rawArgs.length; i++) {
    const a = rawArgs[i]!;
    const name = a.split("=")[0]!;
    if (!own.has(name)) out.push(a);
    else if (!a.includes("=")) i++; // its value follows
  }
  return out;
}

/** Starts the mock: this process, and N-1 followers on its port when procs > 1. */
export async function startMockGroup(o: MockOptions, procs: number, rawArgs: string[]): Promise<RunningMock> {
  let link: MockGroupLink | undefined;
  const { server, counters } = listenOrFail("mock upstream", o.host, o.port, () => startMock({ ...o, reusePort: procs > 1, group: () => link }));
  const port = server.port ?? o.port;
  if (procs === 1) {
    const stop = async (force: boolean): Promise<MockStats> => {
      await server.stop(force);
      return counters.snapshot();
    };
    return { port, procs, inFlight: () => counters.inFlight, stats: () => counters.snapshot(), stop };
  }
  const control = startControl(counters, () => link);
  const followers: ChildProcess[] = [];
  try {
    for (let k = 1; k < procs; k++) {
      const argv = [
        ...selfArgv(),
        "__mock",
        ...forwarded(rawArgs),
        "--port",
        String(port),
        "--seed",
        String(o.seed + k),
        "--follower-of",
        String(control.port),
      ];
      followers.push(await startChild(`mock process ${k + 1} of ${procs}`, argv, FOLLOWER_READY_MS));
    }
  } catch (err) {
    await Promise.all(followers.map((f) => stopChild(f, 1000)));
    await server.stop(true);
    throw err;
  }
  link = leaderLink(
    counters,
    followers.map((f) => Number(f.ready.control)),
  );
  const group = link;
  return {
    port,
    procs,
    inFlight: () => counters.inFlight,
    stats: () => group.stats(),
    async stop(force) {
      // every server drains (or is cut); the controls stay up for the last counts, then the followers go
      await Promise.all([server.stop(force), ...followers.map((f) => stopFollower(Number(f.ready.control), force).catch(() => {}))]);
      const last = await group.stats().catch(() => counters.snapshot());
      await Promise.all(followers.map((f) => stopChild(f, 1000)));
      control.stop(true);
      return last;
    },
  };
}

/** A follower: the mock on the leader's port, its control for the leader, and /__stats answered by the leader. */
export function startFollower(o: MockOptions, leaderControl: number) {
  const link = followerLink(leaderControl);
  const { server, counters } = listenOrFail("mock upstream", o.host, o.port, () => startMock({ ...o, reusePort: true, group: () => link }));
  const control = startControl(
    counters,
    () => undefined,
    async (force) => void (await server.stop(force)),
  );
  return { server, control };
}
