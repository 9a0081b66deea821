// The mock as several processes on one port (--procs N): this process
// listens first (SO_REUSEPORT), then starts N-1 more of itself on the same
// port, each with a seed of its own; their counts are merged on /__stats
// (src/mock/group.ts). The others are this process's children: their stdin
// is their lifeline, so they never outlive it.
import { followerLink, leaderLink, startControl, stopFollower } from "../../mock/group.ts";
import { startMock, type MockGroupLink, type MockOptions } from "../../mock/server.ts";
import type { MockStats } from "../../mock/stats.ts";
import { describeExit, selfArgv, startChild, stopChild, type ChildProcess } from "../../process/children.ts";
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
  let n: number;
  try {
    n = wholeNumberFlag(flag, value, "2");
  } catch (err) {
    // auto is a value too: say so
    if (err instanceof UsageError) throw new UsageError(`${err.message} (or auto: a quarter of the CPUs)`);
    throw err;
  }
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
  /** Requests in flight in every process. */
  inFlight(): Promise<number>;
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

/** Starts the followers at once (each on `port`, reporting to `control`); stops those that started when one fails. */
async function startFollowers(o: MockOptions, procs: number, rawArgs: string[], port: number, control: number): Promise<ChildProcess[]> {
  const started = await Promise.allSettled(
    Array.from({ length: procs - 1 }, (_, i) => {
      const k = i + 1;
      const argv = [...selfArgv(), "__mock", ...forwarded(rawArgs), "--port", String(port), "--seed", String(o.seed + k), "--follower-of", String(control)];
      return startChild(`mock process ${k + 1} of ${procs}`, argv, FOLLOWER_READY_MS);
    }),
  );
  const ok = started.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
  const failed = started.find((r) => r.status === "rejected");
  if (failed) {
    await Promise.all(ok.map((f) => stopChild(f, 1000)));
    throw failed.reason;
  }
  return ok;
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
    return { port, procs, inFlight: async () => counters.inFlight, stats: () => counters.snapshot(), stop };
  }
  const control = startControl(counters, () => link);
  let followers: ChildProcess[];
  try {
    followers = await startFollowers(o, procs, rawArgs, port, control.port ?? 0);
  } catch (err) {
    await server.stop(true);
    control.stop(true);
    throw err;
  }
  let stopping = false;
  // the group's figures need every process: one that dies takes the group down, and whoever started it sees the mock die
  for (const f of followers) {
    void f.proc.exited.then(() => {
      if (stopping) return;
      process.stderr.write(`mock upstream: ${f.name} (pid ${f.pid}) ${describeExit(f.exit ?? { code: f.proc.exitCode, signal: null })}; the mock stops\n`);
      process.exit(3);
    });
  }
  const group = leaderLink(
    counters,
    followers.map((f) => Number(f.ready.control)),
  );
  link = group;
  return {
    port,
    procs,
    inFlight: async () => (await group.stats().catch(() => counters.snapshot())).in_flight,
    stats: () => group.stats(),
    async stop(force) {
      stopping = true;
      // every server drains (or is cut); the controls stay up for the last counts, then the followers go
      const drained = await Promise.allSettled([server.stop(force), ...followers.map((f) => stopFollower(Number(f.ready.control), force))]);
      for (const r of drained)
        if (r.status === "rejected") process.stderr.write(`mock upstream: a process did not stop cleanly (${(r.reason as Error)?.message ?? r.reason})\n`);
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
