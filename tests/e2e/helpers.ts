// Running the real CLI in tests: NO_COLOR, a tag in the environment that
// every descendant inherits (so leftovers can be found in /proc), stdout,
// stderr and exit code read together, and a hard deadline.
import { afterAll, expect } from "bun:test";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const ROOT = join(import.meta.dir, "..", "..");
export const ENTRY = join(ROOT, "src", "main.ts");

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function newTag(): string {
  return `gatebench-test-${crypto.randomUUID()}`;
}

/**
 * Runs of `gatebench run` in tests get a 1 s idle phase, no cool-down and
 * no baseline unless a test asks for them: the defaults (3 s each, and a
 * baseline that doubles the load phase) would add minutes to the suite
 * without testing anything more. tests/e2e/baseline.test.ts tests the
 * baseline.
 */
export const TEST_PHASES = ["--idle", "1s", "--cooldown", "0s"];

/**
 * The CLI's command line in a test. Runs and sweeps get free ports unless
 * the test names them (a test never binds the fixed defaults 8081 and 9091,
 * which another test, or a user's server, may hold).
 */
export function cliArgv(args: string[]): string[] {
  const run = args[0] === "run";
  const quick = run && !args.some((a) => /^--?(idle|cooldown)\b/.test(a)) ? TEST_PHASES : [];
  const noBaseline = run && !args.some((a) => /^--(baseline|no-mock)\b/.test(a)) ? ["--baseline", "off"] : [];
  const loads = run || args[0] === "sweep";
  const ports = loads
    ? [...(args.some((a) => /^--?port\b/.test(a)) ? [] : ["--port", "0"]), ...(args.some((a) => /^--?mock-port\b/.test(a)) ? [] : ["--mock-port", "0"])]
    : [];
  return [process.execPath, ENTRY, ...args, ...quick, ...noBaseline, ...ports];
}

/** The temp folder of each tag given by a test file's scratch(): the runs' TMPDIR, removed with the scratch folder. */
const tempOfTag = new Map<string, string>();

export function cliEnv(tag: string, extra: Record<string, string> = {}): Record<string, string> {
  const tmp = tempOfTag.get(tag);
  return { ...(process.env as Record<string, string>), NO_COLOR: "1", GATEBENCH_TEST_TAG: tag, ...(tmp ? { TMPDIR: tmp } : {}), ...extra };
}

/** Runs the CLI to completion (killed after `timeoutMs`). */
export async function cli(args: string[], opts: { tag?: string; timeoutMs?: number; cwd?: string; openFiles?: number } = {}): Promise<CliRun> {
  const tag = opts.tag ?? newTag();
  // openFiles: run under this open-file limit (ulimit -n, soft and hard)
  const argv = opts.openFiles === undefined ? cliArgv(args) : ["sh", "-c", `ulimit -n ${opts.openFiles} && exec "$@"`, "sh", ...cliArgv(args)];
  await using proc = Bun.spawn(argv, {
    env: cliEnv(tag),
    cwd: opts.cwd ?? ROOT,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    timeout: opts.timeoutMs ?? 60_000,
    killSignal: "SIGKILL",
  });
  const [stdout, stderr, code] = await Promise.all([proc.stdout.text(), proc.stderr.text(), proc.exited]);
  return { code, stdout, stderr };
}

/**
 * Starts the CLI without waiting for it; its stdout and stderr collect in
 * `out` as they come (`pumped` resolves once both are closed). With
 * `detached`, it gets its own process group, so a test can send Ctrl-C the
 * way a terminal does: to the whole group. Killed after `timeoutMs`; use
 * with `await using` so it is killed when the test ends, even on failure.
 */
export function startCli(args: string[], opts: { tag: string; detached?: boolean; timeoutMs?: number }) {
  const proc = Bun.spawn(cliArgv(args), {
    env: cliEnv(opts.tag),
    cwd: ROOT,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    timeout: opts.timeoutMs ?? 60_000,
    killSignal: "SIGKILL",
    detached: opts.detached ?? false,
  });
  const out = { stdout: "", stderr: "" };
  const pump = async (stream: ReadableStream<Uint8Array>, key: "stdout" | "stderr") => {
    const d = new TextDecoder();
    for await (const c of stream) out[key] += d.decode(c, { stream: true });
  };
  const pumped = Promise.all([pump(proc.stdout, "stdout"), pump(proc.stderr, "stderr")]);
  return { proc, out, pumped, [Symbol.asyncDispose]: () => proc[Symbol.asyncDispose]() };
}

/** Pids of live processes whose environment carries `tag`. */
export function processesWithTag(tag: string): number[] {
  const found: number[] = [];
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/environ`, "latin1").includes(`GATEBENCH_TEST_TAG=${tag}`)) {
        // a zombie has no environ left to read, so a match is a live process
        found.push(Number(d));
      }
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

/**
 * The streaming recipe test's verdict: `streams` streams of the mock at
 * `--mock-itl 50ms --mock-tokens 10` (first token after its default 80 ms,
 * about 530 ms in all) came through a proxy complete and unbuffered. A
 * buffering proxy delivers every chunk at once: gaps near 0, the first
 * token at the end.
 */
// biome-ignore lint: the JSON result is checked field by field
export function expectStreamedThrough(doc: any, streams: number): void {
  const s = doc.summary;
  expect(s.requests.total).toBe(streams);
  expect(s.requests.success_ratio).toBe(1);
  expect(doc.run.mock.received.streams_completed).toBe(streams);
  expect(s.itl_ms.p50).toBeGreaterThan(40);
  expect(s.itl_ms.p50).toBeLessThan(70);
  expect(s.ttft_ms.p50).toBeGreaterThanOrEqual(80);
  expect(s.ttft_ms.p50).toBeLessThan(250);
  expect(s.latency_ms.p50).toBeGreaterThan(500);
}

/** Polls `check` until it returns a truthy value or `timeoutMs` passes. */
export async function waitFor<T>(check: () => T | Promise<T>, timeoutMs: number, what: string): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await Bun.sleep(25);
  }
}

/**
 * A test file's scratch space: a temp folder, and process tags that are
 * all killed (with the folder removed) after the file's tests, passed or
 * failed. `tagged()` gives a new tag to run gatebench with; such a run's
 * TMPDIR is in the folder, so whatever it leaves there (a gateway's kept
 * log) goes with it.
 */
export function scratch(prefix: string): { dir: string; tagged(): string } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const tmp = join(dir, "tmp");
  mkdirSync(tmp);
  const tags: string[] = [];
  afterAll(() => {
    for (const t of tags) killTagged(t);
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    dir,
    tagged() {
      const t = newTag();
      tags.push(t);
      tempOfTag.set(t, tmp);
      return t;
    },
  };
}

/** Kills (SIGKILL) whatever still carries the tag; for cleanup after a failed test. */
export function killTagged(tag: string): void {
  for (const pid of processesWithTag(tag)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
}

/** The error a call fails with (the libraries' promises are lazy thenables, so await them here). */
export async function failure(call: () => PromiseLike<unknown>): Promise<unknown> {
  try {
    await call();
  } catch (e) {
    return e;
  }
  throw new Error("the call succeeded");
}
