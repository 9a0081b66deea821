// What a run leaves on disk: --json, --html and the --out run folder, each
// file written whole, also when the run is stopped half-way.
import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cli, ROOT, startCli, waitFor, scratch } from "./helpers.ts";

const { dir, tagged } = scratch("gatebench-files-");

const proxy = [
  "--gateway",
  `${process.execPath} ${join(ROOT, "tests", "e2e", "fixtures", "proxy.ts")} --port {{PORT}} --upstream http://{{MOCK_HOST}}:{{MOCK_PORT}}`,
];

describe.concurrent("result files", () => {
  test("--out writes result.json, an .hgrm per histogram, report.html and gateway.log; --json and --html the same figures", async () => {
    const tag = tagged();
    const out = join(dir, "run1");
    const json = join(dir, "r.json");
    const html = join(dir, "r.html");
    const r = await cli(
      [
        "run",
        ...proxy,
        "--port",
        "0",
        "--mock-port",
        "0",
        "--rate",
        "20",
        "--duration",
        "1s",
        "--baseline",
        "interleaved",
        "--out",
        out,
        "--json",
        json,
        "--html",
        html,
      ],
      { tag },
    );
    expect(r.code).toBe(0);
    const files = readdirSync(out).sort();
    expect(files).toContain("result.json");
    expect(files).toContain("report.html");
    expect(files).toContain("gateway.log");
    // the log is in --out, and named there; no copy is left in the temp folder
    expect(JSON.parse(readFileSync(join(out, "result.json"), "utf8")).run.gateway.log).toBe(join(out, "gateway.log"));
    expect(r.stdout).toContain(`(output: ${join(out, "gateway.log")})`);
    expect(readdirSync(join(dir, "tmp")).filter((f) => f.startsWith("gatebench-gateway-") && f.endsWith(".log"))).toEqual([]);
    expect(files).toContain("latency.hgrm");
    expect(files).toContain("direct.latency.hgrm");
    // nothing half-written left behind
    expect(files.filter((f) => f.includes(".tmp-"))).toEqual([]);
    const doc = JSON.parse(readFileSync(join(out, "result.json"), "utf8"));
    // one .hgrm for each histogram of the result, and nothing else
    expect(files.filter((f) => f.endsWith(".hgrm")).sort()).toEqual(
      Object.keys(doc.histograms)
        .map((m) => `${m}.hgrm`)
        .sort(),
    );
    expect(readFileSync(json, "utf8")).toBe(readFileSync(join(out, "result.json"), "utf8"));
    expect(doc.summary.requests.total).toBe(20);
    expect(readFileSync(join(out, "latency.hgrm"), "utf8")).toMatch(/#\[Max\s+=\s+[\d.]+, Total count\s+=\s+20\]/);
    const page = readFileSync(html, "utf8");
    expect(page).toStartWith("<!doctype html>");
    expect(page).not.toMatch(/<(script|link|img)[^>]+(src|href)=["']?https?:/i);
    expect(r.stderr).toContain(`run folder ${out} written`);
  }, 60_000);

  test("a run stopped half-way still writes its files, marked partial", async () => {
    const tag = tagged();
    const out = join(dir, "partial");
    await using run = startCli(["run", "--port", "0", "--mock-port", "0", "--rate", "20", "--duration", "60s", "--out", out], { tag, detached: true });
    await waitFor(() => / {2}sent [1-9]/.test(run.out.stderr), 20_000, "the load to be under way");
    process.kill(-run.proc.pid, "SIGINT");
    expect(await run.proc.exited).toBe(3);
    await run.pumped;
    const doc = JSON.parse(readFileSync(join(out, "result.json"), "utf8"));
    expect(doc.run.completed).toBe(false);
    expect(doc.run.ended_early).toBe("interrupted");
    expect(doc.summary.requests.total).toBeGreaterThan(0);
    expect(existsSync(join(out, "report.html"))).toBe(true);
    expect(run.out.stderr).toContain("(partial: the run ended early)");
  }, 40_000);

  test("--out naming a file, --html in a missing folder: usage errors before anything starts", async () => {
    const file = join(dir, "a-file");
    writeFileSync(file, "x");
    const a = await cli(["run", "--out", file]);
    expect(a.code).toBe(2);
    expect(a.stderr).toContain(`--out "${file}": is a file; give a folder`);
    const b = await cli(["run", "--html", join(dir, "missing", "r.html")]);
    expect(b.code).toBe(2);
    expect(b.stderr).toContain("does not exist or is not writable");
  }, 60_000);
});
