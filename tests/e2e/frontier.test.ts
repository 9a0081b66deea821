// gatebench frontier against gateways whose answers are known: one with 4
// slots of 40 ms each (at concurrency c every request takes
// 40 ms × ceil(c / 4), beyond 12 waiting it answers 503), one that loses a
// content event of each stream above 4 open at once, one that holds each
// request 5 ms; a rung beyond this machine's open-file limit; the board of
// two frontiers; and flags that cannot work.
import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromiumPath, startChromium } from "./browser.ts";
import { cli, cliEnv, processesWithTag, ROOT, scratch, waitFor } from "./helpers.ts";

const { dir, tagged } = scratch("gatebench-frontier-");
// biome-ignore lint: the frontier document is read loosely in tests
type Doc = any;

const BUN = process.execPath;
const fixture = (name: string): string => join(ROOT, "tests", "e2e", "fixtures", name);
const QUICK = ["--idle", "0s", "--warmup", "300ms", "--port", "0", "--mock-port", "0"];

const SLOTS = 4;
const SERVICE_MS = 40;
const slotsGateway = ["--gateway", `${BUN} ${fixture("slots.ts")} --port {{PORT}} --slots ${SLOTS} --service ${SERVICE_MS} --queue 8`];

/** Runs gatebench frontier; its JSON document (written to `name`.json) and what it printed. */
async function frontier(name: string, args: string[], opts: { openFiles?: number; timeoutMs?: number } = {}) {
  const tag = tagged();
  const json = join(dir, `${name}.json`);
  const r = await cli(["frontier", ...args, ...QUICK, "--json", json], { tag, timeoutMs: opts.timeoutMs ?? 90_000, openFiles: opts.openFiles });
  const doc: Doc = existsSync(json) ? JSON.parse(readFileSync(json, "utf8")) : undefined;
  expect(processesWithTag(tag)).toEqual([]);
  return { r, doc, json };
}

/** The frontier of the slots gateway, made once and shared by the tests that read it. */
let slotsRun: ReturnType<typeof frontier> | undefined;
const slots = () =>
  (slotsRun ??= frontier("slots", [
    ...slotsGateway,
    "--concurrency",
    "1,2,4,8,16",
    "--bounds",
    "20ms,60ms,120ms",
    "--rung-duration",
    "1500ms",
    "--only",
    "ladder",
    "--name",
    "slots",
    "--out",
    join(dir, "slots-out"),
  ]));

describe("gatebench frontier", () => {
  test("ground truth: each rung's latency is 40 ms × ceil(c / 4), and each bound reads the rung the truth says", async () => {
    const { r, doc } = await slots();
    expect(r.code).toBe(0);
    expect(doc.schema).toBe("gatebench/frontier-v1");
    expect(doc.rungs.map((x: Doc) => x.concurrency)).toEqual([1, 2, 4, 8, 16]);
    for (const rung of doc.rungs.slice(0, 4)) {
      const c = rung.concurrency;
      const latency = SERVICE_MS * Math.ceil(c / SLOTS);
      // timers fire late on a busy machine, never early: the truth is a floor, and a few ms above it
      expect(rung.p50_ms).toBeGreaterThanOrEqual(latency);
      expect(rung.p50_ms).toBeLessThan(latency + 12);
      expect(rung.throughput).toBeGreaterThan((0.85 * c * 1000) / latency);
      expect(rung.throughput).toBeLessThan((1.02 * c * 1000) / latency);
      expect([rung.failed, rung.rig]).toEqual([0, undefined]);
    }
    // at 16 more than 12 are in the gateway at once: the rest answered 503
    expect(doc.rungs[4].failed).toBeGreaterThan(0);
    const [under20, under60, under120, unbounded] = doc.readings;
    // 20 ms: below every rung's 40 ms
    expect(under20).toMatchObject({ bound_ms: 20, rps: null, rung: 1, next: { rung: 1, kind: "over" } });
    expect(under20.p99_ms).toBeGreaterThanOrEqual(SERVICE_MS);
    // 60 ms: c=4 (4 at a time, 40 ms each: 100/s); c=8 waits a turn (80 ms)
    expect(under60).toMatchObject({ rung: 4, next: { rung: 8, kind: "over" }, floor: false });
    expect(under60.rps).toBe(doc.rungs[2].throughput);
    // 120 ms and unbounded: c=4 or c=8 (the same 100/s); c=16's 503s break both
    for (const reading of [under120, unbounded]) {
      expect([4, 8]).toContain(reading.rung);
      expect(reading.rps).toBeGreaterThan(85);
      expect(reading.next).toMatchObject({ rung: 16, kind: "failures" });
    }
    expect(unbounded.bound_ms).toBeNull();
    // the same on stdout
    expect(r.stdout).toMatch(/│ p99 < 60 ms +│ +\d+\.\d\d\/s │ c=4 \(p99 \d+\.\d+ ms\); c=8: p99 \d+(\.\d+)? ms is over 60 ms/);
    expect(r.stdout).toMatch(/│ unbounded +│ .*c=16: \d+ of \d+ requests failed/);
    expect(r.stdout).toContain("added latency: not measured (--only ladder)");
  }, 120_000);

  test("--out: the frontier, its page with throughput against p99 and the bounds, and each rung's run folder", async () => {
    const { doc } = await slots();
    const out = join(dir, "slots-out");
    const page = readFileSync(join(out, "frontier.html"), "utf8");
    expect(JSON.parse(readFileSync(join(out, "frontier.json"), "utf8")).readings).toEqual(doc.readings);
    expect(page).toContain('data-plot="frontier"');
    const plot = JSON.parse(/<script type="application\/json" id="gatebench-data">(.*?)<\/script>/s.exec(page)![1]!).plots[0];
    expect(plot).toMatchObject({ id: "frontier", xKind: "log-ms", series: [{ label: "slots" }] });
    expect(plot.marks).toEqual([20, 60, 120].map((at) => ({ at, label: `p99 < ${at} ms` })));
    // a point per rung: its p99 and its throughput
    expect(plot.xs).toEqual(doc.rungs.map((x: Doc) => x.p99_ms).sort((a: number, b: number) => a - b));
    const rungDirs = readdirSync(out).filter((d) => d.startsWith("rung-"));
    expect(rungDirs.sort()).toEqual(["rung-01-c1", "rung-02-c2", "rung-03-c4", "rung-04-c8", "rung-05-c16"]);
    expect(existsSync(join(out, "rung-03-c4", "result.json"))).toBe(true);
    await drawsInBrowser(join(out, "frontier.html"), ["slots"]);
  }, 120_000);

  test("rig limit: a rung beyond the open-file limit is the rig's, left out of the readings, and the ladder stops", async () => {
    const { r, doc } = await frontier("rig", ["--concurrency", "1,2,128,256", "--rung-duration", "1s", "--only", "ladder"], { openFiles: 64 });
    expect(r.code).toBe(0);
    expect(doc.rungs.map((x: Doc) => x.concurrency)).toEqual([1, 2, 128]);
    expect(doc.rungs[2].rig).toMatchObject({ kind: "sockets" });
    expect(doc.rungs[2].rig.why).toContain("open-file limit of 64");
    expect(doc.end).toBe("rig");
    for (const reading of doc.readings) {
      expect([1, 2, null]).toContain(reading.rung);
      if (reading.rps !== null && reading.next?.rung === 128) expect(reading).toMatchObject({ next: { kind: "rig" }, floor: true });
    }
    // unbounded: the faster of c=1 and c=2 (near each other through the built-in proxy), a floor, as c=128 was the rig's
    const unbounded = doc.readings.at(-1);
    expect(unbounded).toMatchObject({ next: { rung: 128, kind: "rig" }, floor: true });
    expect(unbounded.rps).toBe(Math.max(doc.rungs[0].throughput, doc.rungs[1].throughput));
    expect(r.stdout).toMatch(/│ +128 │ +- │ .*│ RIG: sockets │/);
    expect(r.stdout).toContain("floor: c=128 was at the rig's limit, not the gateway's");
  }, 60_000);

  test("streams sustained: a gateway that loses events above 4 open streams sustains 4", async () => {
    const gateway = `${BUN} ${fixture("lossy-streams.ts")} --port {{PORT}} --upstream http://{{MOCK_HOST}}:{{MOCK_PORT}} --max-streams 4`;
    const mock = ["--mock-tokens", "10", "--mock-ttft", "10ms", "--mock-itl", "10ms"];
    const { r, doc } = await frontier("streams", [
      "--stream",
      "--gateway",
      gateway,
      ...mock,
      "--concurrency",
      "1,2,4,8",
      "--rung-duration",
      "1500ms",
      "--only",
      "ladder",
    ]);
    expect(r.code).toBe(0);
    const s = doc.streams;
    expect(s).toMatchObject({ expected_events: 10, mock_itl_ms: 10, sustained: 4 });
    expect(s.rungs.map((x: Doc) => x.pass)).toEqual([true, true, true, false]);
    expect(s.rungs[3].why).toMatch(/^\d+ content events missing/);
    // 4 streams of about 100 ms each, 10 events apiece
    expect(s.events_per_second).toBeGreaterThan(0.7 * 4 * 10 * 10);
    expect(s.events_per_second).toBeLessThan(1.05 * 4 * 10 * 10);
    expect(r.stdout).toMatch(/streams sustained: 4 open at once, \d+ content events\/s .*; at 8: \d+ content events missing/);
  }, 90_000);

  test("streams: the bounds read the time to the first token (the mock's 80 ms), the whole stream's latency beside it; the API said", async () => {
    const { r, doc } = await frontier("stream-ttft", [
      "--stream",
      "--api",
      "messages",
      "--concurrency",
      "1,4",
      "--rung-duration",
      "1s",
      "--bounds",
      "100ms,200ms",
      "--only",
      "ladder",
    ]);
    expect(r.code).toBe(0);
    expect([doc.metric, doc.api]).toEqual(["ttft", "messages"]);
    for (const rung of doc.rungs) {
      expect(rung.ttft_p99_ms).toBeGreaterThanOrEqual(80);
      expect(rung.ttft_p99_ms).toBeLessThan(200);
      // 80 ms, then 24 more events 30 ms apart
      expect(rung.p99_ms).toBeGreaterThan(800);
    }
    const under200 = doc.readings[1];
    expect(under200).toMatchObject({ metric: "ttft", bound_ms: 200 });
    expect(under200.rps).toBeGreaterThan(0);
    expect(under200.p99_ms).toBe(doc.rungs.find((x: Doc) => x.concurrency === under200.rung).ttft_p99_ms);
    expect(r.stdout).toContain("api       messages (Anthropic Messages)");
    expect(r.stdout).toContain("bounds on TTFT p99");
    expect(r.stdout).toMatch(/│ TTFT p99 < 200 ms +│ +\d+\.\d\d\/s │ c=(1|4) \(TTFT p99 \d+(\.\d+)? ms\)/);
    expect(r.stdout).toMatch(/│ concurrency │ throughput │ TTFT p50 │ TTFT p99 │ TTFT p99\.9 │ stream p50 │ stream p99 │ failures │ rig │/);
  }, 60_000);

  test("added latency: a gateway that holds each request 5 ms adds 5 ms; the built-in proxy adds µs", async () => {
    const held = `${BUN} ${fixture("proxy.ts")} --port {{PORT}} --upstream http://{{MOCK_HOST}}:{{MOCK_PORT}} --delay 5`;
    const [slow, proxy] = await Promise.all([
      frontier("added-5ms", ["--gateway", held, "--only", "added", "--rung-duration", "2s"]),
      frontier("added-proxy", ["--only", "added", "--rung-duration", "2s"]),
    ]);
    for (const f of [slow, proxy]) {
      expect(f.r.code).toBe(0);
      expect(f.doc.rungs).toHaveLength(1);
      expect(f.doc.readings).toEqual([]);
      expect(f.doc.end).toBe("only-added");
      expect(f.doc.added.metric).toBe("latency");
    }
    const a = slow.doc.added;
    expect(a.p50_us).toBeGreaterThanOrEqual(5000);
    expect(a.p50_us).toBeLessThan(7000);
    expect(a.p50_band_us).toBeLessThan(1000);
    const b = proxy.doc.added;
    expect(b.p50_us).toBeGreaterThan(0);
    expect(b.p50_us).toBeLessThan(1000);
    expect(b.direct_p50_us).toBeLessThan(1000);
    expect(proxy.r.stdout).toMatch(new RegExp(`added latency at concurrency 1: p50 \\+${b.p50_us} µs ±\\d+ µs`));
    expect(slow.r.stdout).toMatch(/added latency at concurrency 1: p50 \+5\.\d{3} ms ±/);
  }, 90_000);

  test("compare: two frontiers side by side, a column per gateway, and one plot with a curve each", async () => {
    // one after the other: the slots gateway's timings are the truth only on a machine not busy with the other frontier
    const { json: a } = await slots();
    const { json: b } = await frontier("board-proxy", ["--concurrency", "1,2", "--rung-duration", "1s", "--only", "ladder"]);
    const html = join(dir, "board.html");
    const r = await cli(["compare", a, `proxy=${b}`, "--html", html]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/│ bound +│ +slots │ +proxy │/);
    // every bound of either: the slots' 20/60/120 ms, the default 1/5/10/50/100 ms, unbounded
    expect(r.stdout).toMatch(/│ p99 < 60 ms +│ +\d+\.\d\d\/s at c=4 │ +- │/);
    expect(r.stdout).toMatch(/│ unbounded +│ .* at c=(4|8) │ .* at c=(1|2)( \(floor\))? │/);
    const page = readFileSync(html, "utf8");
    expect(page).toContain('"label":"slots"');
    expect(page).toContain('"label":"proxy"');
    await drawsInBrowser(html, ["slots", "proxy"]);
    // a run result among frontiers, and --fail-on-regression, are refused
    const run = join(dir, "run.json");
    writeFileSync(run, JSON.stringify({ schema: "gatebench/v1", tool: {}, run: {}, summary: {} }));
    const mixed = await cli(["compare", a, run]);
    expect([mixed.code, mixed.stderr.trim().split("\n").length]).toEqual([2, 1]);
    expect(mixed.stderr).toContain("is a gatebench/v1 result, and the other files are frontiers");
    const gated = await cli(["compare", a, b, "--fail-on-regression", "10%"]);
    expect(gated.code).toBe(2);
  }, 120_000);

  test.each([
    [["--bounds", "fast"], '--bounds "fast": expected increasing p99 bounds with a unit, e.g. --bounds 1ms,5ms,10ms,50ms,100ms'],
    [["--concurrency", "0"], '--concurrency "0": expected increasing whole numbers above zero, e.g. --concurrency 1,2,4,16'],
    [["--rates", "100,200", "--concurrency", "1,2"], "--rates and --concurrency cannot be used together"],
    [["--only", "everything"], '--only "everything": expected added (the added latency alone) or ladder (the rungs alone)'],
    [["--rate", "100"], 'unknown flag "--rate" for gatebench frontier; did you mean --rates?'],
    [["--only", "ladder", "--only", "added"], "--only given 2 times (ladder, added): expected it once, e.g. --only added"],
  ])("bad input %p: one line, exit 2", async (args, message) => {
    const r = await cli(["frontier", ...args], { timeoutMs: 10_000 });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain(message);
    expect(r.stdout).toBe("");
  });
});

/** Opens a page in headless Chromium: its one plot draws, with these curves, and nothing is fetched. Skipped without chromium, except in CI. */
async function drawsInBrowser(path: string, curves: string[]): Promise<void> {
  const bin = chromiumPath();
  if (!bin) {
    if (process.env.CI) throw new Error("chromium is not installed, and CI runs the browser check");
    console.warn("SKIPPED the browser check of the frontier page: chromium is not installed");
    return;
  }
  const tag = tagged();
  {
    await using browser = await startChromium(bin, cliEnv(tag));
    const page = await browser.page();
    const url = pathToFileURL(path).href;
    await page.send("Page.navigate", { url });
    const state = await waitFor(
      () => page.evaluate(`document.readyState === "complete" && document.documentElement.getAttribute("data-plots")`),
      20_000,
      "the frontier page to draw its plot",
    );
    expect(page.errors).toEqual([]);
    expect(state).toBe("drawn:1");
    const legend: string[] = await page.evaluate(`[...document.querySelectorAll(".u-legend .u-series .u-label")].map((e) => e.textContent).slice(1)`);
    expect(legend).toEqual(curves);
    expect(page.requests).toEqual([url]);
  }
  await waitFor(() => processesWithTag(tag).length === 0, 5_000, "chromium's processes to end");
}
