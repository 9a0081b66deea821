// Faults around a run: gatebench itself killed or hung up on, its stdout
// closed early, a full filesystem, and upstreams and gateways that hang,
// close every connection, or never end a stream. Each ends with an honest
// report (or one clear line), the right exit code, and nothing left behind:
// no process, no port held, no temp folder.
import { describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { cli, cliArgv, cliEnv, processesWithTag, ROOT, startCli, waitFor, scratch } from "./helpers.ts";

const nginx = ["/usr/sbin/nginx", "/usr/bin/nginx"].find((p) => existsSync(p));
const needNginx = process.env.CI === "true" || process.env.CI === "1";
const { dir, tagged } = scratch("gatebench-faults-");
const ODD = join(ROOT, "tests", "e2e", "fixtures", "odd-gateway.ts");

// biome-ignore lint: the JSON result is checked field by field
type Doc = any;
const docOf = (path: string): Doc => JSON.parse(readFileSync(path, "utf8"));

const nginxGateway = () => ["--gateway", `${nginx} -p ${dir} -c {{CONFIG}}`, "--config-template", join(ROOT, "examples", "nginx.conf.tmpl")];

/** A long run through nginx, under way: its gateway's port and temp folder, read from its log lines. */
async function nginxRunUnderWay(json: string, more: string[] = []) {
  const tag = tagged();
  const run = startCli(["run", ...nginxGateway(), "--duration", "60s", "--rate", "20", "--stream", "--json", json, ...more], { tag, detached: true });
  await waitFor(() => / {2}sent [1-9]/.test(run.out.stderr), 20_000, "the load to be under way");
  const m = /gateway listening on http:\/\/127\.0\.0\.1:(\d+) \(pid (\d+): .* -c (\S+)\)/.exec(run.out.stderr);
  if (!m) throw new Error(`no gateway line in:\n${run.out.stderr}`);
  return { ...run, tag, port: Number(m[1]), group: Number(m[2]), tempDir: dirname(m[3]!) };
}

/** Live processes of the group `pgid` (nginx clears its environment, so the test's tag does not find it). */
function groupOf(pgid: number): number[] {
  const found: number[] = [];
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (f[0] !== "Z" && Number(f[2]) === pgid) found.push(Number(d));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** Whether a TCP listener can be opened on the port now. */
function portFree(port: number): boolean {
  try {
    Bun.listen({ hostname: "127.0.0.1", port, socket: { data() {} } }).stop(true);
    return true;
  } catch {
    return false;
  }
}

describe.concurrent.skipIf(!nginx && !needNginx)("gatebench stopped from outside, nginx as the gateway", () => {
  // with --client fetch, the load runs in a relaunched gatebench (its launcher only relays signals): that is the process killed
  for (const client of ["socket", "fetch"] as const) {
    test(`SIGKILL of gatebench's load process (--client ${client}): nginx's group and the mock exit on their own, the port is free, the temp folder is gone`, async () => {
      expect(nginx).toBeDefined();
      const run = await nginxRunUnderWay(join(dir, `kill9-${client}.json`), ["--client", client]);
      expect(existsSync(run.tempDir)).toBe(true);
      // gatebench (and its relaunched self), the mock, the supervisor; nginx's master and worker in a group of their own
      expect(processesWithTag(run.tag).length).toBe(client === "fetch" ? 4 : 3);
      expect(groupOf(run.group).length).toBe(2);
      const load =
        client === "fetch"
          ? processesWithTag(run.tag).find(
              (p) =>
                readFileSync(`/proc/${p}/environ`, "latin1").includes("GATEBENCH_RELAUNCHED=1") &&
                readFileSync(`/proc/${p}/cmdline`, "latin1").includes("\0run\0"),
            )!
          : run.proc.pid;
      process.kill(load, "SIGKILL");
      await run.proc.exited;
      const t0 = performance.now();
      await waitFor(() => processesWithTag(run.tag).length === 0 && groupOf(run.group).length === 0, 10_000, "every process of the run to exit");
      console.log(`--client ${client}: after SIGKILL, every process of the run gone in ${Math.round(performance.now() - t0)} ms`);
      await waitFor(() => !existsSync(run.tempDir), 5_000, "the temp folder to be removed");
      expect(portFree(run.port)).toBe(true);
    }, 40_000);
  }

  for (const signal of ["SIGTERM", "SIGHUP"] as const) {
    test(`${signal}: the run stops as after Ctrl-C twice, reports what it measured, exits 3; nothing left`, async () => {
      expect(nginx).toBeDefined();
      const json = join(dir, `${signal}.json`);
      const run = await nginxRunUnderWay(json);
      run.proc.kill(signal);
      const code = await run.proc.exited;
      await run.pumped;
      expect(code).toBe(3);
      expect(run.out.stderr).toContain("terminated: aborting in-flight requests");
      expect(run.out.stdout).toContain("ENDED EARLY: interrupted");
      const doc = docOf(json);
      expect(doc.run.ended_early).toBe("interrupted");
      expect(doc.summary.requests.total).toBeGreaterThan(0);
      expect(processesWithTag(run.tag)).toEqual([]);
      expect(groupOf(run.group)).toEqual([]);
      expect(existsSync(run.tempDir)).toBe(false);
      expect(portFree(run.port)).toBe(true);
    }, 40_000);
  }
});

describe.concurrent("a --setup command when gatebench is killed", () => {
  test("SIGKILL while --setup runs: the command's whole group is stopped by its supervisor", async () => {
    const tag = tagged();
    await using run = startCli(["run", "--duration", "5s", "--setup", "sleep 30 & sleep 31; true"], { tag, detached: true });
    await waitFor(() => run.out.stderr.includes("setup: "), 20_000, "--setup to start");
    // the shell, its two sleeps and the supervisor carry the tag (the environment is inherited)
    await waitFor(() => processesWithTag(tag).length >= 7, 5_000, "the setup's processes");
    run.proc.kill("SIGKILL");
    await run.proc.exited;
    await waitFor(() => processesWithTag(tag).length === 0, 10_000, "the setup's processes to be stopped");
  }, 40_000);
});

describe.concurrent("output and load faults", () => {
  test("stdout closed early (| head -1): no EPIPE, exit 0, the JSON and the run folder still written", async () => {
    const tag = tagged();
    const json = join(dir, "head.json");
    const out = join(dir, "head-out");
    const argv = cliArgv(["run", "--rate", "20", "--duration", "1s", "--json", json, "--out", out]).map((a) => `'${a}'`);
    await using proc = Bun.spawn(["bash", "-c", `${argv.join(" ")} | head -1; echo "exit \${PIPESTATUS[0]}" >&2`], {
      env: cliEnv(tag),
      cwd: ROOT,
      stdout: "pipe",
      stderr: "pipe",
      timeout: 30_000,
      killSignal: "SIGKILL",
    });
    const [stdout, stderr] = await Promise.all([proc.stdout.text(), proc.stderr.text(), proc.exited]);
    expect(stdout.split("\n").filter(Boolean)).toHaveLength(1);
    expect(stderr).toContain("exit 0");
    expect(stderr).not.toMatch(/EPIPE|    at /);
    expect(docOf(json).summary.requests.total).toBe(20);
    expect(readdirSync(out)).toContain("result.json");
    expect(processesWithTag(tag)).toEqual([]);
  }, 30_000);

  test("5,000 streams through a gateway under ulimit -n 4096: refused before anything starts, with the limit and the fix", async () => {
    const r = await cli(["run", "--stream", "-c", "5000", "--duration", "5s"], { tag: tagged(), openFiles: 4096 });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("this load may hold about 5000 connections open (the gateway two descriptors each");
    expect(r.stderr).toContain("over the open-file limit of 4096: raise it first (ulimit -n 65536)");
    expect(r.stderr).not.toContain("listening");
    expect(r.stdout).toBe("");
  }, 30_000);

  test("the mock's hang fault: those requests end as timeouts at --timeout, and the run ends on time", async () => {
    const json = join(dir, "hang.json");
    const t0 = performance.now();
    const r = await cli(["run", "--rate", "20", "--duration", "2s", "--mock-faults", "hang=20%", "--timeout", "1s", "--json", json], { tag: tagged() });
    const wallMs = performance.now() - t0;
    expect(r.code).toBe(0);
    const doc = docOf(json);
    const hung = doc.run.mock.received.faults.hang;
    expect(hung).toBeGreaterThan(0);
    expect(doc.summary.errors.timeout).toBe(hung);
    expect(doc.summary.requests.ok + hung).toBe(40);
    // 2 s of load and the last hang's 1 s timeout (timeouts are swept every 100 ms); the whole run, processes started and stopped, well within bounds
    expect(doc.run.load_ms).toBeGreaterThanOrEqual(2_000);
    expect(doc.run.load_ms).toBeLessThan(3_500);
    expect(wallMs).toBeLessThan(15_000);
  }, 30_000);

  test("a gateway that closes the connection after every response: every request succeeds, each on a connection of its own", async () => {
    const json = join(dir, "close.json");
    const r = await cli(["run", "--gateway", `${process.execPath} ${ODD} --port {{PORT}} --mode close`, "--rate", "50", "--duration", "1s", "--json", json], {
      tag: tagged(),
    });
    expect(r.stderr).not.toContain("    at ");
    const doc = docOf(json);
    expect(doc.summary.requests.total).toBe(50);
    expect(doc.summary.requests.success_ratio).toBe(1);
    expect(doc.run.client.connections_opened).toBe(50);
    expect(doc.run.client.keepalive_retries).toBe(0);
  }, 30_000);

  test("a gateway that answers 200 and never ends the stream: timeouts, no success, exit 3, on time", async () => {
    const json = join(dir, "endless.json");
    const tag = tagged();
    const t0 = performance.now();
    const r = await cli(
      [
        "run",
        "--gateway",
        `${process.execPath} ${ODD} --port {{PORT}} --mode endless`,
        "--stream",
        "--rate",
        "10",
        "--duration",
        "1s",
        "--timeout",
        "1s",
        "--json",
        json,
      ],
      { tag },
    );
    const wallMs = performance.now() - t0;
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("no request succeeded");
    const doc = docOf(json);
    expect(doc.summary.requests.total).toBe(10);
    expect(doc.summary.errors.timeout).toBe(10);
    expect(wallMs).toBeLessThan(15_000);
    expect(processesWithTag(tag)).toEqual([]);
  }, 30_000);
});

/** A tiny tmpfs, mounted for the test (root only), with `freeKb` left free. */
function tinyFilesystem(name: string, freeKb: number): { path: string; [Symbol.dispose](): void } | undefined {
  const path = join(dir, name);
  mkdirSync(path);
  const mount = Bun.spawnSync(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", path], { stderr: "pipe" });
  if (!mount.success) return undefined;
  writeFileSync(join(path, "fill"), Buffer.alloc((64 - freeKb) * 1024));
  return {
    path,
    [Symbol.dispose]() {
      Bun.spawnSync(["umount", path]);
      rmdirSync(path);
    },
  };
}

const root = process.getuid?.() === 0;

describe.concurrent.skipIf(!root)("--out on a full filesystem (a tiny tmpfs, mounted as root)", () => {
  test("full before the run: refused in one line before anything starts (exit 2)", async () => {
    using fs = tinyFilesystem("full", 0);
    if (!fs) return;
    const r = await cli(["run", "--duration", "1s", "--out", join(fs.path, "run")], { tag: tagged() });
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(`[error] --out "${join(fs.path, "run")}": cannot create it in ${fs.path}: its filesystem is full (ENOSPC)`);
    expect(r.stdout).toBe("");
  }, 30_000);

  test("full during the write: one line says so, the report is still printed, exit 3", async () => {
    using fs = tinyFilesystem("nearly", 12);
    if (!fs) return;
    const out = join(fs.path, "run");
    const r = await cli(["run", "--rate", "20", "--duration", "1s", "--out", out], { tag: tagged() });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`--out "${out}": only 12 KB free on its filesystem; the results may not fit`);
    expect(r.stderr).toContain(`[error] could not write the run folder ${out}: ENOSPC: no space left on device`);
    expect(r.stdout).toContain("Requests");
  }, 30_000);
});
