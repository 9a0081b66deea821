// The user's gateway: its command line and config rendered with the
// placeholders, started in its own process group (so a shell, npm or a
// supervisor and everything they start are stopped together; on Windows,
// its process tree), its output
// written to a log file, and waited on until it answers. A gateway that
// exits before it is ready, or takes too long, is a ProcessFailure naming
// the command, its exit status and the last lines of its stderr. With CPUs
// given (--gateway-cpus), its supervisor pins itself to them before it
// starts the command, so the whole group inherits them.
import type { Subprocess } from "bun";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describeExit, LineTail, ProcessFailure } from "../process/children.ts";
import { WINDOWS } from "../platform.ts";
import { stopGroup } from "../process/group.ts";
import { spawnSupervised } from "../process/supervisor.ts";
import { clearTempDir, extensionOf, LOG_FILE, logHasContent, newTempDir, settleTempDir } from "./temp.ts";
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
  /** Its supervisor (whose exit mirrors the gateway's). */
  proc: Subprocess;
  /** The gateway's own pid: the leader of its process group. */
  pid: number;
  port: number;
  logPath: string;
  /** Its temp folder: the rendered config, the log. */
  dir: string;
  configPath: string | undefined;
  stderr: LineTail;
  /** Set when gatebench stops it, so its exit is expected. */
  stopping: boolean;
  /** Removes what the temp folder holds but the log (unless --keep-temp). */
  cleanup(): void;
  /** Once it has stopped: the log moved out of the temp folder when `keepLog` (its new path returned), the folder removed (unless --keep-temp). */
  settle(keepLog: boolean): string | undefined;
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

/** The URL --ready-url names, placeholders replaced; a TemplateError (before anything starts) when it is not an http(s) URL. */
export function readyUrlOf(spec: GatewaySpec, values: PlaceholderValues): string | undefined {
  if (spec.readyUrl === undefined) return undefined;
  const url = render(spec.readyUrl, values, process.env, "--ready-url");
  let ok = false;
  try {
    ok = /^https?:$/.test(new URL(url).protocol);
  } catch {
    ok = false;
  }
  if (!ok) throw new TemplateError(`--ready-url "${spec.readyUrl}": expected an http:// or https:// URL, e.g. --ready-url "http://{{HOST}}:{{PORT}}/health"`);
  return url;
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

async function pump(stream: AsyncIterable<Uint8Array>, onChunk: (c: Uint8Array) => void): Promise<void> {
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
  cpus?: number[],
): Promise<ExternalGateway> {
  const dir = newTempDir();
  const configPath = spec.configTemplate ? join(dir, `config${extensionOf(spec.configTemplate)}`) : undefined;
  const all: PlaceholderValues = { ...values, CONFIG: configPath ?? "" };
  // The folder holds the rendered config, the gateway's log and whatever
  // temp files the gateway writes next to its config (nginx's client body
  // and proxy folders). Once the gateway has stopped, all but the log go,
  // unless --keep-temp; then the log goes where the run puts it (settle).
  const cleanup = (): void => {
    if (spec.keepTemp) return;
    clearTempDir(dir);
  };
  const logPath = join(dir, LOG_FILE);
  const settle = (keepLog: boolean): string | undefined => settleTempDir(dir, keepLog, spec.keepTemp);
  let argv: string[] = [];
  let readyUrl: string | undefined;
  let launched: Awaited<ReturnType<typeof spawnSupervised>>;
  try {
    const config = renderConfig(spec, all);
    if (configPath && config !== undefined) writeFileSync(configPath, config, { mode: 0o600 });
    argv = gatewayArgv(spec, all);
    readyUrl = readyUrlOf(spec, all);
    const env = { ...(process.env as Record<string, string>), ...placeholderEnv(all), ...Object.fromEntries(spec.env) };
    launched = await spawnSupervised(argv, { cwd: spec.cwd, env, dir, verbatim: spec.shell && WINDOWS, ...(cpus ? { cpus } : {}) });
  } catch (err) {
    settle(false);
    if (err instanceof ProcessFailure) throw new ProcessFailure(`gateway ${err.message}\n  command: ${argv.join(" ")}`);
    throw err;
  }
  const { proc, pid } = launched;
  const log = Bun.file(logPath).writer();
  const stderr = new LineTail(20);
  const dec = new TextDecoder();
  const piped = Promise.all([
    pump(launched.stdout, (c) => void log.write(c)),
    pump(proc.stderr, (c) => {
      log.write(c);
      stderr.push(dec.decode(c, { stream: true }));
    }),
  ]).finally(() => void log.end());
  const gw: ExternalGateway = {
    name: "gateway",
    argv,
    proc,
    pid,
    port: Number(values.PORT),
    logPath,
    dir,
    configPath,
    stderr,
    stopping: false,
    cleanup,
    settle,
  };
  return await untilReady(gw, { readyUrl, host: values.HOST, readyTimeoutMs, cancel, piped });
}

/** Waits until the gateway answers; when it cannot (it exited, took too long, the run was interrupted), stops it and throws a ProcessFailure. */
async function untilReady(
  gw: ExternalGateway,
  o: { readyUrl: string | undefined; host: string; readyTimeoutMs: number; cancel: AbortSignal; piped: Promise<unknown> },
): Promise<ExternalGateway> {
  const { proc } = gw;
  const failed = (what: string): ProcessFailure => {
    const tail = gw.stderr.text().trim();
    const kept = gw.settle(logHasContent(gw.dir));
    return new ProcessFailure(
      `gateway ${what}\n  command: ${gw.argv.join(" ")}\n  log: ${kept ?? "(it wrote nothing)"}` +
        (tail ? `\n  last lines of its stderr:\n${tail.replace(/^/gm, "    ")}` : ""),
    );
  };
  const deadline = performance.now() + o.readyTimeoutMs;
  for (;;) {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      await Promise.race([o.piped, Bun.sleep(500)]);
      throw failed(`${describeExit({ code: proc.exitCode, signal: proc.signalCode === null ? null : String(proc.signalCode) })} before it was ready`);
    }
    if (o.cancel.aborted) {
      await stopGateway(gw, 1000);
      gw.settle(false);
      throw new ProcessFailure("interrupted while the gateway was starting");
    }
    if (o.readyUrl ? await httpAnswers(o.readyUrl) : await tcpOpen(o.host, gw.port)) return gw;
    if (performance.now() > deadline) {
      await stopGateway(gw, 1000);
      await Promise.race([o.piped, Bun.sleep(500)]);
      throw failed(
        `was not ready within ${o.readyTimeoutMs / 1000} s (${o.readyUrl ? `GET ${o.readyUrl}` : `a TCP connect to ${o.host}:${gw.port}`}); raise --ready-timeout if it starts slowly`,
      );
    }
    await Bun.sleep(50);
  }
}

/**
 * A command line run by the system's shell: `sh -c` (POSIX), or `cmd /d /s
 * /c "…"` (Windows), which must be spawned with windowsVerbatimArguments so
 * that the line reaches cmd as written (cmd does not read the C runtime's \"
 * escapes).
 */
export const shellArgv = (line: string): string[] => (WINDOWS ? ["cmd.exe", "/d", "/s", "/c", `"${line}"`] : ["sh", "-c", line]);

/**
 * SIGTERM to the gateway's process group, up to `graceMs` for it to go, then
 * SIGKILL to the group. Resolves once no process of the group is left.
 */
export async function stopGateway(gw: ExternalGateway, graceMs: number): Promise<void> {
  gw.stopping = true;
  await stopGroup(gw.pid, graceMs);
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
  // under a supervisor, in a group of its own: killed whole at the timeout, or when gatebench is gone
  const hook = await spawnSupervised(shellArgv(line), { env, verbatim: WINDOWS }).catch((err: Error) => {
    throw new ProcessFailure(`${what} ${err.message}\n  command: ${shellArgv(line).join(" ")}`);
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void stopGroup(hook.pid, 0);
  }, timeoutMs);
  const tail = new LineTail(20);
  const dec = new TextDecoder();
  await Promise.all([
    pump(hook.stdout, (c) => tail.push(dec.decode(c, { stream: true }))),
    pump(hook.proc.stderr, (c) => tail.push(dec.decode(c, { stream: true }))),
  ]);
  const code = await hook.proc.exited;
  clearTimeout(timer);
  return { code: timedOut || hook.proc.signalCode ? null : code, output: tail.text().trim(), line };
}
