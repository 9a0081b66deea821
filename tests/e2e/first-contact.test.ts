// What users of hey, wrk, vegeta and the OpenAI SDKs type, against a gateway
// that is already running (the built-in proxy in front of the mock, each on
// port 0), and runs that fail never exit 0.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { READY_PREFIX } from "../../src/process/children.ts";
import { smallResult } from "../unit/result-fixture.ts";
import { cli, cliEnv, ENTRY, ROOT, scratch, startCli, waitFor } from "./helpers.ts";

const { dir, tagged } = scratch("gatebench-first-contact-");

/** A server of gatebench's own (hidden `__mock` or `__proxy`) as a child: its stdin is its lifeline, its port announced on stdout. */
function child(args: string[], tag: string) {
  const proc = Bun.spawn([process.execPath, ENTRY, ...args], { env: cliEnv(tag), cwd: ROOT, stdin: "pipe", stdout: "pipe", stderr: "pipe", timeout: 120_000 });
  let out = "";
  void (async () => {
    const d = new TextDecoder();
    for await (const c of proc.stdout) out += d.decode(c, { stream: true });
  })();
  const port = waitFor(() => new RegExp(`${READY_PREFIX}(\\{.*\\})`).exec(out), 10_000, `${args[0]} to listen`).then((m) => JSON.parse(m![1]!).port as number);
  return { proc, port };
}

let gatewayUrl = "";
const servers: ReturnType<typeof child>["proc"][] = [];

beforeAll(async () => {
  const tag = tagged();
  const mock = child(["__mock", "--port", "0"], tag);
  servers.push(mock.proc);
  const proxy = child(["__proxy", "--port", "0", "--upstream", `http://127.0.0.1:${await mock.port}`], tag);
  servers.push(proxy.proc);
  gatewayUrl = `http://127.0.0.1:${await proxy.port}`;
});

afterAll(async () => {
  for (const p of servers) p.kill("SIGTERM");
  await Promise.all(servers.map((p) => p.exited));
});

/** `gatebench run ARGS` against the running gateway, without a mock of its own. */
const attached = (args: string[]) => cli(["run", ...args, "--no-mock", "--targets", "none"], { tag: tagged(), timeoutMs: 30_000 });

describe("hey's line with gatebench run for hey", () => {
  test("seed 2's manual benchmark, verbatim but for -n: positional URL, -m, -H, -d, -n, -c", async () => {
    const API_KEY = "sk-test";
    const json = join(dir, "hey.json");
    const body = '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}';
    // gatebench run -n 100000 -c 50 -H "Authorization: Bearer $API_KEY" -H "Content-Type: application/json" -m POST -d '{...}' "$GATEWAY_URL/v1/chat/completions"
    const r = await cli(
      [
        "run",
        "-n",
        "40",
        "-c",
        "4",
        "-H",
        `Authorization: Bearer ${API_KEY}`,
        "-H",
        "Content-Type: application/json",
        "-m",
        "POST",
        "-d",
        body,
        `${gatewayUrl}/v1/chat/completions`,
        "-o",
        json,
      ],
      { tag: tagged(), timeoutMs: 30_000 },
    );
    expect(r.stderr).not.toContain("    at ");
    expect(r.code).toBe(0);
    // the URL is loaded as hey loads it: no mock of its own, no baseline, no targets of an AI gateway in front of the mock
    expect(r.stderr).not.toContain("mock upstream listening");
    expect(r.stdout).not.toContain("WARNING");
    expect(r.stdout).not.toContain("Targets");
    const doc = JSON.parse(readFileSync(json, "utf8"));
    expect(doc.summary.requests).toMatchObject({ total: 40, ok: 40 });
    expect(doc.run.target).toBe(`${gatewayUrl}/v1/chat/completions`);
    expect(r.stdout).toContain(`target    ${gatewayUrl}/v1/chat/completions`);
  }, 30_000);

  test("the OpenAI base URL (…/v1) as the target gets the endpoint appended; -z, vegeta's -rate 50/s, -q", async () => {
    const r = await attached(["--target", `${gatewayUrl}/v1`, "-z", "1s", "-rate", "20/s", "-q"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`target    ${gatewayUrl}/v1/chat/completions`);
    expect(r.stdout).toContain("20 req/s for 1 s");
    // quiet: neither progress nor info logs
    expect(r.stderr).toBe("");
  }, 30_000);
});

describe("a run in which no request succeeded exits 3, naming the cause", () => {
  test("-d that is not JSON: every request a 400; the status and the body the target answered", async () => {
    const r = await attached([`${gatewayUrl}/v1/chat/completions`, "-d", "{not json", "-z", "1s", "--rate", "10"]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(
      /no request succeeded \(400 × 10\); the target answered 400: \{"error":.*could not parse the JSON body.*Likely cause: .*-d\/--body/,
    );
  }, 30_000);

  test("a 404: the URL requested and how --target and --path made it", async () => {
    const r = await attached(["--target", `${gatewayUrl}/v2`, "-z", "1s", "--rate", "10", "-q"]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`no request succeeded (404 × 10); the target answered 404: {"error":{"message":"Invalid URL (POST /v2/chat/completions)"`);
    expect(r.stderr).toContain(
      `Likely cause: ${gatewayUrl}/v2/chat/completions was not found: the URL is --target ${gatewayUrl}/v2 with /chat/completions appended (from the default --path /v1/chat/completions)`,
    );
    expect(r.stdout).toContain(`target    ${gatewayUrl}/v2/chat/completions`);
  }, 30_000);
});

describe("habits refused or redirected before anything starts: exit 2, one line", () => {
  test.each([
    [
      ["run", "-c", "10", "-d", "10s"],
      '-d/--body "10s" looks like a duration, and -d is the request body (as in hey and curl): for the load\'s length use --duration 10s',
    ],
    [["run", "-t", "20"], `unknown flag "-t" for gatebench run; for hey's -t (per-request timeout) use --timeout 20s; for wrk's -t (threads) use --workers`],
    [["run", "--duration", "-5s"], '--duration "-5s": a duration cannot be negative, e.g. --duration 10s'],
    [["nosuch"], 'unknown command "nosuch"; the commands are run, mock, report, compare, merge, sweep, frontier (see: gatebench --help)'],
    [["attack"], 'unknown command "attack"; did you mean "run"?'],
    [["help", "nosuch"], 'unknown command "nosuch"; the commands are run, mock, report, compare, merge, sweep'],
  ])("%p", async (args, message) => {
    const r = await cli(args, { tag: tagged(), timeoutMs: 15_000 });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(message);
  });
});

describe("help and messages", () => {
  test("mock --help lists its endpoints and examples; the Go-style footer only where flags like those are", async () => {
    const mock = await cli(["mock", "--help"], { tag: tagged() });
    expect(mock.code).toBe(0);
    for (const line of ["GET  /__stats", "POST /__reset", "POST /v1/chat/completions", "x-mock-ttft-ms", "Examples:", "gatebench mock --port 9091"])
      expect(mock.stdout).toContain(line);
    expect(mock.stdout).toContain("Go-style");
    for (const command of ["report", "compare", "merge"]) {
      const r = await cli([command, "--help"], { tag: tagged() });
      expect(r.stdout).not.toContain("Go-style");
    }
  });

  test("report and compare read a run's --out folder (its result.json); a folder without one is refused", async () => {
    const out = join(dir, "out-folder");
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, "result.json"), JSON.stringify(smallResult("folder")));
    const report = await cli(["report", out], { tag: tagged() });
    expect(report.code).toBe(0);
    expect(report.stdout).toContain("Latency (ms)");
    const compare = await cli(["compare", out, out], { tag: tagged() });
    expect(compare.code).toBe(0);
    const empty = await cli(["report", dir], { tag: tagged() });
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain(`"${dir}" is a folder without a result.json`);
  });
});

test("Ctrl-C during the idle phase: the run ended before the load began (exit 3), no negative length of load", async () => {
  await using run = startCli(["run", "--idle", "10s"], { tag: tagged(), timeoutMs: 30_000 });
  await waitFor(() => run.out.stderr.includes("idle phase"), 15_000, "the idle phase");
  run.proc.kill("SIGINT");
  expect(await run.proc.exited).toBe(3);
  await run.pumped;
  expect(run.out.stdout).toContain("ENDED EARLY: interrupted (before the load began)");
  expect(run.out.stdout).not.toContain("-0.");
}, 30_000);
