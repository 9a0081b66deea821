// The user's gateway: its command line and config rendered with the
// placeholders, started in its own process group (so a shell, npm or a
// supervisor and everything they start are stopped together; on Windows,
// its process tree), its output
// written to a log file, and waited on until it answers. A gateway that
// exits before it is ready, or takes too long, is a ProcessFailure naming
// the command, its exit status and the last lines of its stderr.
import type { Subprocess } from "bun";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { describeExit, LineTail, ProcessFailure } from "../process/children.ts";
import { WINDOWS } from "../platform.ts";
import { groupMembers } from "../process/tree.ts";
import { placeholderEnv, render, splitCommand, TemplateError, type PlaceholderValues } from "./template.ts";

export interface GatewaySpec {
  /** The command line as given to --gateway. */
  command: string;
  /** Run it through `sh -c` (pipes, env assignments) instead of splitting it into argv. */
  shell: boolean;
  /** Config template to render into a temp file ({{CONFIG}}). */
  configTemplate: string | undefined;
  /** Keep the rendered config (and the temp folder) after the run. */
  keepTemp: boolean;
  env: [string, string][];
  cwd: string | undefined;
  /** GET this URL (placeholders allowed) until it answers below 500; else a TCP connect to the gateway port. */
  readyUrl: string | undefined;
}

export interface ExternalGateway {
  name: string;
  argv: string[];
  proc: Subprocess;
  pid: number;
  port: number;
  logPath: string;
  configPath: string | undefined;
  stderr: LineTail;
  /** Set when gatebench stops it, so its exit is expected. */
  stopping: boolean;
  /** Removes what the temp folder holds but the log (unless --keep-temp). */
  cleanup(): void;
}

/** Renders the template (checked before anything starts): returns the text, or throws a TemplateError naming the line. */
export function renderConfig(spec: GatewaySpec, values: PlaceholderValues): string | undefined {
  if (!spec.configTemplate) return undefined;
  let text: string;
  try {
    text = readFileSync(spec.configTemplate, "utf8");
  } catch (err) {
    throw new TemplateError(`--config-template ${spec.configTemplate}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  return render(text, values, process.env, spec.configTemplate);
}

/** The argv the gateway runs with, placeholders replaced. */
export function gatewayArgv(spec: GatewaySpec, values: PlaceholderValues): string[] {
  const line = render(spec.command, values, process.env, "--gateway");
  if (spec.shell) return shellArgv(line);
  const argv = splitCommand(line);
  if (argv.length === 0) throw new TemplateError('--gateway is empty: give the gateway\'s command line, e.g. --gateway "nginx -c {{CONFIG}}"');
  return argv;
}

async function tcpOpen(host: string, port: number): Promise<boolean> {
  try {
    const s = await Bun.connect({ hostname: host, port, socket: { data() {} } });
    s.end();
    return true;
  } catch {
    return false;
  }
}

async function httpAnswers(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer();
    return res.status < 500;
  } catch {
    return false;
  }
}

async function pump(stream: ReadableStream<Uint8Array>, onChunk: (c: Uint8Array) => void): Promise<void> {
  for await (const chunk of stream) onChunk(chunk);
}

/**
 * Starts the gateway and waits until it is ready. `values.CONFIG` is where
 * the rendered config goes; the log is written next to it.
 */
export async function startGateway(
  spec: GatewaySpec,
  values: Omit<PlaceholderValues, "CONFIG">,
  readyTimeoutMs: number,
  cancel: AbortSignal,
): Promise<ExternalGateway> {
  const dir = mkdtempSync(join(tmpdir(), "gatebench-gateway-"));
  chmodSync(dir, 0o700);
  const configPath = spec.configTemplate ? join(dir, `config${extensionOf(spec.configTemplate)}`) : undefined;
  const all: PlaceholderValues = { ...values, CONFIG: configPath ?? "" };
  // The folder holds the rendered config, the gateway's log and whatever
  // temp files the gateway writes next to its config (nginx's client body
  // and proxy folders). Once the gateway has stopped, all but the log go,
  // unless --keep-temp: the result names the log (run.gateway.log), and
  // --out copies it.
  const cleanup = (): void => {
    if (spec.keepTemp) return;
    for (const entry of readdirSync(dir)) if (entry !== LOG_FILE) rmSync(join(dir, entry), { recursive: true, force: true });
  };
  const config = renderConfig(spec, all);
  if (configPath && config !== undefined) writeFileSync(configPath, config, { mode: 0o600 });
  const argv = gatewayArgv(spec, all);
  const readyUrl = spec.readyUrl ? render(spec.readyUrl, all, process.env, "--ready-url") : undefined;
  const logPath = join(dir, LOG_FILE);
  mkdirSync(dir, { recursive: true });
  const log = Bun.file(logPath).writer();
  const env = { ...(process.env as Record<string, string>), ...placeholderEnv(all), ...Object.fromEntries(spec.env) };
  let proc: Subprocess<"ignore", "pipe", "pipe">;
  try {
    proc = Bun.spawn(argv, { cwd: spec.cwd, env, stdin: "ignore", stdout: "pipe", stderr: "pipe", detached: true, ...(spec.shell ? SHELL_SPAWN : {}) });
  } catch (err) {
    cleanup();
    throw new ProcessFailure(`gateway could not be started: ${(err as Error).message}\n  command: ${argv.join(" ")}`);
  }
  const stderr = new LineTail(20);
  const dec = new TextDecoder();
  const piped = Promise.all([
    pump(proc.stdout, (c) => void log.write(c)),
    pump(proc.stderr, (c) => {
      log.write(c);
      stderr.push(dec.decode(c, { stream: true }));
    }),
  ]).finally(() => void log.end());
  const gw: ExternalGateway = { name: "gateway", argv, proc, pid: proc.pid, port: Number(values.PORT), logPath, configPath, stderr, stopping: false, cleanup };

  const deadline = performance.now() + readyTimeoutMs;
  const failed = (what: string): ProcessFailure => {
    const tail = stderr.text().trim();
    return new ProcessFailure(
      `gateway ${what}\n  command: ${argv.join(" ")}\n  log: ${logPath}` + (tail ? `\n  last lines of its stderr:\n${tail.replace(/^/gm, "    ")}` : ""),
    );
  };
  for (;;) {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      await Promise.race([piped, Bun.sleep(500)]);
      cleanup();
      throw failed(`${describeExit({ code: proc.exitCode, signal: proc.signalCode === null ? null : String(proc.signalCode) })} before it was ready`);
    }
    if (cancel.aborted) {
      await stopGateway(gw, 1000);
      throw new ProcessFailure("interrupted while the gateway was starting");
    }
    if (readyUrl ? await httpAnswers(readyUrl) : await tcpOpen(values.HOST, gw.port)) return gw;
    if (performance.now() > deadline) {
      await stopGateway(gw, 1000);
      throw failed(
        `was not ready within ${readyTimeoutMs / 1000} s (${readyUrl ? `GET ${readyUrl}` : `a TCP connect to ${values.HOST}:${gw.port}`}); raise --ready-timeout if it starts slowly`,
      );
    }
    await Bun.sleep(50);
  }
}

/**
 * A command line run by the system's shell: `sh -c` (POSIX), or `cmd /d /s
 * /c "…"` (Windows), which must be spawned with SHELL_SPAWN so that the line
 * reaches cmd as written (cmd does not read the C runtime's \" escapes).
 */
export const shellArgv = (line: string): string[] => (WINDOWS ? ["cmd.exe", "/d", "/s", "/c", `"${line}"`] : ["sh", "-c", line]);
const SHELL_SPAWN = WINDOWS ? { windowsVerbatimArguments: true } : {};

const LOG_FILE = "gateway.log";

const extensionOf = (path: string): string => {
  const base = basename(path);
  const noTmpl = base.replace(/\.(tmpl|template|tpl)$/, "");
  const dot = noTmpl.lastIndexOf(".");
  return dot > 0 ? noTmpl.slice(dot) : "";
};

/** Whether any process of the group led by `pgid` is alive (zombies waiting to be reaped do not count). */
async function groupAlive(pgid: number): Promise<boolean> {
  const members = await groupMembers(pgid);
  if (members) return members.length > 0;
  try {
    process.kill(WINDOWS ? pgid : -pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Asks the group led by `pgid` to stop (SIGTERM), or makes it (SIGKILL). On
 * Windows, which has neither groups nor SIGTERM, and where a console
 * process (a gateway has no window) cannot be asked to close, taskkill /T /F
 * ends the whole tree at once, whichever is asked.
 */
async function signalGroup(pgid: number, signal: "SIGTERM" | "SIGKILL"): Promise<void> {
  try {
    if (WINDOWS)
      await Bun.spawn(["taskkill", "/PID", String(pgid), "/T", "/F"], { stdin: "ignore", stdout: "ignore", stderr: "ignore", windowsHide: true }).exited;
    else process.kill(-pgid, signal);
  } catch {
    // gone meanwhile
  }
}

/**
 * SIGTERM to the gateway's process group, up to `graceMs` for it to go, then
 * SIGKILL to the group. Resolves once no process of the group is left.
 */
export async function stopGateway(gw: ExternalGateway, graceMs: number): Promise<void> {
  gw.stopping = true;
  const pgid = gw.pid;
  if (await groupAlive(pgid)) {
    await signalGroup(pgid, "SIGTERM");
    const deadline = performance.now() + graceMs;
    while ((await groupAlive(pgid)) && performance.now() < deadline) await Bun.sleep(20);
    if (await groupAlive(pgid)) {
      await signalGroup(pgid, "SIGKILL");
      const hard = performance.now() + 5000;
      while ((await groupAlive(pgid)) && performance.now() < hard) await Bun.sleep(20);
    }
  }
  await gw.proc.exited;
  gw.cleanup();
}

/**
 * A provisioning command (--setup, --teardown) through `sh -c`, with the
 * placeholders rendered and the same environment as the gateway. Resolves
 * with its exit code and the last lines of its output; killed after
 * `timeoutMs`.
 */
export async function runHook(
  what: string,
  command: string,
  values: PlaceholderValues,
  extraEnv: [string, string][],
  timeoutMs: number,
): Promise<{ code: number | null; output: string; line: string }> {
  const line = render(command, values, process.env, what);
  const env = { ...(process.env as Record<string, string>), ...placeholderEnv(values), ...Object.fromEntries(extraEnv) };
  const proc = Bun.spawn(shellArgv(line), { env, stdin: "ignore", stdout: "pipe", stderr: "pipe", timeout: timeoutMs, killSignal: "SIGKILL", ...SHELL_SPAWN });
  const tail = new LineTail(20);
  const dec = new TextDecoder();
  await Promise.all([
    pump(proc.stdout, (c) => tail.push(dec.decode(c, { stream: true }))),
    pump(proc.stderr, (c) => tail.push(dec.decode(c, { stream: true }))),
  ]);
  const code = await proc.exited;
  return { code: proc.signalCode ? null : code, output: tail.text().trim(), line };
}
