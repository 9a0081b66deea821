// HAProxy from Debian's packages, started by gatebench from the shipped
// examples/haproxy.cfg.tmpl exactly as its header says (haproxy -f
// {{CONFIG}} -db, as this user): unary requests all reach the mock over
// reused connections, and streams pass through chunk by chunk (option
// http-no-delay), so the client sees the mock's gaps between chunks and
// its first token long before the stream ends.
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { cli, expectStreamedThrough, processesWithTag, ROOT, scratch } from "./helpers.ts";

const haproxy = ["/usr/sbin/haproxy", "/usr/bin/haproxy"].find((p) => existsSync(p));
// CI installs haproxy (.ci/run); elsewhere the tests say they were skipped
const needHaproxy = process.env.CI === "true" || process.env.CI === "1";
const { dir, tagged } = scratch("gatebench-haproxy-");

// biome-ignore lint: the JSON result is checked field by field
type Doc = any;

async function run(name: string, args: string[]): Promise<Doc> {
  const tag = tagged();
  const json = join(dir, `${name}.json`);
  const r = await cli(
    [
      "run",
      "--port",
      "0",
      "--mock-port",
      "0",
      "--json",
      json,
      "--gateway",
      `${haproxy} -f {{CONFIG}} -db`,
      "--config-template",
      join(ROOT, "examples", "haproxy.cfg.tmpl"),
      ...args,
    ],
    { tag },
  );
  expect(r.stderr).not.toContain("    at ");
  if (r.code !== 0) throw new Error(`gatebench exited with ${r.code}\n${r.stderr}`);
  // haproxy is stopped with the run, whatever it forked
  expect(processesWithTag(tag)).toEqual([]);
  return JSON.parse(readFileSync(json, "utf8"));
}

describe.skipIf(!haproxy && !needHaproxy)("HAProxy started by gatebench from examples/haproxy.cfg.tmpl", () => {
  test("unary: every request succeeds and reaches the mock, over kept-alive connections", async () => {
    expect(haproxy).toBeDefined();
    const doc = await run("unary", ["--rate", "50", "--duration", "1s"]);
    expect(doc.summary.requests.total).toBe(50);
    expect(doc.summary.requests.success_ratio).toBe(1);
    expect(doc.run.mock.received.requests).toBe(50);
    expect(doc.run.gateway.kind).toBe("command");
    expect(doc.run.gateway.command[0]).toBe(haproxy);
    // one connection per request would be 50
    expect(doc.run.mock.received.connections).toBeLessThanOrEqual(16);
    // the process was sampled, so the report can show what it costs
    expect(doc.summary.resources.gateway.load.rss_mb_max).toBeGreaterThan(1);
  }, 60_000);

  test("streaming: chunks pass through as the mock sends them, 50 ms apart, not held to the end", async () => {
    expect(haproxy).toBeDefined();
    const doc = await run("stream", ["--rate", "10", "--duration", "1s", "--stream", "--mock-itl", "50ms", "--mock-tokens", "10"]);
    expectStreamedThrough(doc, 10);
  }, 60_000);
});
