// The real CLI against real processes on loopback: what it reports is
// checked against what the mock says it received, and no process outlives it.
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { cli, processesWithTag, scratch } from "./helpers.ts";
import { defaultMockProcs } from "../../src/platform.ts";

const { dir, tagged } = scratch("gatebench-e2e-");

// biome-ignore lint: the JSON result is checked field by field
type Doc = any;

/** Runs the CLI with `args` plus `<jsonFlag> <file>`; returns the run, its JSON result and its process tag. */
async function runWithJson(name: string, args: string[], jsonFlag = "--json") {
  const tag = tagged();
  const json = join(dir, `${name}.json`);
  const r = await cli([...args, jsonFlag, json], { tag });
  const doc: Doc = r.code === 0 || r.code === 1 || r.code === 3 ? JSON.parse(readFileSync(json, "utf8")) : undefined;
  return { r, doc, tag };
}

describe.concurrent("gatebench run, end to end", () => {
  test("unary: 2 s at 20 req/s; report, JSON and the mock agree; nothing left running", async () => {
    const { r, doc, tag } = await runWithJson("unary", ["run", "--duration", "2s", "--rate", "20", "--port", "0", "--mock-port", "0"]);
    expect(r.stderr).not.toContain("    at ");
    expect(r.code).toBe(0);
    expect(doc.schema).toBe("gatebench/v1");
    expect(doc.summary.requests.total).toBe(40);
    expect(doc.summary.requests.ok).toBe(40);
    expect(doc.summary.requests.success_ratio).toBe(1);
    expect(doc.run.mock.received.requests).toBe(40);
    expect(doc.summary.status_codes).toEqual({ "200": 40 });
    // the mock answers after 10 ms: no latency through it can be shorter
    expect(doc.summary.latency_ms.min).toBeGreaterThanOrEqual(10);
    expect(doc.summary.latency_ms.p50).toBeLessThan(200);
    expect(doc.summary.resources.gateway.idle.samples).toBeGreaterThanOrEqual(2);
    expect(doc.summary.resources.gateway.load.samples).toBeGreaterThanOrEqual(4);
    expect(doc.summary.resources.gateway.load.rss_mb_max).toBeGreaterThan(1);
    expect(typeof doc.histograms.latency).toBe("string");
    // ports 0 were resolved, and the report says which
    expect(doc.run.gateway.port).toBeGreaterThan(0);
    expect(doc.run.mock.port).toBeGreaterThan(0);
    expect(r.stdout).toContain(`port ${doc.run.gateway.port}`);
    expect(r.stdout).toContain(`port ${doc.run.mock.port}`);
    for (const block of ["Requests", "Latency (ms)", "p99.9", "Status codes  200: 40", "Resources", "idle", "load"]) {
      expect(r.stdout).toContain(block);
    }
    expect(r.stdout).not.toContain("\u001b["); // NO_COLOR
    expect(r.stderr).toContain("load phase");
    expect(processesWithTag(tag)).toEqual([]);
  }, 30_000);

  test("streaming with the seed's Go-style flags: TTFT, ITL, TPOT from the mock's known timing", async () => {
    const { r, doc, tag } = await runWithJson("stream", ["run", "-duration", "2s", "-rate", "10", "-stream", "-port", "0", "-mock-port", "0"], "-json");
    expect(r.code).toBe(0);
    const s = doc.summary;
    expect(s.requests.total).toBe(20);
    expect(s.requests.success_ratio).toBe(1);
    expect(doc.run.mock.received.streams_completed).toBe(20);
    // mock defaults: first token at 80 ms, then 24 more every 30 ms
    expect(s.ttft_ms.min).toBeGreaterThanOrEqual(80);
    expect(s.latency_ms.min).toBeGreaterThanOrEqual(80 + 24 * 30);
    expect(s.itl_ms.count).toBe(20 * 24);
    expect(s.itl_ms.p50).toBeGreaterThan(20);
    expect(s.itl_ms.p50).toBeLessThan(45);
    expect(s.output_tokens.total).toBe(20 * 25);
    expect(r.stdout).toContain("TTFT");
    expect(r.stdout).toContain("streaming");
    expect(processesWithTag(tag)).toEqual([]);
  }, 30_000);
});

test("more than 256 streams at once: none waits in the client's connection pool", async () => {
  // 400 arrivals in 1 s, each stream ~800 ms: about 320 open at the peak
  const { r, doc, tag } = await runWithJson("many", ["run", "--stream", "--rate", "400", "--duration", "1s", "--port", "0", "--mock-port", "0"]);
  expect(r.code).toBe(0);
  expect(doc.summary.requests.success_ratio).toBe(1);
  expect(doc.run.mock.received.in_flight_peak).toBeGreaterThan(256);
  // a queued request would wait for a whole stream (~800 ms) before its first token
  expect(doc.summary.ttft_ms.max).toBeLessThan(600);
  expect(processesWithTag(tag)).toEqual([]);
}, 30_000);

test("injected upstream faults: counted on both sides, warned about, and the success gate fails with exit 1", async () => {
  const tag = tagged();
  const json = join(dir, "faults.json");
  const args = [
    "run",
    "--rate",
    "50",
    "--duration",
    "1s",
    "--port",
    "0",
    "--mock-port",
    "0",
    "--mock-faults",
    "503=20%",
    "--mock-seed",
    "7",
    "--min-success",
    "100%",
    "--json",
    json,
  ];
  const r = await cli(args, { tag });
  expect(r.code).toBe(1);
  const doc: Doc = JSON.parse(readFileSync(json, "utf8"));
  const s = doc.summary;
  const got = s.status_codes["503"];
  expect(got).toBeGreaterThan(0);
  expect(got).toBe(doc.run.mock.received.faults["503"]);
  expect(s.status_codes["200"] + got).toBe(50);
  expect(s.errors.http_status).toBe(got);
  expect(s.slo).toEqual([{ expr: "success >= 100%", value: s.requests.success_ratio, pass: false, unit: "ratio" }]);
  expect(doc.config.mock).toEqual({ flags: { faults: "503=20%" }, seed: 7, procs: defaultMockProcs(), fixed: false });
  expect(r.stdout).toContain("FAIL");
  expect(r.stdout).toContain("WARNING: success");
  expect(r.stderr).toContain("gate failed: success >= 100%");
  // the same seed replays the same faults
  const again = await cli(args, { tag });
  expect(again.code).toBe(1);
  expect(JSON.parse(readFileSync(json, "utf8")).summary.status_codes["503"]).toBe(got);
  expect(processesWithTag(tag)).toEqual([]);
}, 30_000);

describe.concurrent("usage errors", () => {
  // what each flag accepts is unit-tested (tests/unit/run-config.test.ts); here, that a mistake is exit 2 and one line, from each layer that can make one
  test.each([
    [["run", "--rat", "50"], 'unknown flag "--rat" for gatebench run; did you mean --rate?'],
    [["-rate", "fast"], '--rate "fast": expected a positive number, e.g. --rate 200'],
    [["run", "--port", "9000", "--mock-port", "9000"], "--port and --mock-port are both 9000"],
    [["rnu"], 'unknown command "rnu"; did you mean "run"?'],
    [["run", "--json", "/nonexistent-dir/r.json"], '--json "/nonexistent-dir/r.json": directory /nonexistent-dir does not exist or is not writable'],
    [["mock", "--faults", "429=80%,500=30%"], '--faults "429=80%,500=30%": the rates add up to more than 100%'],
  ])("%p: exit 2, one line, no stack trace", async (args, message) => {
    const r = await cli(args, { timeoutMs: 10_000 });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(message);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).not.toContain("    at ");
  });
});

describe.concurrent("help and version", () => {
  test("--version: version, commit, Bun", async () => {
    const r = await cli(["--version"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^gatebench \d+\.\d+\.\d+ \(commit [0-9a-z]+, bun \d+\.\d+\.\d+, [a-z0-9]+-[a-z0-9]+\)\n$/);
  });

  test.each([
    [["--help"], ["Commands:", "run", "mock", "Examples:"]],
    [
      ["run", "--help"],
      ["--rate <rps>", "--duration <duration>", "--stream", "--port <port>", "--mock-port <port>", "--json <file>", "Exit codes:"],
    ],
    [["--rate", "5", "-h"], ["gatebench run"]],
    [
      ["mock", "--help"],
      ["--latency <duration>", "--ttft <duration>"],
    ],
  ])("%p prints help on stdout", async (args, parts) => {
    const r = await cli(args);
    expect(r.code).toBe(0);
    for (const p of parts) expect(r.stdout).toContain(p);
    expect(r.stdout).not.toContain("__mock");
  });
});
