// The lifeline of a command that is not gatebench's own (the user's
// gateway, --setup and --teardown): gatebench cannot make such a command
// watch a pipe, so it starts a small supervisor (its own binary, hidden
// `__supervise`) that starts the command in a process group of its own and
// watches the pipe in its place. When gatebench is gone, by any means,
// SIGKILL included, the pipe closes and the supervisor stops the group
// (SIGTERM, 1 s, SIGKILL) and removes the run's temp folder.
//
// The supervisor mirrors its command: it exits with its code, or dies by
// its signal, once nothing of its group is left. It says the command's pid
// on stdout (one line, before the command's own output, which goes to the
// same pipes); signals meant for gatebench's terminal (Ctrl-C, SIGTERM to
// the foreground group, SIGHUP) are gatebench's to handle, not its own.
//
// Given CPUs (--gateway-cpus), it pins itself to them before it starts the
// command, so the command and everything it ever forks inherit them from
// the first instruction: pinning the group from outside afterwards would
// miss a process forked in between.
import type { Subprocess } from "bun";
import { rmSync } from "node:fs";
import { constants } from "node:os";
import { pinProcess } from "./affinity.ts";
import { ProcessFailure, selfArgv } from "./children.ts";
import { stopGroup } from "./group.ts";

/** The variable that carries the supervisor's orders (JSON: SuperviseSpec). */
export const SUPERVISE_VAR = "GATEBENCH_SUPERVISE";
/** The supervisor's first line on stdout. */
const PREFIX = "GATEBENCH_SUPERVISED ";
/** How long the group has to stop once gatebench is gone, before SIGKILL. */
const ORPHAN_GRACE_MS = 1000;

export interface SuperviseSpec {
  argv: string[];
  /** A folder to remove once the group is stopped because gatebench is gone. */
  dir?: string;
  /** Windows: pass the command line to cmd.exe as written. */
  verbatim?: boolean;
  /** Linux: the CPUs the command (and all it starts) runs on. */
  cpus?: number[];
}

/** The supervisor's body (hidden `__supervise`); never returns. */
export async function supervise(spec: SuperviseSpec): Promise<never> {
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(sig, ignore);
  let child: Subprocess;
  try {
    // the supervisor mostly waits on its lifeline: sharing the command's CPUs costs them nothing
    if (spec.cpus) await pinProcess(process.pid, spec.cpus).catch(cannotPin);
    child = Bun.spawn(spec.argv, { stdin: "ignore", stdout: "inherit", stderr: "inherit", detached: true, windowsVerbatimArguments: spec.verbatim === true });
  } catch (err) {
    process.stdout.write(`${PREFIX}${JSON.stringify({ error: (err as Error).message })}\n`);
    process.exit(127);
  }
  process.stdout.write(`${PREFIX}${JSON.stringify({ pid: child.pid })}\n`);
  const orphaned = (async () => {
    for await (const _ of Bun.stdin.stream()) {
      // nothing is sent on the lifeline; its end is the message
    }
    return true;
  })();
  const exited = child.exited.then(() => false);
  if (await Promise.race([orphaned, exited])) {
    await stopGroup(child.pid, ORPHAN_GRACE_MS);
    if (spec.dir) rmSync(spec.dir, { recursive: true, force: true });
    process.exit(0);
  }
  // its leader gone, nothing of the group should outlive it
  await stopGroup(child.pid, ORPHAN_GRACE_MS);
  const signal = child.signalCode;
  if (signal === null || signal === undefined) process.exit(child.exitCode ?? 1);
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.off(sig, ignore);
  process.kill(process.pid, signal);
  // a signal this process cannot die of: the shell's convention
  await Bun.sleep(100);
  process.exit(128 + ((constants.signals as Record<string, number>)[String(signal)] ?? 1));
}

function cannotPin(err: Error): never {
  throw new Error(`cannot pin it to its CPUs: ${err.message}`);
}

function ignore(): void {
  // gatebench decides when its command stops
}

export interface Supervised {
  /** The supervisor: its exit is the command's. */
  proc: Subprocess<"pipe", "pipe", "pipe">;
  /** The command's pid, the leader of its group. */
  pid: number;
  /** The command's stdout (the supervisor's line taken out). */
  stdout: AsyncIterable<Uint8Array>;
}

/**
 * Starts `argv` under a supervisor, with this environment and folder, and
 * resolves once it runs (its pid known). Throws a ProcessFailure when it
 * cannot be started.
 */
export async function spawnSupervised(
  argv: string[],
  opts: { cwd?: string; env: Record<string, string>; dir?: string; verbatim?: boolean; cpus?: number[] },
): Promise<Supervised> {
  const spec: SuperviseSpec = {
    argv,
    ...(opts.dir ? { dir: opts.dir } : {}),
    ...(opts.verbatim ? { verbatim: true } : {}),
    ...(opts.cpus ? { cpus: opts.cpus } : {}),
  };
  const proc = Bun.spawn([...selfArgv(), "__supervise"], {
    cwd: opts.cwd,
    env: { ...opts.env, [SUPERVISE_VAR]: JSON.stringify(spec) },
    stdin: "pipe",
    stdout: "pipe",
    stderr: "pipe",
  });
  const reader = proc.stdout.getReader();
  let buf = Buffer.alloc(0);
  for (;;) {
    const at = buf.indexOf(PREFIX);
    const nl = at === -1 ? -1 : buf.indexOf(10, at);
    if (nl !== -1) {
      const said = JSON.parse(buf.subarray(at + PREFIX.length, nl).toString()) as { pid?: number; error?: string };
      if (said.pid === undefined) throw new ProcessFailure(`could not be started: ${said.error ?? "unknown error"}`);
      const rest = Buffer.concat([buf.subarray(0, at), buf.subarray(nl + 1)]);
      return { proc, pid: said.pid, stdout: rest.length > 0 ? prepend(rest, reader) : drain(reader) };
    }
    const { done, value } = await reader.read();
    if (done || !value) {
      const err = (await proc.stderr.text()).trim();
      throw new ProcessFailure(
        `could not be started: its supervisor ${proc.exitCode === null ? "was killed" : `exited with code ${await proc.exited}`}${err ? `: ${err}` : ""}`,
      );
    }
    buf = Buffer.concat([buf, value]);
  }
}

/** What the supervisor's stdout is read with. */
interface Reader {
  read(): Promise<{ done: boolean; value?: Uint8Array }>;
}

async function* drain(reader: Reader): AsyncIterable<Uint8Array> {
  for (;;) {
    const { done, value } = await reader.read();
    if (done || !value) return;
    yield value;
  }
}

async function* prepend(first: Uint8Array, reader: Reader): AsyncIterable<Uint8Array> {
  yield first;
  yield* drain(reader);
}
