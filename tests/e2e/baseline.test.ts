// The baseline against ground truth: gateways whose added latency is known
// (a second mock answering 5 ms slower; a pass-through that holds each
// request 5 ms), a proxy that buffers whole streams, and the ways the
// baseline can be run (interleaved, sequential, closed loop, workers, off).
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { cli, ENTRY, ROOT, scratch, startCli, waitFor } from "./helpers.ts";

const { dir, tagged } = scratch("gatebench-baseline-");

// biome-ignore lint: the JSON result is checked field by field
type Doc = any;

async function run(name: string, args: string[]) {
  const tag = tagged();
  const json = join(dir, `${name}.json`);
  // the product's default, which the test helper turns off for other tests
  const baseline = args.includes("--baseline") ? [] : ["--baseline", "interleaved"];
  const r = await cli(["run", "--port", "0", "--mock-port", "0", "--json", json, ...baseline, ...args], { tag, timeoutMs: 90_000 });
  const doc: Doc = existsSync(json) ? JSON.parse(readFileSync(json, "utf8")) : undefined;
  if (r.code !== 0) console.error(r.stderr);
  return { r, doc };
}

const proxy = (extra: string) => [
  "--gateway",
  `${process.execPath} ${join(ROOT, "tests", "e2e", "fixtures", "proxy.ts")} --port {{PORT}} --upstream http://{{MOCK_HOST}}:{{MOCK_PORT}} ${extra}`,
];

describe("overhead against a known truth", () => {
  test("a 'gateway' that answers exactly 5 ms slower than the mock: overhead p50 within 0.5 ms of 5 ms", async () => {
    // the gateway is a second mock with a 15 ms latency; the baseline's mock has 10 ms
    const { r, doc } = await run("plus5", [
      "--gateway",
      `${process.execPath} ${ENTRY} mock --port {{PORT}} --latency 15ms`,
      "--mock-latency",
      "10ms",
      "--rate",
      "50",
      "--duration",
      "3s",
    ]);
    expect(r.code).toBe(0);
    const s = doc.summary;
    expect(s.requests.total).toBe(150);
    expect(s.direct.requests.total).toBe(150);
    expect(Math.abs(s.overhead_ms.latency.p50 - 5)).toBeLessThanOrEqual(0.5);
    // told apart from noise, and the band is honest about it
    expect(s.overhead_band_ms.latency.p50).toBeGreaterThan(0);
    expect(s.overhead_band_ms.latency.p50).toBeLessThan(1);
    expect(s.overhead_ms.latency.p50).toBeGreaterThan(s.overhead_band_ms.latency.p50);
    // 150 requests cannot tell p99.9
    expect(s.overhead_band_ms.latency.p999).toBeNull();
    expect(r.stdout).toMatch(/│ latency\s+│\s+\+[45]\.\d+ ±0\.\d+ │/);
    // this "gateway" never calls the upstream, and the report says so
    expect(r.stdout).toContain("WARNING: the mock received no requests");
    // the report: direct rows next to the gateway's, the overhead block, the baseline in the header
    expect(r.stdout).toContain("│   direct");
    expect(r.stdout).toContain("Overhead (ms)");
    expect(r.stdout).toMatch(/baseline {2}the same arrivals straight to a second mock .* in 1 s slices/);
    expect(doc.run.baseline.order).toBe("interleaved");
    expect(doc.histograms["direct.latency"]).toBeString();
    expect(doc.timeline_direct.reduce((a: number, row: { sent: number }) => a + row.sent, 0)).toBe(150);
    expect(doc.timeline.reduce((a: number, row: { sent: number }) => a + row.sent, 0)).toBe(150);
  }, 90_000);

  test("a pass-through that holds each request 5 ms: 5 ms more overhead than the same proxy without the hold, all of it on the request path", async () => {
    const common = ["--rate", "50", "--duration", "3s", "--mock-latency", "10ms"];
    const fast = await run("hold0", [...proxy("--delay 0"), ...common]);
    const slow = await run("hold5", [...proxy("--delay 5"), ...common]);
    expect(fast.r.code).toBe(0);
    expect(slow.r.code).toBe(0);
    const f = fast.doc.summary.overhead_ms;
    const s = slow.doc.summary.overhead_ms;
    // what the proxy itself costs (tenths of a ms on loopback), then the hold on top
    expect(f.latency.p50).toBeGreaterThan(0);
    expect(f.latency.p50).toBeLessThan(2);
    expect(Math.abs(s.latency.p50 - f.latency.p50 - 5)).toBeLessThanOrEqual(0.5);
    // attribution from the mock's timing: the hold is before the upstream is called
    expect(Math.abs(s.request_path.p50 - f.request_path.p50 - 5)).toBeLessThanOrEqual(0.5);
    expect(Math.abs(s.response_path.p50 - f.response_path.p50)).toBeLessThan(0.5);
    expect(slow.r.stdout).toContain("request path: sent → the mock received it");
  }, 90_000);
});

describe("streams through a buffering proxy", () => {
  const stream = ["--stream", "--rate", "10", "--duration", "2s", "--mock-ttft", "50ms", "--mock-itl", "20ms", "--mock-tokens", "20"];

  test("a proxy that buffers whole answers is reported as buffering; one that passes events on is not", async () => {
    const buffered = await run("buffered", [...proxy("--buffer"), ...stream]);
    const passing = await run("passing", [...proxy(""), ...stream]);
    expect(buffered.r.code).toBe(0);
    expect(passing.r.code).toBe(0);
    expect(buffered.r.stdout).toContain("WARNING: the gateway probably buffers streams: content events came in clumps");
    expect(buffered.doc.summary.warnings.join(" ")).toContain("proxy_buffering off");
    // what a buffered stream looks like: the first token arrives with the whole answer
    expect(buffered.doc.summary.overhead_ms.ttft.p50).toBeGreaterThan(300);
    expect(passing.r.stdout).not.toContain("buffers streams");
    expect(Math.abs(passing.doc.summary.overhead_ms.itl.p50)).toBeLessThan(2);
  }, 90_000);
});

describe.concurrent("ways to run the baseline", () => {
  test("sequential: all of it direct first, then the gateway; the resource phases say which", async () => {
    const { r, doc } = await run("sequential", ["--baseline", "sequential", "--rate", "40", "--duration", "1s"]);
    expect(r.code).toBe(0);
    expect(doc.run.baseline.order).toBe("sequential");
    expect(doc.summary.requests.total).toBe(40);
    expect(doc.summary.direct.requests.total).toBe(40);
    expect(doc.summary.requests.rate).toBeCloseTo(40, 0);
    expect(doc.summary.direct.requests.rate).toBeCloseTo(40, 0);
    const phases = doc.resources_series.gateway.map((p: { phase: string }) => p.phase);
    expect(phases.indexOf("baseline")).toBeLessThan(phases.indexOf("load"));
    expect(phases.lastIndexOf("baseline")).toBeLessThan(phases.indexOf("load"));
    // the upstream counts are the gateway's alone; the baseline's mock counted its own
    expect(doc.run.mock.received.requests).toBe(40);
    expect(doc.run.baseline.mock.received.requests).toBe(40);
  }, 90_000);

  test("stopped during the gateway's half of a sequential run: each side's rate is over the part it ran", async () => {
    const json = join(dir, "seq-stopped.json");
    await using run = startCli(["run", "--port", "0", "--mock-port", "0", "--baseline", "sequential", "--rate", "20", "--duration", "3s", "--json", json], {
      tag: tagged(),
      detached: true,
    });
    // the direct half is 60 requests; stop once the gateway's half is under way (the progress line counts the gateway's requests)
    await waitFor(() => /through the gateway: {2}sent [1-9]/.test(run.out.stderr), 20_000, "the gateway's half to start");
    process.kill(-run.proc.pid, "SIGINT");
    expect(await run.proc.exited).toBe(3);
    await run.pumped;
    const doc = JSON.parse(readFileSync(json, "utf8"));
    expect(doc.summary.direct.requests.total).toBe(60);
    expect(doc.summary.direct.requests.rate).toBeCloseTo(20, 0);
    expect(doc.summary.requests.total).toBeGreaterThan(0);
    expect(doc.summary.requests.total).toBeLessThan(60);
    expect(doc.summary.requests.rate).toBeCloseTo(20, 0);
  }, 60_000);

  test("streams: the slice grows to 5 answers of the mock (4 s for its 800 ms stream)", async () => {
    const { r, doc } = await run("stream-slices", ["--stream", "--rate", "10", "--duration", "1s"]);
    expect(r.code).toBe(0);
    expect(doc.run.baseline.slice_ms).toBe(4000);
    expect(r.stdout).toContain("in 4 s slices");
    expect(doc.summary.requests.total).toBe(10);
    expect(doc.summary.direct.requests.total).toBe(10);
  }, 60_000);

  test("a closed loop runs its baseline first; with -n both sides send n requests; two workers split both", async () => {
    const { r, doc } = await run("closed", ["-c", "4", "-n", "60", "--workers", "2"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("first, then through the gateway");
    expect(doc.summary.requests.total).toBe(60);
    expect(doc.summary.direct.requests.total).toBe(60);
    expect(doc.summary.overhead_ms.latency.p50).toBeDefined();
  }, 90_000);

  test("interleaved with two workers and a warm-up: each side gets the whole load, the warm-up is left out of both", async () => {
    const { r, doc } = await run("workers", ["--rate", "40", "--duration", "2s", "--warmup", "1s", "--workers", "2"]);
    expect(r.code).toBe(0);
    expect(doc.summary.requests.total).toBe(80);
    expect(doc.summary.direct.requests.total).toBe(80);
    expect(doc.run.warmup.requests).toBe(40);
    // the gateway's upstream saw its warm-up and its load, nothing of the baseline
    expect(doc.run.mock.received.requests).toBe(120);
    expect(doc.run.baseline.mock.received.requests).toBe(120);
    expect(doc.summary.requests.rate).toBeCloseTo(40, 0);
    expect(doc.timeline.filter((row: { phase: string }) => row.phase === "warmup").length).toBeGreaterThan(0);
  }, 90_000);

  test("--baseline off: no direct figures, no second mock; bad values are usage errors", async () => {
    const { r, doc } = await run("off", ["--baseline", "off", "--rate", "20", "--duration", "1s"]);
    expect(r.code).toBe(0);
    expect(doc.summary.direct).toBeUndefined();
    expect(doc.summary.overhead_ms).toBeUndefined();
    expect(doc.run.baseline).toBeUndefined();
    expect(r.stdout).not.toContain("Overhead");
    const bad = await cli(["run", "--baseline", "sometimes"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--baseline "sometimes": expected interleaved, sequential or off');
    const noMock = await cli(["run", "--no-mock", "--target", "http://127.0.0.1:1", "--baseline", "sequential"]);
    expect(noMock.code).toBe(2);
    expect(noMock.stderr).toContain("--no-mock starts none");
  }, 90_000);
});
