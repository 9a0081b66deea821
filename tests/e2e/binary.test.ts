// The compiled executable runs on its own: no bun on PATH, no node_modules,
// started from a directory outside the checkout.
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { killTagged, newTag, processesWithTag, ROOT } from "./helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "gatebench-bin-"));
const tag = newTag();
afterAll(() => {
  killTagged(tag);
  rmSync(dir, { recursive: true, force: true });
});

test("dist build runs without Bun: --version and a short benchmark", async () => {
  const exe = join(dir, "gatebench");
  const build = Bun.spawnSync([process.execPath, join(ROOT, "scripts", "build.ts"), "--outfile", exe], { cwd: ROOT, stderr: "pipe" });
  expect(build.stderr.toString()).toContain("built ");
  expect(build.exitCode).toBe(0);

  const env = { PATH: join(dir, "no-such-dir"), HOME: dir, NO_COLOR: "1", GATEBENCH_TEST_TAG: tag };
  const version = Bun.spawnSync([exe, "--version"], { cwd: dir, env });
  expect(version.exitCode).toBe(0);
  expect(version.stdout.toString()).toMatch(/^gatebench \d+\.\d+\.\d+ \(commit [^,]+, bun /);

  const json = join(dir, "result.json");
  // two load workers: the worker entry is bundled into the binary too
  await using run = Bun.spawn([exe, "-duration", "1s", "-rate", "20", "-port", "0", "-mock-port", "0", "-workers", "2", "-json", json], {
    cwd: dir,
    env,
    stdout: "pipe",
    stderr: "pipe",
    timeout: 30_000,
    killSignal: "SIGKILL",
  });
  const [stdout, stderr, code] = await Promise.all([run.stdout.text(), run.stderr.text(), run.exited]);
  expect(stderr).not.toContain("getconf");
  expect(code).toBe(0);
  expect(stdout).toContain("Latency (ms)");
  const doc = JSON.parse(readFileSync(json, "utf8"));
  expect(doc.summary.requests.total).toBe(20);
  expect(doc.summary.requests.success_ratio).toBe(1);
  expect(doc.config.workers).toBe(2);
  expect(doc.run.mock.received.requests).toBe(20);
  // the children were the binary itself, not bun
  expect(doc.run.gateway.command[0]).toBe(exe);
  expect(processesWithTag(tag)).toEqual([]);
}, 60_000);
