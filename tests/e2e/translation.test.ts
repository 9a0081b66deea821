// Translation runs (--api X --upstream-api Y), end to end with a real
// translating gateway: Claude Code Router from the npm registry
// (examples/claude-code-router.md), its documented commands run as written
// with only the load shortened and free ports swapped in:
// - routed to its OpenAI provider, it translates Anthropic Messages to
//   Chat Completions: the run passes and says translated, with the mock's
//   counts by API as the evidence, unary and streamed;
// - routed to its Anthropic provider, it passes the requests through: the
//   run says passthrough, with what the mock received, and exits 1.
// The gateway is fetched once per machine into Bun's install cache; where
// the registry cannot be reached the live tests are skipped, except in CI.
// Bad --upstream-api input needs no gateway and always runs.
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fetchPackage } from "./fixtures/registry.ts";
import { documentedRun, flagValues, withFlag } from "./fixtures/documented.ts";
import { cli, processesWithTag, ROOT, scratch } from "./helpers.ts";

const VERSION = "1.0.73";
const PACKAGE = `@musistudio/claude-code-router@${VERSION}`;
const inCi = process.env.CI === "true" || process.env.CI === "1";
const recipe = readFileSync(join(ROOT, "examples", "claude-code-router.md"), "utf8");
const { dir, tagged } = scratch("gatebench-translation-");

// biome-ignore lint: the JSON result is checked field by field
type Doc = any;

/** The recipe's `which`-th command, short, on free ports, with `bunx` as this Bun runs it; its exit code and JSON result. */
async function runDocumented(name: string, which: number, extra: string[] = []): Promise<{ code: number; stderr: string; doc: Doc }> {
  let argv = documentedRun(recipe, which);
  const gateway = flagValues(argv, ["--gateway"])[0]!;
  expect(gateway).toContain(`exec bunx --bun -p ${PACKAGE} ccr start`);
  argv = withFlag(argv, ["--gateway"], gateway.replace("exec bunx ", `exec '${process.execPath}' x `));
  argv = withFlag(argv, ["--port"], "0");
  argv = withFlag(argv, ["--mock-port"], "0");
  argv = withFlag(argv, ["-rate", "--rate"], "10");
  argv = withFlag(argv, ["-duration", "--duration"], "2s");
  argv = withFlag(argv, ["--idle"], "0s");
  argv = withFlag(argv, ["--cooldown"], "0s");
  const tag = tagged();
  const json = join(dir, `${name}.json`);
  const r = await cli([...argv, ...extra, "--json", json], { tag, timeoutMs: 80_000 });
  expect(r.stderr).not.toContain("    at ");
  expect(processesWithTag(tag)).toEqual([]);
  return { code: r.code ?? -1, stderr: r.stderr, doc: JSON.parse(readFileSync(json, "utf8")) };
}

const unavailable = await fetchPackage("@musistudio/claude-code-router", VERSION);
if (unavailable && !inCi) console.warn(`translation.test.ts: the live tests are skipped: ${unavailable}`);

describe.concurrent.skipIf(unavailable !== "" && !inCi)(`${PACKAGE} started by gatebench`, () => {
  test("routed to its OpenAI provider: translated, every answer in Anthropic's shape, the mock counting Chat Completions only", async () => {
    expect(unavailable).toBe("");
    const { code, stderr, doc } = await runDocumented("translated", 0, ["--baseline", "interleaved"]);
    if (code !== 0) throw new Error(`gatebench exited with ${code}\n${stderr}`);
    const s = doc.summary;
    expect(doc.config.api).toBe("messages");
    expect(s.requests.total).toBe(20);
    expect(s.requests.success_ratio).toBe(1);
    expect(s.errors).toEqual({}); // no wrong_shape: the gateway answered in the client's API
    expect(s.translation.verdict).toBe("translated");
    expect(s.translation.received.chat.requests).toBe(20);
    expect(s.translation.received.messages.requests).toBe(0);
    expect(s.slo).toEqual([expect.objectContaining({ expr: "translated messages → chat", pass: true })]);
    // the baseline spoke the client's API straight to its own mock
    expect(doc.run.baseline.mock.received.by_api.messages.requests).toBe(20);
    expect(s.overhead_ms.latency.p50).toBeGreaterThan(0);
  }, 90_000);

  test("streamed: translated, every content event through, as the mock spaced them", async () => {
    expect(unavailable).toBe("");
    const { code, stderr, doc } = await runDocumented("translated-stream", 1, ["--mock-itl", "50ms", "--mock-tokens", "10"]);
    if (code !== 0) throw new Error(`gatebench exited with ${code}\n${stderr}`);
    const s = doc.summary;
    expect(s.translation.verdict).toBe("translated");
    expect(s.requests.success_ratio).toBe(1);
    expect(doc.run.mock.received.streams_completed).toBe(s.requests.total);
    expect(s.itl_ms.p50).toBeGreaterThan(40);
    expect(s.itl_ms.p50).toBeLessThan(70);
    expect(s.ttft_ms.p50).toBeGreaterThanOrEqual(80);
    // the router never asks the upstream for usage, so its message_delta says 0: the content events are counted, and the report says so
    expect(s.output_tokens).toMatchObject({ total: s.requests.total * 10, usage_zero: s.requests.total });
    expect(s.warnings.join("\n")).toContain("usage reported 0 output tokens while their content arrived");
  }, 90_000);

  test("routed to its Anthropic provider: passthrough, with what the mock received, and exit 1", async () => {
    expect(unavailable).toBe("");
    const { code, stderr, doc } = await runDocumented("passthrough", 2);
    expect(code).toBe(1);
    expect(stderr).toContain("gate failed: translated messages → chat");
    const s = doc.summary;
    expect(s.requests.success_ratio).toBe(1); // the answers were fine: the upstream was not what was asked
    expect(s.translation.verdict).toBe("passthrough");
    expect(s.translation.received.messages.requests).toBe(20);
    expect(s.translation.received.chat.requests).toBe(0);
    expect(s.translation.note).toContain("20 Anthropic Messages");
    expect(s.slo[0].pass).toBe(false);
  }, 90_000);
});

describe.concurrent("--upstream-api bad input: one line, exit 2, nothing started", () => {
  test.each([
    [["--upstream-api", "claude"], /^--upstream-api "claude": not an API gatebench speaks; one of chat \(OpenAI Chat Completions\), responses/],
    [["--api", "messages", "--upstream-api", "chat"], /needs a gateway that translates: the built-in proxy passes requests through/],
    [["--target", "http://127.0.0.1:9/v1", "--no-mock", "--api", "messages", "--upstream-api", "chat"], /--no-mock starts none/],
  ])("%p", async (args, message) => {
    const r = await cli(["run", ...args, "-duration", "1s"], { timeoutMs: 20_000 });
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]!.replace(/^\S*\s*/, "")).toMatch(message);
  });
});
