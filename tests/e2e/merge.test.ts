// gatebench merge against real runs: two instances at 50 req/s, started
// together, merge into what one instance at 100 req/s sends; a part with
// another config is refused by name.
import { describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Stats } from "../../src/metrics/histogram.ts";
import { resolutionUs } from "../../src/metrics/histogram.ts";
import type { ResultDoc } from "../../src/metrics/document.ts";
import { cli, scratch, type CliRun } from "./helpers.ts";

const { dir, tagged } = scratch("gatebench-merge-");
const path = (name: string): string => join(dir, name);
const read = (name: string): ResultDoc => JSON.parse(readFileSync(path(name), "utf8"));

/** A 2 s run at `rate`, its result in NAME.json. */
const run = (name: string, rate: number, more: string[] = []): Promise<CliRun> =>
  cli(["run", "--port", "0", "--mock-port", "0", "--rate", String(rate), "--duration", "2s", "--json", path(`${name}.json`), ...more], { tag: tagged() });

// all at once, as instances of one load run: two halves, the whole for comparison, and a streaming part
let started: Promise<CliRun[]> | undefined;
const runs = (): Promise<CliRun[]> =>
  (started ??= Promise.all([
    run("a", 50, ["--instance", "a"]),
    run("b", 50, ["--instance", "b"]),
    run("whole", 100),
    run("s", 50, ["--instance", "s", "--stream"]),
    // a gate each half fails alone (100 requests) and their merge passes (200)
    run("g0", 50, ["--instance", "g0", "--slo", "requests.total == 200", "--slo", "rss.load.max < 1GB"]),
    run("g1", 50, ["--instance", "g1", "--slo", "requests.total == 200", "--slo", "rss.load.max < 1GB"]),
  ]));

describe("gatebench merge", () => {
  test("two instances at 50 req/s merge into the 200 requests one instance at 100 req/s sends", async () => {
    const done = await runs();
    for (const r of done.slice(0, 4)) expect(r.code).toBe(0);
    const m = await cli(["merge", path("a.json"), path("b.json"), "--out", path("merged.json"), "--html", path("merged.html")]);
    expect(m.stderr).not.toContain("ERROR");
    expect(m.code).toBe(0);
    expect(m.stdout).toContain("2 instances (a, b)");
    expect(m.stdout).toContain("gateway@a");

    const [a, b, whole, merged] = [read("a.json"), read("b.json"), read("whole.json"), read("merged.json")];
    const q = merged.summary.requests;
    expect(q.total).toBe(200);
    expect(q.total).toBe(whole.summary.requests.total);
    expect(q.ok).toBe(a.summary.requests.ok + b.summary.requests.ok);
    expect(merged.summary.latency_ms!.count).toBe(a.summary.latency_ms!.count + b.summary.latency_ms!.count);
    expect(merged.config.rateRps).toBe(100);
    expect(merged.run.completed).toBe(true);
    // a percentile of the mixture lies between the parts' percentiles (to a bucket)
    for (const k of ["min", "p50", "p90", "p99", "max"] as const) {
      const [x, y] = [a.summary.latency_ms!, b.summary.latency_ms!].map((s: Stats) => s[k]) as [number, number];
      const slack = resolutionUs(Math.max(x, y) * 1000) / 1000;
      expect(merged.summary.latency_ms![k]).toBeGreaterThanOrEqual(Math.min(x, y) - slack);
      expect(merged.summary.latency_ms![k]).toBeLessThanOrEqual(Math.max(x, y) + slack);
    }
    expect(readFileSync(path("merged.html"), "utf8")).toStartWith("<!doctype html>");

    const r = await cli(["report", path("merged.json")]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("2 instances (a, b)");
    expect(r.stdout).toContain("gateway@b");
  }, 60_000);

  test("the instances' gates are judged again on the merged figures", async () => {
    const [, , , , g0, g1] = await runs();
    expect([g0!.code, g1!.code]).toEqual([1, 1]);
    const m = await cli(["merge", path("g0.json"), path("g1.json"), "--out", path("gated.json")]);
    expect(m.code).toBe(0);
    const [total, rss] = read("gated.json").summary.slo!;
    expect(total).toEqual({ expr: "requests.total == 200", value: 200, pass: true, unit: "" });
    // the gateway's memory is each instance's own: judged on each
    expect(rss).toMatchObject({ expr: "rss.load.max < 1GB", pass: true, unit: "MB" });
    expect(rss!.note).toContain("per instance (g0 pass, g1 pass)");
    expect(m.stdout.trimEnd().split("\n").at(-1)).toBe("all 2 gates passed");
  }, 60_000);

  test("a streaming part with a unary one: exit 2, naming stream", async () => {
    await runs();
    const m = await cli(["merge", path("a.json"), path("s.json"), "--out", path("never.json")]);
    expect(m.code).toBe(2);
    expect(m.stderr).toContain("stream (false vs true)");
    expect(m.stderr).toContain('a.json" (instance a) and');
    expect(m.stdout).toBe("");
  }, 60_000);

  test("the same result twice, under its own name or a copy's: exit 2, nothing doubled", async () => {
    await runs();
    const same = await cli(["merge", path("whole.json"), path("whole.json"), "--out", path("doubled.json")]);
    expect(same.code).toBe(2);
    expect(same.stderr).toContain("are the same run (its load started at");
    expect(same.stdout).toBe("");
    writeFileSync(path("copy.json"), readFileSync(path("a.json")));
    const copy = await cli(["merge", path("a.json"), path("copy.json"), path("b.json")]);
    expect(copy.code).toBe(2);
    expect(copy.stderr).toContain('are the same run (instance "a", its load started at');
  }, 60_000);

  test("one file, or a file that is not a result: exit 2", async () => {
    await runs();
    const one = await cli(["merge", path("a.json")]);
    expect(one.code).toBe(2);
    expect(one.stderr).toContain("at least 2 result files");
    const missing = await cli(["merge", path("a.json"), path("nope.json")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("no such file");
  }, 60_000);
});
