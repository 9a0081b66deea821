// Child processes of a run: started, waited on until they say they are
// ready, watched while they run, and stopped (SIGTERM, grace, SIGKILL).
// A child that fails is reported with its command, exit status and the last
// lines it wrote to stderr.
import type { Subprocess } from "bun";

/** The line a gatebench child prints on stdout once it listens. */
export const READY_PREFIX = "GATEBENCH_READY ";

/** A child could not be started or died: the run cannot be carried out. */
export class ProcessFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ProcessFailure";
  }
}

/** Keeps the last `size` lines of a stream. */
export class LineTail {
  private readonly lines: string[] = [];
  private partial = "";
  constructor(private readonly size: number) {}
  push(text: string): void {
    const parts = (this.partial + text).split("\n");
    this.partial = parts.pop() ?? "";
    for (const l of parts) {
      this.lines.push(l);
      if (this.lines.length > this.size) this.lines.shift();
    }
  }
  text(): string {
    const all = this.partial ? [...this.lines, this.partial] : this.lines;
    return all.slice(-this.size).join("\n");
  }
}

/** argv that runs this same program: the compiled binary, or bun + the entry script. */
export function selfArgv(): string[] {
  const main = Bun.main;
  const compiled = main.startsWith("/$bunfs/") || /^[A-Za-z]:[\\/]~BUN[\\/]/.test(main);
  return compiled ? [process.execPath] : [process.execPath, main];
}

export interface ChildProcess {
  name: string;
  argv: string[];
  proc: Subprocess<"pipe", "pipe", "pipe">;
  pid: number;
  port: number;
  /** What the child said when it was ready (its port, and whatever else it announces). */
  ready: Record<string, unknown>;
  stderr: LineTail;
  /** Set when gatebench itself stops the child, so its exit is expected. */
  stopping: boolean;
  /** Set once the process has exited. */
  exit: { code: number | null; signal: string | null } | undefined;
}

function exitOf(proc: Subprocess): { code: number | null; signal: string | null } {
  return { code: proc.exitCode, signal: proc.signalCode === null ? null : String(proc.signalCode) };
}

export function describeExit(e: { code: number | null; signal: string | null }): string {
  return e.signal ? `was killed by ${e.signal}` : `exited with code ${e.code}`;
}

function failure(child: ChildProcess, what: string): ProcessFailure {
  const tail = child.stderr.text().trim();
  const cmd = child.argv.join(" ");
  return new ProcessFailure(`${child.name} ${what}\n  command: ${cmd}` + (tail ? `\n  last lines of its stderr:\n${tail.replace(/^/gm, "    ")}` : ""));
}

async function pump(stream: ReadableStream<Uint8Array>, onText: (t: string) => void): Promise<void> {
  const decoder = new TextDecoder();
  for await (const chunk of stream) onText(decoder.decode(chunk, { stream: true }));
}

/**
 * Starts a child and waits until it prints `GATEBENCH_READY {"port":N}`.
 * Its stdin stays open as a lifeline: gatebench children exit when it closes,
 * so they never outlive a gatebench that was killed.
 */
export async function startChild(
  name: string,
  argv: string[],
  readyTimeoutMs: number,
  cancel?: AbortSignal,
  env?: Record<string, string>,
): Promise<ChildProcess> {
  const proc = Bun.spawn(argv, { stdin: "pipe", stdout: "pipe", stderr: "pipe", ...(env ? { env: { ...process.env, ...env } } : {}) });
  const child: ChildProcess = { name, argv, proc, pid: proc.pid, port: -1, ready: {}, stderr: new LineTail(20), stopping: false, exit: undefined };
  void proc.exited.then(() => {
    child.exit = exitOf(proc);
  });
  const stderrDone = pump(proc.stderr, (t) => child.stderr.push(t));
  let resolveReady: (port: number) => void = () => {};
  const ready = new Promise<number>((r) => (resolveReady = r));
  let stdoutBuf = "";
  void pump(proc.stdout, (t) => {
    if (child.port >= 0) return;
    stdoutBuf += t;
    const at = stdoutBuf.indexOf(READY_PREFIX);
    const nl = at === -1 ? -1 : stdoutBuf.indexOf("\n", at);
    if (nl !== -1) {
      const info = JSON.parse(stdoutBuf.slice(at + READY_PREFIX.length, nl)) as { port: number };
      child.ready = info;
      resolveReady(info.port);
    }
  });
  let timer: Timer | undefined;
  let onCancel: (() => void) | undefined;
  const outcome = await Promise.race([
    ready.then((port) => ({ port })),
    proc.exited.then(() => ({ exited: true as const })),
    new Promise<{ timeout: true }>((r) => (timer = setTimeout(() => r({ timeout: true }), readyTimeoutMs))),
    new Promise<{ cancelled: true }>((r) => {
      if (!cancel) return;
      onCancel = () => r({ cancelled: true });
      if (cancel.aborted) onCancel();
      else cancel.addEventListener("abort", onCancel, { once: true });
    }),
  ]);
  clearTimeout(timer);
  if (onCancel) cancel?.removeEventListener("abort", onCancel);
  if ("cancelled" in outcome) {
    await stopChild(child, 1000);
    throw new ProcessFailure(`interrupted while the ${name} was starting`);
  }
  if ("port" in outcome) {
    child.port = outcome.port;
    return child;
  }
  if ("exited" in outcome) {
    // The pipe closes with the process; wait (briefly) for its last bytes.
    await Promise.race([stderrDone, Bun.sleep(500)]);
    throw failure(child, `${describeExit(exitOf(proc))} before it was ready`);
  }
  await stopChild(child, 1000);
  throw failure(child, `was not ready within ${readyTimeoutMs} ms`);
}

/** SIGTERM, then SIGKILL after `graceMs`. Resolves once the process is gone. */
export async function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  const proc = child.proc;
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  proc.kill("SIGTERM");
  let timer: Timer | undefined;
  const killed = await Promise.race([proc.exited.then(() => false), new Promise<boolean>((r) => (timer = setTimeout(() => r(true), graceMs)))]);
  clearTimeout(timer);
  if (killed) {
    proc.kill("SIGKILL");
    await proc.exited;
  }
}
