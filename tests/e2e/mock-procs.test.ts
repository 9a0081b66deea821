// The mock as several processes on one port, its fixed answers, and the
// guard that says when the mock, not the gateway, set the pace.
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "../../src/process/ports.ts";
import { CAN_SHARE_PORT } from "../../src/platform.ts";
import { cli, processesWithTag, scratch, startCli, waitFor } from "./helpers.ts";

const { dir, tagged } = scratch("gatebench-mockprocs-");
const CHAT = { model: "m", messages: [{ role: "user", content: "hi" }] };
// biome-ignore lint: the JSON result is checked field by field
type J = any;

/** `gatebench mock` with these flags; its base URL once it listens. */
async function foreground(flags: string[]) {
  const tag = tagged();
  const run = startCli(["mock", "--port", "0", ...flags], { tag, timeoutMs: 60_000 });
  const port = await waitFor(() => /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(run.out.stderr)?.[1], 15_000, "the mock to listen");
  return { run, tag, base: `http://127.0.0.1:${port}` };
}

const chat = (base: string, close: boolean) =>
  fetch(`${base}/v1/chat/completions`, { method: "POST", headers: close ? { connection: "close" } : {}, body: JSON.stringify(CHAT) });

describe.concurrent.skipIf(!CAN_SHARE_PORT)("several mock processes on one port", () => {
  test("requests spread over both; /__stats of either counts all of them, exactly; /__reset of either clears all", async () => {
    const { run, tag, base } = await foreground(["--procs", "2", "--latency", "0"]);
    await using _ = run;
    // a connection each: the kernel spreads connections, not requests
    for (let i = 0; i < 60; i++) expect((await chat(base, true)).status).toBe(200);
    for (let i = 0; i < 4; i++) {
      const st: J = await (await fetch(`${base}/__stats`, { headers: { connection: "close" } })).json();
      expect(st.requests).toBe(60);
      expect(st.by_path["/v1/chat/completions"]["200"]).toBe(60);
      expect(st.connections).toBe(60);
      expect(st.lateness_ms.unary.count).toBe(60);
      expect(st.processes).toHaveLength(2);
      for (const p of st.processes) expect(p.requests).toBeGreaterThan(0);
    }
    expect(processesWithTag(tag).length).toBe(2);
    expect(((await (await fetch(`${base}/__reset`, { method: "POST", headers: { connection: "close" } })).json()) as J).reset).toBe(true);
    for (let i = 0; i < 4; i++) expect(((await (await fetch(`${base}/__stats`, { headers: { connection: "close" } })).json()) as J).requests).toBe(0);
    run.proc.kill("SIGINT");
    expect(await run.proc.exited).toBe(0);
    await waitFor(() => processesWithTag(tag).length === 0, 10_000, "both mock processes to exit");
  }, 60_000);

  test("Ctrl-C lets the streams in flight on every process finish; a process that dies takes the group down", async () => {
    const { run, tag, base } = await foreground(["--procs", "2", "--ttft", "0", "--itl", "200ms", "--tokens", "5"]);
    await using _ = run;
    // streams on connections of their own: both processes get some
    const streams = Array.from({ length: 6 }, () =>
      fetch(`${base}/v1/chat/completions`, { method: "POST", headers: { connection: "close" }, body: JSON.stringify({ ...CHAT, stream: true }) }).then((r) =>
        r.text(),
      ),
    );
    await waitFor(
      async () => ((await (await fetch(`${base}/__stats`, { headers: { connection: "close" } })).json()) as J).streams_started === 6,
      10_000,
      "the streams to start",
    );
    run.proc.kill("SIGINT");
    for (const text of await Promise.all(streams)) expect(text.trimEnd().endsWith("data: [DONE]")).toBe(true);
    expect(await run.proc.exited).toBe(0);
    await run.pumped;
    expect(run.out.stderr).toContain("stopping: finishing 6 requests in flight");
    expect(run.out.stderr).toMatch(/mock summary: .*"streams_completed":6/);
    await waitFor(() => processesWithTag(tag).length === 0, 10_000, "both mock processes to exit");

    const again = await foreground(["--procs", "2"]);
    await using __ = again.run;
    const follower = processesWithTag(again.tag).find((p) => p !== again.run.proc.pid)!;
    process.kill(follower, "SIGKILL");
    expect(await again.run.proc.exited).toBe(3);
    await again.run.pumped;
    expect(again.run.out.stderr).toMatch(/mock process 2 of 2 \(pid \d+\) was killed by SIGKILL; the mock stops/);
  }, 60_000);

  test("a run with --mock-procs 2: the mock's counts are the gateway's upstream exactly, the baseline's mock has two processes too, the report says so", async () => {
    const json = join(dir, "procs.json");
    const r = await cli(["run", "--mock-procs", "2", "--rate", "40", "--duration", "1s", "--baseline", "interleaved", "--json", json], { tag: tagged() });
    expect(r.code).toBe(0);
    const doc: J = JSON.parse(readFileSync(json, "utf8"));
    expect(doc.run.mock.procs).toBe(2);
    expect(doc.run.baseline.mock.procs).toBe(2);
    expect(doc.run.mock.received.requests).toBe(doc.summary.requests.total);
    expect(doc.run.baseline.mock.received.requests).toBe(doc.summary.direct.requests.total);
    expect(doc.summary.resources.mock.load.samples).toBeGreaterThan(0);
    // the baseline's mock is sampled in its own phase
    expect(doc.summary.resources["baseline mock"].baseline.samples).toBeGreaterThan(0);
    expect(doc.summary.mock_bound).toBeUndefined();
    expect(r.stdout).toMatch(/upstream {2}http:\/\/127\.0\.0\.1:\d+\/v1 {2}\(mock, pid \d+, port \d+, 2 processes\)/);
    expect(r.stdout).not.toContain("MOCK-BOUND");
  }, 60_000);
});

describe.concurrent("the mock-bound guard", () => {
  // alone: it needs the mock to get a whole core
  test.serial(
    "a mock loaded straight and as fast as it goes, with large answers, is flagged; the figures are said to be the mock's",
    async () => {
      // the load goes to the run's own mock: nothing but the mock to set the pace
      const port = freePort("127.0.0.1");
      const json = join(dir, "bound.json");
      const r = await cli(
        [
          "run",
          "--mock-port",
          String(port),
          "--target",
          `http://127.0.0.1:${port}/v1/chat/completions`,
          "--mock-procs",
          "1",
          "--mock-latency",
          "0",
          "--mock-token-chars",
          "2000",
          "-c",
          "32",
          "--duration",
          "3s",
          "--json",
          json,
        ],
        { tag: tagged() },
      );
      expect(r.code).toBe(0);
      const doc: J = JSON.parse(readFileSync(json, "utf8"));
      expect(doc.summary.mock_bound).toMatch(
        /^the mock used \d+ % CPU \(its one process, 85 % each is its ceiling\) during the load: the figures describe the mock/,
      );
      expect(r.stdout).toContain("MOCK-BOUND: the mock used");
    },
    60_000,
  );

  test("the default run is not flagged", async () => {
    const json = join(dir, "default.json");
    const r = await cli(["run", "--rate", "20", "--duration", "1s", "--json", json], { tag: tagged() });
    expect(r.code).toBe(0);
    const doc: J = JSON.parse(readFileSync(json, "utf8"));
    expect(doc.summary.mock_bound).toBeUndefined();
    expect(doc.run.mock.procs).toBeGreaterThanOrEqual(1);
    expect(r.stdout).not.toContain("MOCK-BOUND");
  }, 60_000);
});

describe.concurrent("--fixed", () => {
  test("every answer is the same body, streamed or not, from any process; x-mock-* headers are not read; max_tokens still cuts", async () => {
    // two processes where the port can be shared: the same body from either
    const procs = CAN_SHARE_PORT ? ["--procs", "2"] : [];
    const { run, base } = await foreground(["--fixed", "--latency", "0", "--ttft", "0", "--itl", "0", "--tokens", "3", ...procs]);
    await using _ = run;
    const bodies = new Set<string>();
    for (let i = 0; i < 6; i++) bodies.add(await (await chat(base, true)).text());
    const r = await fetch(`${base}/v1/chat/completions`, {
      method: "POST",
      headers: { "x-mock-fault": "429", "x-mock-tokens": "1" },
      body: JSON.stringify(CHAT),
    });
    expect(r.status).toBe(200);
    bodies.add(await r.text());
    expect(bodies.size).toBe(1);
    const streams = new Set<string>();
    for (let i = 0; i < 2; i++) {
      const s = await fetch(`${base}/v1/chat/completions`, { method: "POST", body: JSON.stringify({ ...CHAT, stream: true }) });
      // the last event's comment carries when it left: the rest is the same
      streams.add((await s.text()).replace(/x-mock-last-event-us=\d+/, ""));
    }
    expect(streams.size).toBe(1);
    // max_tokens still asks for fewer
    const short: J = await (await fetch(`${base}/v1/chat/completions`, { method: "POST", body: JSON.stringify({ ...CHAT, max_tokens: 2 }) })).json();
    expect(short.usage.completion_tokens).toBe(2);
    expect(short.choices[0].finish_reason).toBe("length");
  }, 60_000);

  test("--mock-fixed with faults or jitter is a usage error", async () => {
    const r = await cli(["run", "--mock-fixed", "--mock-faults", "429=1%", "--duration", "1s"], { tag: tagged() });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--mock-fixed answers the same way every time, with no random draws: drop --mock-faults");
  }, 30_000);
});
