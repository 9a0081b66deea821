// The memory figures against gateways whose memory is known: one that
// keeps 2 MiB more every 100 ms from its first request (1200 MiB/min) never
// settles, and its growth rate is near that; one that takes 64 MiB at its
// first request and holds them settles, 64 MiB or so above its idle RSS,
// and keeps them through the cool-down. Both are read from the sampler's
// RSS of the real processes.
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { cli, processesWithTag, ROOT, scratch } from "./helpers.ts";

const { dir, tagged } = scratch("gatebench-mem-");

// biome-ignore lint: the JSON result is checked field by field
type Doc = any;

const GROW_MB_PER_STEP = 2;
/** 2 MiB every 100 ms. */
const GROW_MB_PER_MIN = GROW_MB_PER_STEP * 10 * 60;
const PLATEAU_MB = 64;

async function memoryRun(name: string, gatewayFlags: string) {
  const tag = tagged();
  const json = join(dir, `${name}.json`);
  const gateway = `${process.execPath} ${join(ROOT, "tests", "e2e", "fixtures", "memory-gateway.ts")} --port {{PORT}} --upstream http://{{MOCK_HOST}}:{{MOCK_PORT}} ${gatewayFlags}`;
  // 100 ms samples: 40 under a 4 s load, 10 in each quiet phase
  const r = await cli(
    ["run", "--gateway", gateway, "--rate", "20", "--duration", "4s", "--idle", "1s", "--cooldown", "1s", "--sample-interval", "100ms", "--json", json],
    { tag, timeoutMs: 60_000 },
  );
  const doc: Doc = existsSync(json) ? JSON.parse(readFileSync(json, "utf8")) : undefined;
  expect(processesWithTag(tag)).toEqual([]);
  return { r, doc };
}

describe.concurrent.skipIf(process.platform !== "linux")("memory like the boards", () => {
  test("a gateway that grows linearly never settles; its growth rate is near the known one", async () => {
    const { r, doc } = await memoryRun("grow", `--mode grow --mb ${GROW_MB_PER_STEP}`);
    expect(r.code).toBe(0);
    const m = doc.summary.memory.gateway;
    expect(m.settled).toBe(false);
    expect(m.steady_mb).toBeNull();
    // a busy machine samples late and unevenly; the rate is set by the clock, so it stays near
    expect(m.growth_mb_per_min).toBeGreaterThan(GROW_MB_PER_MIN * 0.6);
    expect(m.growth_mb_per_min).toBeLessThan(GROW_MB_PER_MIN * 1.4);
    expect(m.idle_mb).toBeGreaterThan(0);
    // it goes on growing in the cool-down: recovered is above anything seen under load
    expect(m.recovered_mb).toBeGreaterThan(doc.summary.resources.gateway.load.rss_mb_max);
    expect(r.stdout).toMatch(/Memory {8}gateway: idle [\d.]+ MB · never settled under load: growing [\d.]+ MB\/min at its end · recovered/);
  }, 60_000);

  test("a gateway that takes its memory once and holds it settles, about that much above idle, and keeps it", async () => {
    const { r, doc } = await memoryRun("plateau", `--mode plateau --mb ${PLATEAU_MB}`);
    expect(r.code).toBe(0);
    const m = doc.summary.memory.gateway;
    expect(m.settled).toBe(true);
    expect(m.growth_mb_per_min).toBeNull();
    const above = m.steady_mb - m.idle_mb;
    expect(above).toBeGreaterThan(PLATEAU_MB * 0.9);
    expect(above).toBeLessThan(PLATEAU_MB * 1.5);
    // held, not given back
    expect(Math.abs(m.recovered_mb - m.steady_mb)).toBeLessThan(PLATEAU_MB * 0.1);
    // every sampled process has its figures in the JSON, never 0 for an unread one
    for (const proc of ["gateway", "mock", "gatebench"]) {
      expect(doc.summary.memory[proc].idle_mb).toBeGreaterThan(0);
      expect(typeof doc.summary.memory[proc].settled).toBe("boolean");
    }
    expect(r.stdout).toContain(`Memory        gateway: idle ${m.idle_mb.toFixed(1)} MB · steady ${m.steady_mb.toFixed(1)} MB under load · recovered`);
  }, 60_000);

  test("without a cool-down, nothing was recovered: null, not 0", async () => {
    const tag = tagged();
    const json = join(dir, "no-cooldown.json");
    const r = await cli(["run", "--rate", "20", "--duration", "1s", "--cooldown", "0s", "--json", json], { tag });
    expect(r.code).toBe(0);
    const m = JSON.parse(readFileSync(json, "utf8")).summary.memory.gateway;
    expect(m.recovered_mb).toBeNull();
    expect(m.idle_mb).toBeGreaterThan(0);
    expect(r.stdout).toContain("· no cool-down");
  }, 60_000);
});
