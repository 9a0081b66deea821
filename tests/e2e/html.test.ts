// `gatebench report` end to end: real benchmarks, their results rendered
// again (terminal and --html), and each HTML page opened in headless
// Chromium: no console error, no request leaving the file, every plot drawn
// (each series' colour found on its canvas), and no sideways scrolling in a
// narrow window. Screenshots are kept under the OS temp dir.
import { describe, expect, test } from "bun:test";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromiumPath, startChromium } from "./browser.ts";
import { cli, cliEnv, processesWithTag, ROOT, waitFor, type CliRun, scratch } from "./helpers.ts";

const { dir, tagged } = scratch("gatebench-html-");
/** Screenshots outlive the run here; nothing under tests/ is ignored by git. */
const ARTIFACTS = join(tmpdir(), "gatebench-artifacts");

// biome-ignore lint: the JSON result is read and extended field by field
type Doc = any;

/** A real benchmark through the built-in proxy, with its JSON result. */
async function benchmark(name: string, args: string[]): Promise<{ run: CliRun; json: string; doc: Doc }> {
  const tag = tagged();
  const json = join(dir, `${name}.json`);
  const run = await cli(["run", ...args, "--port", "0", "--mock-port", "0", "--json", json], { tag });
  expect(run.stderr).not.toContain("    at ");
  expect(run.code).toBe(0);
  expect(processesWithTag(tag)).toEqual([]);
  return { run, json, doc: JSON.parse(readFileSync(json, "utf8")) };
}

let streaming: ReturnType<typeof benchmark> | undefined;
/** The streaming benchmark with the direct baseline, run once for the tests that need one. */
const streamingRun = () => (streaming ??= benchmark("stream", ["--duration", "2s", "--rate", "10", "--stream", "--baseline", "interleaved"]));

/** The lines of the report's tables, which the re-rendered report must repeat exactly. */
const tableLines = (report: string): string[] => report.split("\n").filter((l) => /^[┌│├└]/.test(l));

/** The rows (cells) of the terminal table whose header starts with `title`. */
function terminalTable(report: string, title: string): string[][] {
  const lines = report.split("\n");
  const at = lines.findIndex((l) => l.startsWith(`│ ${title} `));
  expect(at, `terminal table "${title}"`).toBeGreaterThan(-1);
  const rows: string[][] = [];
  for (const line of lines.slice(at + 1)) {
    if (line.startsWith("└")) break;
    if (line.startsWith("│"))
      rows.push(
        line
          .split("│")
          .slice(1, -1)
          .map((c) => c.trim()),
      );
  }
  return rows;
}

const unescape = (s: string): string =>
  s
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&");

/** The body rows (cells) of the HTML table of class `cls`. */
function htmlTable(html: string, cls: string): string[][] {
  const at = html.indexOf(`<table class="${cls}">`);
  expect(at, `HTML table "${cls}"`).toBeGreaterThan(-1);
  const body = html.slice(at, html.indexOf("</table>", at));
  return body
    .split("\n")
    .filter((l) => l.startsWith("<tr data-row="))
    .map((row) => [...row.matchAll(/<t[hd]>(.*?)<\/t[hd]>/g)].map((m) => unescape(m[1]!)));
}

/** The cells of the HTML table row marked data-row="key". */
function htmlRow(html: string, key: string): string[] | undefined {
  const row = html.split("\n").find((l) => l.startsWith(`<tr data-row="${key}"`));
  return row ? [...row.matchAll(/<t[hd]>(.*?)<\/t[hd]>/g)].map((m) => unescape(m[1]!)) : undefined;
}

/** The page's tables carry the terminal report's figures, with a unit on each. */
function expectSameFigures(html: string, report: string): void {
  const withMs = (c: string): string => (c === "-" ? "-" : `${c} ms`);
  const [req] = terminalTable(report, "Requests");
  expect(htmlTable(html, "requests")[0]!.slice(1)).toEqual(req!.slice(1).map((c) => c.replace(/\/s$/, " req/s")));
  expect(htmlTable(html, "latency")).toEqual(terminalTable(report, "Latency (ms)").map(([label, ...cells]) => [label!, ...cells.map(withMs)]));
  expect(htmlTable(html, "resources")).toEqual(terminalTable(report, "Resources"));
  if (report.includes("│ Overhead (ms) ")) {
    expect(htmlTable(html, "overhead")).toEqual(terminalTable(report, "Overhead (ms)").map(([label, ...cells]) => [label!, ...cells.map(withMs)]));
  }
}

/** The plots a result's data calls for: plot id → series labels. */
function expectedPlots(doc: Doc): Record<string, string[]> {
  const direct = (doc.timeline_direct ?? []).length > 0;
  const d = (label: string): string[] => (direct ? [label, `${label} (direct)`] : [label]);
  const plots: Record<string, string[]> = {
    "latency-time": [...d("p50"), ...d("p99")],
    "throughput-time": [...d("completed/s"), "errors/s", "sent/s"],
    "inflight-time": d("in flight"),
    "gateway-cpu": ["gateway CPU"],
    "gateway-rss": ["gateway RSS"],
  };
  for (const [metric, title] of [
    ["latency", "Latency"],
    ["ttft", "TTFT"],
    ["itl", "ITL"],
  ] as const) {
    if (doc.histograms[metric])
      plots[`spectrum-${metric}`] = [`${title} through the gateway`, ...(doc.histograms[`direct.${metric}`] ? [`${title} direct to the mock`] : [])];
  }
  return plots;
}

/** `gatebench report FILE --html OUT`, with what every page must be: written whole, and fetching nothing. */
async function renderHtml(json: string, name: string): Promise<{ html: string; path: string }> {
  const path = join(dir, `${name}.html`);
  const r = await cli(["report", json, "--html", path]);
  expect(r.stderr).toContain(`HTML report written to ${path}`);
  expect(r.code).toBe(0);
  expect(r.stdout).toBe("");
  expect(readdirSync(dir).filter((f) => f.includes(".tmp-"))).toEqual([]);
  const html = readFileSync(path, "utf8");
  for (const fetching of [/<(link|img|iframe|object|embed)\b/i, /\b(src|href)\s*=/i, /url\(/i, /@import/i, /@font-face/i]) {
    expect(html).not.toMatch(fetching);
  }
  const data = html.match(/<script type="application\/json" id="gatebench-data">([^<]*)<\/script>/);
  expect(data).not.toBeNull();
  expect(JSON.parse(data![1]!).plots.length).toBeGreaterThan(0);
  return { html, path };
}

/**
 * Counts, on each plot's canvas, the pixels in each series' colour: a series
 * that drew leaves some, unless a series drawn after it has the very same
 * values (p50 = p99 in every second) and hides it, which the result says as
 * "covered".
 */
const PIXELS_BY_SERIES = `(() => {
  const data = JSON.parse(document.getElementById("gatebench-data").textContent);
  // a dashed line hides what it lies on only where that is dashed the same way
  const hides = (later, s) => !later.dashed || s.dashed;
  const covered = (p, k) => p.series.some((later, j) => j > k && hides(later, p.series[k]) && p.series[k].values.every((v, i) => v === null || v === later.values[i]));
  return data.plots.map((p) => {
    const canvas = document.querySelector('[data-plot="' + p.id + '"] canvas');
    const px = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
    const rgb = p.series.map((s) => [1, 3, 5].map((i) => parseInt(s.color.slice(i, i + 2), 16)));
    const counts = rgb.map(() => 0);
    for (let i = 0; i < px.length; i += 4) {
      if (px[i + 3] < 200) continue;
      rgb.forEach((c, k) => {
        if (Math.abs(px[i] - c[0]) < 24 && Math.abs(px[i + 1] - c[1]) < 24 && Math.abs(px[i + 2] - c[2]) < 24) counts[k]++;
      });
    }
    return { id: p.id, series: p.series.map((s, k) => ({ label: s.label, pixels: counts[k], covered: covered(p, k) })) };
  });
})()`;

const NARROW = `(() => {
  const canvases = [...document.querySelectorAll(".chart canvas")];
  return canvases.length > 0 && canvases.every((c) => c.getBoundingClientRect().right <= innerWidth) && { page: document.documentElement.scrollWidth, view: innerWidth };
})()`;

/**
 * Opens the page in headless Chromium and checks it drew `expected` (plot id
 * → series labels). Without chromium this part is skipped, except in CI.
 */
async function checkInBrowser(path: string, name: string, expected: Record<string, string[]>): Promise<void> {
  const bin = chromiumPath();
  if (!bin) {
    if (process.env.CI) throw new Error("chromium is not installed, and CI runs the browser check (.ci/run installs it)");
    console.warn(`SKIPPED the browser check of the ${name} report: chromium is not installed (apt-get install chromium); CI fails instead`);
    return;
  }
  const tag = tagged();
  {
    await using browser = await startChromium(bin, cliEnv(tag));
    const page = await browser.page();
    await page.send("Emulation.setDeviceMetricsOverride", { width: 1280, height: 2400, deviceScaleFactor: 1, mobile: false });
    const url = pathToFileURL(path).href;
    await page.send("Page.navigate", { url });
    const state = await waitFor(
      () => page.evaluate(`document.readyState === "complete" && document.documentElement.getAttribute("data-plots")`),
      20_000,
      `the ${name} report to draw its plots`,
    );
    expect(page.errors).toEqual([]);
    expect(state).toBe(`drawn:${Object.keys(expected).length}`);
    const drawn: { id: string; series: { label: string; pixels: number; covered: boolean }[] }[] = await page.evaluate(PIXELS_BY_SERIES);
    expect(Object.fromEntries(drawn.map((p) => [p.id, p.series.map((s) => s.label)]))).toEqual(expected);
    // (the last series of a plot is never covered, so every plot shows at least one)
    for (const p of drawn) for (const s of p.series) if (!s.covered) expect(s.pixels, `${p.id}: ${s.label}`).toBeGreaterThan(10);
    // the file itself, and nothing else
    expect(page.requests).toEqual([url]);

    const height: number = await page.evaluate("document.documentElement.scrollHeight");
    await page.send("Emulation.setDeviceMetricsOverride", { width: 1280, height, deviceScaleFactor: 1, mobile: false });
    const shot = await page.send("Page.captureScreenshot", { format: "png" });
    mkdirSync(ARTIFACTS, { recursive: true });
    const png = join(ARTIFACTS, `html-report-${name}.png`);
    writeFileSync(png, Buffer.from(shot.data, "base64"));
    console.log(`screenshot of the ${name} HTML report: ${png}`);

    // a phone-sized window: the plots shrink to fit, wide tables scroll inside their box
    await page.send("Emulation.setDeviceMetricsOverride", { width: 390, height: 844, deviceScaleFactor: 1, mobile: false });
    const narrow = await waitFor(() => page.evaluate(NARROW), 10_000, "the plots to fit a narrow window");
    expect(narrow.page).toBeLessThanOrEqual(narrow.view);
    expect(page.errors).toEqual([]);
  }
  // stopped by its pid, helpers included
  await waitFor(() => processesWithTag(tag).length === 0, 5_000, "chromium's processes to end");
}

/** A result as gatebench wrote it before the baseline existed: none of the direct path's fields. */
function withoutBaseline(doc: Doc): Doc {
  const d = structuredClone(doc);
  for (const name of Object.keys(d.histograms)) if (name.startsWith("direct.")) delete d.histograms[name];
  for (const field of ["direct", "overhead_ms", "overhead_band_ms"]) delete d.summary[field];
  delete d.timeline_direct;
  delete d.run.baseline;
  return d;
}

describe.concurrent("gatebench report", () => {
  test("unary: the terminal report again, and an HTML page with its figures whose plots all draw", async () => {
    const { run, json, doc } = await benchmark("unary", ["--duration", "2s", "--rate", "20"]);
    const again = await cli(["report", json]);
    expect(again.stderr).toBe("");
    expect(again.code).toBe(0);
    const tables = tableLines(again.stdout);
    expect(tables.some((l) => l.startsWith("│ Requests "))).toBe(true);
    expect(tables.some((l) => l.startsWith("│ Latency (ms) "))).toBe(true);
    expect(tables).toEqual(tableLines(run.stdout));

    const { html, path } = await renderHtml(json, "unary");
    expectSameFigures(html, run.stdout);
    expect(html).toContain("Status codes</dt><dd>200: 40</dd>");
    const plots = expectedPlots(doc);
    expect(Object.keys(plots)).toContain("spectrum-latency");
    expect(Object.keys(plots)).not.toContain("spectrum-ttft");
    await checkInBrowser(path, "unary", plots);
  }, 90_000);

  test("streaming: TTFT and ITL in the tables and as percentile spectra, the baseline beside the gateway", async () => {
    const { run, json, doc } = await streamingRun();
    const again = await cli(["report", json]);
    expect(again.code).toBe(0);
    expect(tableLines(again.stdout)).toEqual(tableLines(run.stdout));

    const { html, path } = await renderHtml(json, "stream");
    expectSameFigures(html, run.stdout);
    expect(htmlRow(html, "TTFT")![0]).toBe("TTFT");
    const plots = expectedPlots(doc);
    expect(Object.keys(plots)).toEqual(expect.arrayContaining(["spectrum-ttft", "spectrum-itl"]));
    // the baseline: its rows under the gateway's, the overhead, and its series in the plots
    expect(run.stdout).toContain("│ Overhead (ms) ");
    expect(htmlRow(html, "latency (direct)")![0]).toBe("direct");
    expect(htmlRow(html, "overhead latency")![0]).toBe("latency");
    expect(plots["latency-time"]).toEqual(["p50", "p50 (direct)", "p99", "p99 (direct)"]);
    expect(plots["spectrum-ttft"]).toEqual(["TTFT through the gateway", "TTFT direct to the mock"]);
    expect(html).toContain("</i>baseline</span>");
    await checkInBrowser(path, "stream", plots);
  }, 90_000);

  test("a result without the baseline's fields: no direct series, no overhead; an overhead without bands in plain ms", async () => {
    const { doc } = await streamingRun();
    const plain = withoutBaseline(doc);
    const json = join(dir, "no-baseline.json");
    writeFileSync(json, JSON.stringify(plain));
    expect((await cli(["report", json])).code).toBe(0);
    const { html, path } = await renderHtml(json, "no-baseline");
    expect(html).not.toContain("(direct)");
    expect(html).not.toContain('<table class="overhead">');
    await checkInBrowser(path, "no-baseline", expectedPlots(plain));

    // the overhead as first described: values only, no 95 % bands
    const bare = { ...plain, summary: { ...plain.summary, overhead_ms: { latency: { p50: 12.5, p90: 13.25, p99: 120, p999: -0.5 } } } };
    const bareJson = join(dir, "bare-overhead.json");
    writeFileSync(bareJson, JSON.stringify(bare));
    const rendered = await renderHtml(bareJson, "bare-overhead");
    expect(htmlRow(rendered.html, "overhead latency")).toEqual(["latency", "+12.50 ms", "+13.25 ms", "+120.0 ms", "-0.500 ms"]);
  }, 90_000);

  test("the compiled executable renders the same page: uPlot is inside it, not read from node_modules", async () => {
    const { json } = await streamingRun();
    const { html } = await renderHtml(json, "from-source");
    const exe = join(dir, "gatebench");
    const build = Bun.spawnSync([process.execPath, join(ROOT, "scripts", "build.ts"), "--outfile", exe], { cwd: ROOT, stderr: "pipe" });
    expect(build.exitCode).toBe(0);
    const out = join(dir, "from-binary.html");
    await using proc = Bun.spawn([exe, "report", json, "--html", out], {
      cwd: dir,
      env: { PATH: join(dir, "no-such-dir"), HOME: dir, NO_COLOR: "1" },
      stdout: "pipe",
      stderr: "pipe",
      timeout: 30_000,
      killSignal: "SIGKILL",
    });
    const [stderr, code] = await Promise.all([proc.stderr.text(), proc.exited]);
    rmSync(exe, { force: true });
    expect(stderr).toContain("HTML report written to");
    expect(code).toBe(0);
    expect(readFileSync(out, "utf8")).toBe(html);
  }, 90_000);

  test("what is not a gatebench/v1 result is refused in one line, exit 2", async () => {
    const write = (name: string, text: string): string => {
      const p = join(dir, name);
      writeFileSync(p, text);
      return p;
    };
    const cases: [string[], string][] = [
      [["report", write("v0.json", JSON.stringify({ schema: "gatebench/v0", summary: {} }))], `has schema "gatebench/v0", expected "gatebench/v1"`],
      [["report", write("other.json", "[1, 2]")], `has no schema field, expected "gatebench/v1"`],
      [["report", write("broken.json", "{ not json")], "is not valid JSON"],
      [["report", join(dir, "missing.json")], 'missing.json": no such file'],
      [["report", dir], "is a folder without a result.json: give a result file, or the --out folder of a run"],
      [["report"], "needs a result file, e.g. gatebench report result.json"],
      [["report", write("v0b.json", JSON.stringify({ schema: "gatebench/v0" })), "--html", join(dir, "x.html")], `has schema "gatebench/v0"`],
    ];
    for (const [args, message] of cases) {
      const r = await cli(args);
      expect(r.stderr, args.join(" ")).toContain(message);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stdout).toBe("");
      expect(r.code).toBe(2);
    }
    const { json } = await streamingRun();
    const r = await cli(["report", json, "--html", join(dir, "no-such-dir", "r.html")]);
    expect(r.stderr).toContain("cannot write it (no such file)");
    expect(r.code).toBe(2);
    expect(readdirSync(dir).filter((f) => f.includes(".tmp-"))).toEqual([]);
  }, 90_000);

  test("--help says what it does, with an example", async () => {
    const r = await cli(["report", "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("gatebench report — Render a saved result again");
    expect(r.stdout).toContain("e.g. gatebench report result.json --html report.html");
    expect(r.stdout).toContain("--html <file>");
    expect((await cli(["--help"])).stdout).toMatch(/\n {2}report +Render a saved result/);
  });
});
