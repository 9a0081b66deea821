// The release pipeline as data: the targets build:all compiles, and the two
// GitHub workflows (which cannot run here) at least parse and say what the
// release promises: every target built, tested on three systems, published
// with SHA256SUMS.
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileName, TARGETS } from "../../scripts/build-all.ts";

const ROOT = join(import.meta.dir, "..", "..");
const workflow = (name: string) => Bun.YAML.parse(readFileSync(join(ROOT, ".github", "workflows", name), "utf8")) as Record<string, any>;

describe("release targets", () => {
  test("the five platforms, each with a Bun compile target and a distinct file", () => {
    const names: string[] = TARGETS.map((t) => t.name);
    for (const p of ["linux-x64", "linux-arm64", "darwin-x64", "darwin-arm64", "windows-x64"]) expect(names).toContain(p);
    for (const t of TARGETS) expect(t.target).toBe(`bun-${t.name}`);
    expect(new Set(TARGETS.map((t) => fileName(t.name))).size).toBe(TARGETS.length);
    expect(fileName("windows-x64")).toBe("gatebench-windows-x64.exe");
  });
});

describe("workflows", () => {
  test("ci runs .ci/run on every push and pull request, and the portable tests on macOS and Windows", () => {
    const ci = workflow("ci.yml");
    expect(Object.keys(ci.on)).toEqual(expect.arrayContaining(["push", "pull_request"]));
    const steps = JSON.stringify(ci.jobs);
    expect(steps).toContain("bash .ci/run");
    expect(ci.jobs.other.strategy.matrix.os).toEqual(expect.arrayContaining(["macos-latest", "windows-latest"]));
  });

  test("release builds every target on a v* tag, smoke-tests on three systems, publishes binaries and SHA256SUMS", () => {
    const rel = workflow("release.yml");
    expect(rel.on.push.tags).toEqual(["v*"]);
    expect(JSON.stringify(rel.jobs.build.steps)).toContain("bun run build:all");
    const oses = rel.jobs.test.strategy.matrix.include.map((m: { os: string }) => m.os).join(" ");
    for (const os of ["ubuntu", "macos", "windows"]) expect(oses).toContain(os);
    // each tested binary is one build:all makes
    const files: string[] = TARGETS.map((t) => fileName(t.name));
    for (const m of rel.jobs.test.strategy.matrix.include) expect(files).toContain(m.binary);
    expect(rel.jobs.publish.needs).toEqual(["build", "test"]);
    expect(JSON.stringify(rel.jobs.publish.steps)).toContain("gh release create");
    expect(rel.jobs.publish.permissions.contents).toBe("write");
  });
});
