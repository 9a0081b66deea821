// A real third-party gateway started by gatebench (--gateway with a config
// template): nginx from Debian's packages in front of the mock. And the
// ways a gateway can fail to start or die, each ending with nothing left
// running (the whole process group is checked through the test's tag).
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { cli, processesWithTag, ROOT, startCli, waitFor, scratch } from "./helpers.ts";

const nginx = ["/usr/sbin/nginx", "/usr/bin/nginx"].find((p) => existsSync(p));
const needNginx = process.env.CI === "true" || process.env.CI === "1";
const { dir, tagged } = scratch("gatebench-gw-");

// biome-ignore lint: the JSON result is checked field by field
type Doc = any;

async function run(name: string, args: string[], timeoutMs = 60_000) {
  const tag = tagged();
  const json = join(dir, `${name}.json`);
  const r = await cli(["run", "--port", "0", "--mock-port", "0", "--json", json, ...args], { tag, timeoutMs });
  const doc: Doc = existsSync(json) ? JSON.parse(readFileSync(json, "utf8")) : undefined;
  return { r, doc, tag };
}

const nginxGateway = () => ["--gateway", `${nginx} -p ${dir} -c {{CONFIG}}`, "--config-template", join(ROOT, "examples", "nginx.conf.tmpl")];

describe.concurrent.skipIf(!nginx && !needNginx)("nginx started by gatebench from examples/nginx.conf.tmpl", () => {
  test("unary and streaming through nginx; nothing left at the end: no process, no temp folder, no empty log", async () => {
    expect(nginx).toBeDefined();
    const { r, doc, tag } = await run("nginx", [...nginxGateway(), "--rate", "100", "--duration", "1s", "--cooldown", "1s"]);
    expect(r.stderr).not.toContain("    at ");
    expect(r.code).toBe(0);
    expect(doc.summary.requests.total).toBe(100);
    expect(doc.summary.requests.success_ratio).toBe(1);
    expect(doc.run.mock.received.requests).toBe(100);
    expect(doc.run.gateway.kind).toBe("command");
    expect(doc.run.gateway.command[0]).toBe(nginx);
    // nginx said nothing: no log is kept, and the temp folder (the rendered config, nginx's own temp folders) is gone
    expect(doc.run.gateway.log).toBeUndefined();
    expect(existsSync(dirname(doc.run.gateway.command.at(-1)))).toBe(false);
    // master and worker are sampled together, in every phase
    expect(doc.summary.resources.gateway.load.rss_mb_max).toBeGreaterThan(2);
    expect(Object.keys(doc.summary.resources.gateway)).toEqual(["idle", "load", "drain", "cooldown"]);
    expect(doc.summary.resources.gateway.cooldown.samples).toBeGreaterThanOrEqual(3);
    expect(r.stdout).toContain("gateway   ");
    expect(processesWithTag(tag)).toEqual([]);

    // readiness through an HTTP GET (nginx → mock); samples every 100 ms
    const s = await run("nginx-stream", [
      ...nginxGateway(),
      "--ready-url",
      "http://{{HOST}}:{{PORT}}/v1/models",
      "--sample-interval",
      "100ms",
      "--rate",
      "10",
      "--duration",
      "1s",
      "--stream",
    ]);
    expect(s.r.code).toBe(0);
    expect(s.doc.summary.requests.success_ratio).toBe(1);
    expect(s.doc.summary.ttft_ms.min).toBeGreaterThanOrEqual(80);
    expect(s.doc.summary.itl_ms.p50).toBeLessThan(45);
    expect(s.doc.config.sampleIntervalMs).toBe(100);
    expect(s.doc.summary.resources.gateway.load.samples).toBeGreaterThanOrEqual(8);
    expect(s.doc.summary.derived.gateway_rss_mb_per_stream).toBeDefined();
    expect(s.doc.resources_series.gateway.length).toBeGreaterThan(10);
    expect(processesWithTag(s.tag)).toEqual([]);
  }, 60_000);

  test("a gateway started through sh -c that forks a child: the whole group is sampled and stopped", async () => {
    expect(nginx).toBeDefined();
    const { r, doc, tag } = await run("shell", [
      "--gateway-shell",
      "--gateway",
      `sleep 300 & exec ${nginx} -p ${dir} -c {{CONFIG}}`,
      "--config-template",
      join(ROOT, "examples", "nginx.conf.tmpl"),
      "--rate",
      "20",
      "--duration",
      "1s",
    ]);
    expect(r.code).toBe(0);
    expect(doc.summary.requests.success_ratio).toBe(1);
    // sleep, nginx's master and worker: all gone
    expect(processesWithTag(tag)).toEqual([]);
  }, 60_000);
});

describe.concurrent("a gateway that fails", () => {
  test("exits before it is ready: exit 3 with its exit code and the last lines of its stderr", async () => {
    const { r } = await run("early-exit", ["--gateway-shell", "--gateway", "echo 'config error: no upstream' >&2; exit 7"]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("gateway exited with code 7 before it was ready");
    expect(r.stderr).toContain("config error: no upstream");
    expect(r.stderr).toContain("command: sh -c");
    // its log is kept, beside where its temp folder was; nothing else is
    const log = /\n {2}log: (\S+)/.exec(r.stderr)![1]!;
    expect(log).toEndWith(".log");
    expect(readFileSync(log, "utf8")).toContain("config error: no upstream");
    expect(existsSync(log.slice(0, -".log".length))).toBe(false);
  }, 30_000);

  test("never gets ready and says nothing: no log kept, no temp folder left", async () => {
    const tmpl = join(dir, "quiet.conf.tmpl");
    writeFileSync(tmpl, "listen {{PORT}};\n");
    const { r, tag } = await run("never-ready-quiet", [
      "--gateway-shell",
      "--gateway",
      "sleep 60 # {{CONFIG}}",
      "--config-template",
      tmpl,
      "--ready-timeout",
      "3s",
    ]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("  log: (it wrote nothing)");
    // the rendered config's folder, named in the command line, is gone
    const config = /command: sh -c sleep 60 # (\S+)/.exec(r.stderr)![1]!;
    expect(config).toContain("gatebench-gateway-");
    expect(existsSync(dirname(config))).toBe(false);
    expect(existsSync(`${dirname(config)}.log`)).toBe(false);
    expect(processesWithTag(tag)).toEqual([]);
  }, 30_000);

  // alone: the mock must start within the same 700 ms, which a busy machine can take from it
  test.serial(
    "never gets ready: exit 3 after --ready-timeout, and it is stopped",
    async () => {
      const { r, tag } = await run("never-ready", ["--gateway", "sleep 60", "--ready-timeout", "700ms"]);
      expect(r.code).toBe(3);
      expect(r.stderr).toContain("was not ready within 0.7 s (a TCP connect to 127.0.0.1:");
      expect(processesWithTag(tag)).toEqual([]);
    },
    30_000,
  );

  test("an unknown placeholder in the template is a usage error naming the line; nothing starts", async () => {
    const tmpl = join(dir, "bad.conf.tmpl");
    writeFileSync(tmpl, "listen {{HOST}}:{{PORT}};\nupstream {{MOCK_ADDR}};\n");
    const { r, tag } = await run("bad-template", ["--gateway", "sleep 60", "--config-template", tmpl]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("bad.conf.tmpl:2: unknown placeholder {{MOCK_ADDR}}");
    expect(processesWithTag(tag)).toEqual([]);
  }, 30_000);

  test.skipIf(!nginx && !needNginx)(
    "Ctrl-C once drains and reports; twice aborts; either way the gateway's group is stopped",
    async () => {
      for (const presses of [1, 2]) {
        const tag = tagged();
        const json = join(dir, `ctrl-c-${presses}.json`);
        await using run = startCli(
          ["run", "--port", "0", "--mock-port", "0", "--json", json, ...nginxGateway(), "--rate", "20", "--duration", "30s", "--stream"],
          { tag, detached: true },
        );
        await waitFor(() => / {2}sent [1-9]/.test(run.out.stderr), 20_000, "the load to be under way");
        for (let i = 0; i < presses; i++) {
          // as a terminal sends it: to gatebench's process group (the gateway has its own)
          process.kill(-run.proc.pid, "SIGINT");
          if (i + 1 < presses) await waitFor(() => run.out.stderr.includes("interrupted"), 5_000, "the first Ctrl-C to be seen");
        }
        const code = await run.proc.exited;
        await run.pumped;
        expect(code).toBe(3);
        const doc = JSON.parse(readFileSync(json, "utf8"));
        expect(doc.run.ended_early).toBe("interrupted");
        if (presses === 1) expect(doc.summary.requests.ok).toBe(doc.summary.requests.total);
        else expect(doc.summary.errors.aborted).toBeGreaterThan(0);
        expect(processesWithTag(tag)).toEqual([]);
      }
    },
    90_000,
  );

  test.skipIf(!nginx && !needNginx)(
    "dies during the load: the run stops, the partial result is written, exit 3, nothing left",
    async () => {
      const tag = tagged();
      const json = join(dir, "dies.json");
      await using run = startCli(["run", "--port", "0", "--mock-port", "0", "--json", json, ...nginxGateway(), "--rate", "20", "--duration", "30s"], { tag });
      await waitFor(() => run.out.stderr.includes("load phase"), 20_000, "the load to start");
      const m = /gateway listening on \S+ \(pid (\d+)/.exec(run.out.stderr);
      expect(m).not.toBeNull();
      // the whole group, as an OOM killer or a crash would take it
      process.kill(-Number(m![1]), "SIGKILL");
      const code = await run.proc.exited;
      await run.pumped;
      expect(code).toBe(3);
      expect(run.out.stderr).toContain("the gateway (pid");
      const doc = JSON.parse(readFileSync(json, "utf8"));
      expect(doc.run.completed).toBe(false);
      expect(doc.run.ended_early).toContain("the gateway");
      expect(processesWithTag(tag)).toEqual([]);
    },
    60_000,
  );
});

describe.concurrent("provisioning", () => {
  test("--setup runs after readiness with placeholders and env, --teardown after the run; a failing setup stops the run with its output", async () => {
    const out = join(dir, "setup.txt");
    const done = join(dir, "teardown.txt");
    const ok = await run("setup-ok", [
      "--setup",
      `echo "port={{PORT}} mock=$MOCK_URL" > ${out}`,
      "--teardown",
      `echo torn > ${done}`,
      "--rate",
      "10",
      "--duration",
      "500ms",
    ]);
    expect(ok.r.code).toBe(0);
    const written = readFileSync(out, "utf8");
    expect(written).toContain(`port=${ok.doc.run.gateway.port} mock=${ok.doc.run.mock.url}`);
    expect(readFileSync(done, "utf8").trim()).toBe("torn");

    const bad = await run("setup-bad", ["--setup", "echo 'route create failed: 401' >&2; exit 4", "--rate", "10", "--duration", "500ms"]);
    expect(bad.r.code).toBe(3);
    expect(bad.r.stderr).toContain("--setup exited with code 4");
    expect(bad.r.stderr).toContain("route create failed: 401");
    expect(processesWithTag(bad.tag)).toEqual([]);

    const typo = await run("setup-typo", ["--setup", "curl {{GATEWAY}}/admin"]);
    expect(typo.r.code).toBe(2);
    expect(typo.r.stderr).toContain("--setup:1: unknown placeholder {{GATEWAY}}");
  }, 60_000);
});

describe.concurrent("attach mode", () => {
  test("--pid-of-port and --pid sample the running gateway; without them it is marked not sampled", async () => {
    const tag = tagged();
    // a gateway that is already running: gatebench's mock, as its own process
    await using mockRun = startCli(["mock", "--port", "0"], { tag });
    const server = mockRun.proc;
    const listening = await waitFor(() => /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(mockRun.out.stderr), 10_000, "the server to listen");
    const port = Number(listening![1]);
    const target = `http://127.0.0.1:${port}`;
    try {
      const byPort = await run("attach-port", ["--target", target, "--no-mock", "--pid-of-port", String(port), "--rate", "20", "--duration", "1s"]);
      expect(byPort.r.code).toBe(0);
      expect(byPort.doc.run.gateway).toEqual({ kind: "external", pid: server.pid, sampled: true });
      expect(byPort.doc.summary.resources.gateway.load.rss_mb_max).toBeGreaterThan(5);

      const byPid = await run("attach-pid", ["--target", target, "--no-mock", "--pid", String(server.pid), "--rate", "20", "--duration", "1s"]);
      expect(byPid.doc.summary.resources.gateway.idle.samples).toBeGreaterThan(0);

      const none = await run("attach-none", ["--target", target, "--no-mock", "--rate", "20", "--duration", "1s"]);
      expect(none.doc.run.gateway.sampled).toBe(false);
      expect(none.doc.summary.resources.gateway).toBeUndefined();
      expect(none.r.stdout).toContain("not sampled");

      const bad = await run("attach-bad", ["--target", target, "--no-mock", "--pid-of-port", String(port + 1 === 65536 ? 1 : port + 1)]);
      expect(bad.r.code).toBe(3);
      expect(bad.r.stderr).toContain("listens on port");
    } finally {
      server.kill("SIGTERM");
      await server.exited;
    }
  }, 60_000);
});
