// gatebench compare on real results: a mock that answers 2 ms slower is a
// latency regression beyond 10 %; two runs of the same setup are not; a
// file of another schema, or a single file, is a usage error.
import { describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cli, scratch } from "./helpers.ts";

const { dir, tagged } = scratch("gatebench-compare-");

/** One short run against the mock with the given unary latency, its result in `name`; each is made once and shared by the tests. */
const made = new Map<string, Promise<string>>();
function result(name: string, mockLatency: string): Promise<string> {
  let p = made.get(name);
  if (!p) {
    const file = join(dir, name);
    p = cli(["run", "--port", "0", "--mock-port", "0", "--rate", "100", "--duration", "2s", "--mock-latency", mockLatency, "--json", file], {
      tag: tagged(),
    }).then((r) => {
      if (r.code !== 0) throw new Error(`gatebench run for ${name} exited ${r.code}: ${r.stderr}`);
      return file;
    });
    made.set(name, p);
  }
  return p;
}

/**
 * The three runs, started together so that whatever else the machine is
 * doing falls on all of them alike: two runs seconds apart on a busy
 * machine can really differ by more than 10 % at p90, and compare would
 * rightly say so.
 */
async function runs(): Promise<{ a: string; a2: string; b: string }> {
  const [a, a2, b] = await Promise.all([result("a.json", "10ms"), result("a2.json", "10ms"), result("b.json", "12ms")]);
  return { a, a2, b };
}

describe("gatebench compare", () => {
  test("a mock 2 ms slower: latency is worse beyond noise, exit 1, and the failing metrics are named", async () => {
    const { a, b } = await runs();
    const r = await cli(["compare", a, b, "--fail-on-regression", "10%"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/latency p50 .* worse ✗/);
    expect(r.stdout).toMatch(/FAIL: B \(.*b\.json\) is worse than A beyond noise by more than 10 % in latency p50 \(\+\d+\.\d %\)/);
    // the settings that differ are said, and the comparison still made
    expect(r.stdout).toContain("mock latency: default → 12ms");
    expect(r.stderr).toBe("");
  }, 60_000);

  test("two runs of the same setup: no regression, exit 0; --json - gives the comparison on stdout", async () => {
    const { a, a2: again } = await runs();
    const r = await cli(["compare", a, again, "--fail-on-regression", "10%", "--json", "-"]);
    // the table in the message when it fails
    expect({ code: r.code, table: r.stderr }).toMatchObject({ code: 0 });
    expect(r.stderr).toMatch(/OK: no gated metric of B \(.*a2\.json\) is worse than A beyond noise by more than 10 %/);
    expect(r.stderr).not.toContain("worse ✗");
    const cmp = JSON.parse(r.stdout);
    expect(cmp.schema).toBe("gatebench-compare/v1");
    expect(cmp.regressions).toEqual([]);
    expect(cmp.notes).toEqual([]);
    const p50 = cmp.comparisons[0].rows.find((x: { key: string }) => x.key === "latency.p50");
    expect(p50.band).toBeGreaterThan(0);
  }, 60_000);

  test("three files: B and C each against A, in their own columns", async () => {
    const { a, a2, b } = await runs();
    const r = await cli(["compare", a, a2, b, "--fail-on-regression", "10%"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("B vs A");
    expect(r.stdout).toContain("C vs A");
    expect(r.stdout).toMatch(/FAIL: C \(.*b\.json\) is worse than A/);
    const six = await cli(["compare", a, a2, b, a, a2, b]);
    expect(six.code).toBe(2);
    expect(six.stderr).toContain("gatebench compare takes at most 5 files (got 6)");
  }, 60_000);

  test("a file of another schema, or a missing one: exit 2, saying which file has which schema", async () => {
    const { a } = await runs();
    const other = join(dir, "other.json");
    writeFileSync(other, JSON.stringify({ ...JSON.parse(readFileSync(a, "utf8")), schema: "gatebench/v2" }));
    const r = await cli(["compare", a, other]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(`"${other}" is a gatebench/v2 result and "${a}" a gatebench/v1 one: results of different schemas cannot be compared`);
    // a file that is no result at all keeps report's own message
    const missing = await cli(["compare", a, join(dir, "missing.json")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`cannot read "${join(dir, "missing.json")}": no such file`);
  }, 60_000);

  test("one file, or a bound without %: exit 2 with an example", async () => {
    const { a } = await runs();
    const one = await cli(["compare", a]);
    expect(one.code).toBe(2);
    expect(one.stderr).toContain(
      "gatebench compare needs at least two result files, the baseline first, e.g. gatebench compare base.json new.json --fail-on-regression 10%",
    );
    const bare = await cli(["compare", a, a, "--fail-on-regression", "10"]);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain('--fail-on-regression "10": expected a percentage with %, e.g. --fail-on-regression 10%');
  }, 60_000);
});
