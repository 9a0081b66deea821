// SLO gates end to end: exit codes against a mock whose latency is known
// (10 ms: a p50 above 10 ms is certain, below it impossible), the seed
// targets shown and enforced, and --abort-on-fail stopping a run that can
// no longer pass.
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { cli, processesWithTag, scratch } from "./helpers.ts";

const { dir, tagged } = scratch("gatebench-gates-");
// biome-ignore lint: the result document is read loosely in tests
type Doc = any;

const BASE = ["run", "--rate", "50", "--duration", "1s", "--port", "0", "--mock-port", "0", "--mock-latency", "10ms"];

async function gated(name: string, extra: string[]) {
  const tag = tagged();
  const json = join(dir, `${name}.json`);
  const r = await cli([...BASE, ...extra, "--json", json], { tag });
  const doc: Doc = r.code === 2 ? undefined : JSON.parse(readFileSync(json, "utf8"));
  expect(processesWithTag(tag)).toEqual([]);
  return { r, doc };
}

describe.concurrent("gates", () => {
  test("gates that hold exit 0; the verdict table ends the report; the seed targets are shown but not enforced", async () => {
    const { r, doc } = await gated("pass", [
      "--slo",
      "latency.p50 > 10ms",
      "--slo",
      "latency.p99 < 5s",
      "--slo",
      "success >= 100%",
      "--slo",
      "errors.timeout == 0",
      "--slo",
      "rss.load.max < 1GB",
    ]);
    expect(r.code).toBe(0);
    expect(doc.summary.slo.map((g: Doc) => [g.expr, g.pass])).toEqual([
      ["latency.p50 > 10ms", true],
      ["latency.p99 < 5s", true],
      ["success >= 100%", true],
      ["errors.timeout == 0", true],
      ["rss.load.max < 1GB", true],
    ]);
    const p50 = doc.summary.slo[0];
    expect(p50).toMatchObject({ unit: "ms", value: doc.summary.latency_ms.p50 });
    expect(p50.value).toBeGreaterThan(10);
    expect(doc.summary.slo[4]).toMatchObject({ unit: "MB", value: doc.summary.resources.gateway.load.rss_mb_max });
    // the report ends with the verdict
    const tail = r.stdout.trimEnd().split("\n");
    expect(tail.at(-1)).toBe("all 5 gates passed");
    expect(r.stdout).toMatch(/│ latency\.p50 > 10ms +│ +[\d.]+ ms │ +pass │/);
    // targets: judged, never enforced without --strict; the built-in proxy's memory (a Bun process) is not judged
    expect(doc.summary.targets.preset).toBe("seed");
    expect(doc.summary.targets.strict).toBe(false);
    const idle = doc.summary.targets.results.find((t: Doc) => t.expr === "rss.idle.max < 20MB");
    expect(idle.pass).toBeNull();
    expect(idle.note).toContain("the built-in proxy is gatebench's reference");
    // no baseline here (the tests' default): nothing but success can be judged, so one line stands for the table
    expect(r.stdout).toContain("Targets (seed): this run can judge none of them but success");
    expect(r.stdout).not.toContain("│ Targets");
  }, 30_000);

  test("a gate that cannot hold (p50 under the mock's own 10 ms) exits 1 and names it", async () => {
    const { r, doc } = await gated("fail", ["--slo", "latency.p50 < 10ms", "--slo", "success >= 100%", "--targets", "none"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("gate failed: latency.p50 < 10ms");
    expect(doc.summary.slo[0]).toMatchObject({ expr: "latency.p50 < 10ms", pass: false });
    expect(doc.summary.slo[1]).toMatchObject({ expr: "success >= 100%", pass: true });
    expect(doc.summary.targets).toBeUndefined();
    expect(r.stdout).not.toContain("Targets");
    expect(r.stdout.trimEnd().split("\n").at(-1)).toBe("1 of 2 gates failed");
  }, 30_000);

  test("--targets seed --strict: a missed target fails the run", async () => {
    const { r, doc } = await gated("strict", ["--targets", "seed", "--strict", "--mock-faults", "500=20%", "--mock-seed", "3"]);
    expect(r.code).toBe(1);
    const success = doc.summary.slo.find((g: Doc) => g.expr === "success >= 100%");
    expect(success.pass).toBe(false);
    // the built-in proxy's memory is not judged, so not a gate either
    expect(doc.summary.slo.some((g: Doc) => g.expr === "rss.idle.max < 20MB")).toBe(false);
    // the target a unary run cannot judge is not a gate
    expect(doc.summary.slo.some((g: Doc) => g.expr === "rss.load.max < 100MB")).toBe(false);
    expect(r.stdout).toContain("enforced (--strict)");
  }, 30_000);

  test("--abort-on-fail: the first failure under success >= 100% stops a 30 s run; the results are written, exit 1", async () => {
    const started = performance.now();
    const { r, doc } = await gated("abort", [
      "--duration",
      "30s",
      "--mock-faults",
      "500=10%",
      "--mock-seed",
      "3",
      "--slo",
      "success >= 100%",
      "--abort-on-fail",
    ]);
    expect(r.code).toBe(1);
    expect(performance.now() - started).toBeLessThan(20_000);
    expect(doc.run.completed).toBe(false);
    expect(doc.run.ended_early).toContain("gate success >= 100% could no longer pass");
    expect(doc.summary.requests.total).toBeLessThan(1500);
    expect(doc.summary.requests.failed).toBeGreaterThan(0);
    expect(doc.summary.slo[0]).toMatchObject({ expr: "success >= 100%", pass: false });
    expect(doc.summary.slo[0].note).toContain("--abort-on-fail");
    expect(r.stderr).toContain("gate failed: success >= 100%");
  }, 40_000);
});

describe.concurrent("gate usage errors: exit 2, the bad token underlined", () => {
  test.each([
    ["latency.p99 < 250MB", "latency.p99 is a time, and 250MB is a size", "250MB"],
    ["latncy.p99 < 3ms", 'did you mean "latency"?', "latncy"],
    ["rss.load.max <> 3MB", "expected a number", ">"],
  ])("%p", async (expr, reason, token) => {
    const r = await cli([...BASE, "--slo", expr], { timeoutMs: 10_000 });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(reason);
    const lines = r.stderr.trimEnd().split("\n");
    const exprLine = lines.at(-2)!;
    const caret = lines.at(-1)!;
    const col = exprLine.indexOf(expr);
    expect(caret.slice(col + expr.indexOf(token), col + expr.indexOf(token) + 1)).toBe("^");
    expect(caret.trim()).toBe("^".repeat(caret.trim().length));
  });

  test.each([
    [["--slo", "ttft.p95 < 1s"], "ttft.p95 is measured in streaming runs only (--stream)"],
    [["--slo", "overhead.latency.p99 < 5ms", "--baseline", "off"], "overhead.latency.p99 needs the direct baseline"],
    [["--abort-on-fail", "--targets", "seed"], "--abort-on-fail stops a run whose gate can no longer pass, and no gate is set"],
    [["--strict", "--targets", "none"], "--strict enforces the --targets preset, and --targets is none"],
    [["--targets", "strictest"], '--targets "strictest": expected seed or none'],
  ])("%p", async (extra, message) => {
    const r = await cli([...BASE, ...extra], { timeoutMs: 10_000 });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });
});
