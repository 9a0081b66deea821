// How a run ends when something goes wrong: Ctrl-C, gatebench killed, the
// gateway dying, a port already taken. In every case: a clear exit code,
// partial results where there are any, and no process left behind.
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { cli, cliArgv, cliEnv, processesWithTag, ROOT, startCli, waitFor, scratch } from "./helpers.ts";

const { dir, tagged } = scratch("gatebench-life-");

/** Starts a long run and collects its stderr as it comes. */
function startLongRun(extra: string[] = []) {
  const tag = tagged();
  const json = join(dir, `${tag}.json`);
  const { proc, out, pumped } = startCli(["run", "--duration", "60s", "--rate", "20", "--port", "0", "--mock-port", "0", "--json", json, ...extra], {
    tag,
    detached: true,
  });
  const underWay = () => waitFor(() => / {2}sent [1-9]/.test(out.stderr), 20_000, "the load to be under way");
  /** Waits for the exit; returns the code and the JSON result. */
  const finished = async () => {
    const code = await proc.exited;
    await pumped;
    return { code, doc: JSON.parse(readFileSync(json, "utf8")) };
  };
  return { proc, tag, json, out, pumped, underWay, finished };
}

describe.concurrent("ending a run", () => {
  test("Ctrl-C during the load: in-flight requests finish, partial report, exit 3, nothing left", async () => {
    const run = startLongRun(["--stream"]);
    await run.underWay();
    // A terminal's Ctrl-C goes to the whole foreground process group.
    process.kill(-run.proc.pid, "SIGINT");
    const { code, doc } = await run.finished();
    expect(code).toBe(3);
    expect(run.out.stdout).toContain("ENDED EARLY: interrupted");
    expect(doc.run.completed).toBe(false);
    expect(doc.run.ended_early).toBe("interrupted");
    expect(doc.summary.requests.total).toBeGreaterThanOrEqual(20);
    expect(doc.summary.requests.total).toBeLessThan(1200);
    // in-flight streams were drained, not cut: every one sent succeeded
    expect(doc.summary.requests.ok).toBe(doc.summary.requests.total);
    expect(doc.run.mock.received.streams_completed).toBe(doc.summary.requests.total);
    expect(doc.run.mock.received.streams_aborted).toBe(0);
    expect(processesWithTag(run.tag)).toEqual([]);
  }, 40_000);

  test("Ctrl-C twice: the streams in flight are aborted, counted as such, and the run still reports", async () => {
    const run = startLongRun(["--stream"]);
    await run.underWay();
    process.kill(-run.proc.pid, "SIGINT");
    await waitFor(() => run.out.stderr.includes("interrupted:"), 5_000, "the first Ctrl-C to be seen");
    process.kill(-run.proc.pid, "SIGINT");
    const { code, doc } = await run.finished();
    expect(code).toBe(3);
    expect(run.out.stderr).toContain("aborting in-flight requests");
    const q = doc.summary.requests;
    expect(doc.summary.errors.aborted).toBeGreaterThan(0);
    expect(q.ok + doc.summary.errors.aborted).toBe(q.total);
    // the mock saw the cut streams go away (one the client cuts as its last bytes leave the mock counts as completed)
    const up = doc.run.mock.received;
    expect(up.streams_aborted).toBeGreaterThan(0);
    expect(up.streams_aborted).toBeLessThanOrEqual(doc.summary.errors.aborted);
    expect(up.streams_completed).toBeGreaterThanOrEqual(q.ok);
    expect(up.streams_completed + up.streams_aborted).toBeLessThanOrEqual(q.total);
    expect(up.in_flight).toBe(0);
    expect(processesWithTag(run.tag)).toEqual([]);
  }, 40_000);

  test("SIGTERM (a CI timeout, kill): aborts at once, still reports, nothing left", async () => {
    const run = startLongRun(["--stream"]);
    await run.underWay();
    const t0 = performance.now();
    run.proc.kill("SIGTERM");
    const { code, doc } = await run.finished();
    expect(code).toBe(3);
    expect(doc.summary.errors.aborted).toBeGreaterThan(0);
    // streams are ~800 ms long; an abort does not wait for them
    expect(performance.now() - t0).toBeLessThan(5_000);
    expect(run.out.stdout).toContain("ENDED EARLY: interrupted");
    expect(processesWithTag(run.tag)).toEqual([]);
  }, 40_000);

  test("Ctrl-C while the mock and gateway start: not lost, exit 3 promptly, nothing left", async () => {
    const run = startLongRun();
    await waitFor(() => run.out.stderr.includes("mock upstream listening"), 20_000, "the mock to start");
    const t0 = performance.now();
    run.proc.kill("SIGINT");
    const code = await run.proc.exited;
    await run.pumped;
    expect(code).toBe(3);
    expect(performance.now() - t0).toBeLessThan(10_000);
    expect(run.out.stderr).toContain("interrupted");
    expect(processesWithTag(run.tag)).toEqual([]);
  }, 40_000);

  test("at a low rate, Ctrl-C does not wait for the next scheduled send", async () => {
    const run = startLongRun(["--rate", "0.05"]);
    // the first request has gone out (the progress line after 2 s says so); the next is 20 s away
    await waitFor(() => run.out.stderr.includes("sent 1 "), 20_000, "the first request");
    const t0 = performance.now();
    run.proc.kill("SIGINT");
    const { code, doc } = await run.finished();
    expect(code).toBe(3);
    // the next request would have been due 20 s after the first
    expect(performance.now() - t0).toBeLessThan(5_000);
    expect(doc.summary.requests.total).toBe(1);
    expect(doc.summary.requests.rate).toBe(0.05);
  }, 40_000);

  test("gatebench killed with SIGKILL: its mock and gateway exit on their own", async () => {
    const run = startLongRun();
    await waitFor(() => run.out.stderr.includes("load phase"), 20_000, "the load to start");
    // the mock and the gateway (the built-in proxy)
    const others = processesWithTag(run.tag).filter((p) => p !== run.proc.pid);
    expect(others.length).toBeGreaterThanOrEqual(2);
    run.proc.kill("SIGKILL");
    await run.proc.exited;
    await waitFor(() => processesWithTag(run.tag).length === 0, 10_000, "the children to exit");
  }, 40_000);

  // worker threads with the socket client; processes with fetch (one HTTP thread and pool per process)
  for (const [client, kind, least] of [
    ["socket", "threads", 3],
    ["fetch", "processes", 5],
  ] as const) {
    test(`with load worker ${kind} (--client ${client}): Ctrl-C drains and merges their results; SIGKILL of gatebench leaves none behind`, async () => {
      const a = startLongRun(["--workers", "2", "--client", client]);
      await a.underWay();
      const tagged = processesWithTag(a.tag).length;
      // gatebench, the mock, the gateway; with fetch also its relaunched self and two worker processes
      expect(tagged).toBeGreaterThanOrEqual(least);
      if (client === "socket") expect(tagged).toBe(3);
      process.kill(-a.proc.pid, "SIGINT");
      const { code, doc } = await a.finished();
      expect(code).toBe(3);
      expect(doc.summary.requests.total).toBeGreaterThanOrEqual(20);
      expect(doc.summary.requests.ok).toBe(doc.summary.requests.total);
      expect(processesWithTag(a.tag)).toEqual([]);

      const b = startLongRun(["--workers", "2", "--client", client]);
      await b.underWay();
      b.proc.kill("SIGKILL");
      await b.proc.exited;
      await waitFor(() => processesWithTag(b.tag).length === 0, 10_000, "the children and workers to exit");
    }, 60_000);
  }

  test("the gateway dies during the load: the run stops, writes partial results, exits 3", async () => {
    const run = startLongRun();
    await waitFor(() => run.out.stderr.includes("load phase"), 20_000, "the load to start");
    const m = /gateway \(built-in proxy\) listening on \S+ \(pid (\d+)\)/.exec(run.out.stderr);
    expect(m).not.toBeNull();
    process.kill(Number(m![1]), "SIGKILL");
    const { code, doc } = await run.finished();
    expect(code).toBe(3);
    expect(run.out.stdout).toContain("ENDED EARLY: gateway (built-in proxy)");
    expect(run.out.stderr).toContain("was killed by SIGKILL during the run");
    expect(doc.run.completed).toBe(false);
    expect(doc.run.ended_early).toContain("gateway");
    expect(processesWithTag(run.tag)).toEqual([]);
  }, 40_000);

  test("a port already in use: exit 3, the port, its holder and the way out", async () => {
    const tag = tagged();
    const holder = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("busy") });
    try {
      const r = await cli(["run", "--duration", "1s", "--port", String(holder.port), "--mock-port", "0"], { tag, timeoutMs: 20_000 });
      expect(r.code).toBe(3);
      expect(r.stderr).toContain(`port ${holder.port} (gateway, --port) is already in use on 127.0.0.1 by pid ${process.pid}`);
      expect(r.stderr).toContain("--port 0 for any free port");
      expect(r.stdout).toBe("");
      expect(processesWithTag(tag)).toEqual([]);
    } finally {
      holder.stop(true);
    }
  }, 30_000);
});

describe("signals relayed on the launcher's pipe (how Windows gets Ctrl-C to the relaunched run)", () => {
  test("SIGINT written on stdin stops the run as Ctrl-C does: drained, partial report, exit 3", async () => {
    const tag = tagged();
    const json = join(dir, `${tag}.json`);
    // what the launcher starts: the relaunched child, its stdin a pipe from the launcher
    await using proc = Bun.spawn(cliArgv(["run", "--duration", "60s", "--rate", "20", "--port", "0", "--mock-port", "0", "--json", json]), {
      env: cliEnv(tag, { GATEBENCH_RELAUNCHED: "1", BUN_CONFIG_MAX_HTTP_REQUESTS: "65535" }),
      cwd: ROOT,
      stdin: "pipe",
      stdout: "pipe",
      stderr: "pipe",
      timeout: 40_000,
      killSignal: "SIGKILL",
    });
    let stderr = "";
    const pumped = (async () => {
      const d = new TextDecoder();
      for await (const c of proc.stderr) stderr += d.decode(c, { stream: true });
    })();
    const stdout = proc.stdout.text();
    await waitFor(() => / {2}sent [1-9]/.test(stderr), 20_000, "the load to be under way");
    proc.stdin.write("SIGINT\n");
    proc.stdin.flush();
    const code = await proc.exited;
    await pumped;
    expect(stderr).toContain("interrupted: no new requests");
    expect(code).toBe(3);
    expect(await stdout).toContain("ENDED EARLY: interrupted");
    const doc = JSON.parse(readFileSync(json, "utf8"));
    expect(doc.run.ended_early).toBe("interrupted");
    expect(doc.summary.requests.ok).toBe(doc.summary.requests.total);
    expect(processesWithTag(tag)).toEqual([]);
  }, 45_000);
});
