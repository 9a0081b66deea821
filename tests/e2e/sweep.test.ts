// The sweep against a gateway whose capacity is known: a pass-through that
// answers 429 beyond 150 req/s (a token bucket of 10: a 2 s step passes up
// to 155 req/s, and a pause of the machine that bunches a few sends does
// not fail a step below the limit). The sweep must find the
// knee within one bisection step, and say so in its table, JSON and HTML.
import { expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { cli, processesWithTag, ROOT, scratch } from "./helpers.ts";

const { dir, tagged } = scratch("gatebench-sweep-");
// biome-ignore lint: the sweep document is read loosely in tests
type Doc = any;

const LIMIT = 150;
const limited = [
  "--gateway",
  `${process.execPath} ${join(ROOT, "tests", "e2e", "fixtures", "proxy.ts")} --port {{PORT}} --upstream http://{{MOCK_HOST}}:{{MOCK_PORT}} --limit-rps ${LIMIT} --burst 10`,
];
const quick = ["--duration", "2s", "--warmup", "500ms", "--idle", "0s", "--baseline", "off", "--port", "0", "--mock-port", "0"];

test("automatic sweep: doubles from 40, bisects, and finds the 150 req/s knee within one step", async () => {
  const tag = tagged();
  const out = join(dir, "auto");
  const r = await cli(
    ["sweep", "--start-rate", "40", "--max-rate", "400", "--precision", "10%", "--slo", "success >= 100%", ...quick, ...limited, "--out", out],
    { tag, timeoutMs: 120_000 },
  );
  expect(r.code).toBe(0);
  const doc: Doc = JSON.parse(readFileSync(join(out, "sweep.json"), "utf8"));
  expect(doc.schema).toBe("gatebench-sweep/v1");
  const hi = doc.highest_passing_rps;
  const lo = doc.lowest_failing_rps;
  // the bucket admits 150 req/s (and a burst of 10 over a 2 s step): the knee lies between hi and lo
  expect(doc.end).toBe("bracketed");
  expect(hi).toBeLessThanOrEqual(LIMIT + 5);
  expect(lo).toBeGreaterThan(LIMIT);
  expect(lo - hi).toBeLessThanOrEqual(0.1 * hi);
  // the rates tried: doubling first, then the bisection
  expect(doc.steps.slice(0, 3).map((s: Doc) => s.rate)).toEqual([40, 80, 160]);
  for (const s of doc.steps) {
    expect(s.pass).toBe(s.rate <= LIMIT + 5);
    expect(s.summary.requests.rate).toBeCloseTo(s.rate, 0);
  }
  // a failing step stops at the first failure (--abort-on-fail per step) and says so
  const failing = doc.steps.find((s: Doc) => !s.pass);
  expect(failing.failed).toEqual(["success >= 100%"]);
  expect(failing.summary.status_codes["429"]).toBeGreaterThan(0);
  // the table and the answer
  expect(r.stdout).toMatch(new RegExp(`│ +${hi} req/s │.*pass ◀ highest`));
  expect(r.stdout.trimEnd().split("\n").at(-1)).toStartWith(`highest rate meeting all SLOs: ${hi} req/s; ${lo} req/s did not`);
  // the folder: the sweep, its page, and each step's run folder
  const html = readFileSync(join(out, "sweep.html"), "utf8");
  expect(html).toContain('data-plot="sweep-latency"');
  expect(html).toContain('data-plot="sweep-cpu"');
  expect(html).toContain(`"phase":"knee"`);
  const stepDirs = readdirSync(out).filter((d) => d.startsWith("step-"));
  expect(stepDirs).toHaveLength(doc.steps.length);
  expect(existsSync(join(out, stepDirs[0]!, "result.json"))).toBe(true);
  expect(processesWithTag(tag)).toEqual([]);
}, 120_000);

test("--rates: in order, stopping at the first failure", async () => {
  const tag = tagged();
  const json = join(dir, "rates.json");
  const r = await cli(["sweep", "--rates", "50,200,300", "--slo", "success >= 100%", ...quick, ...limited, "--json", json], { tag, timeoutMs: 60_000 });
  expect(r.code).toBe(0);
  const doc: Doc = JSON.parse(readFileSync(json, "utf8"));
  expect(doc.steps.map((s: Doc) => [s.rate, s.pass])).toEqual([
    [50, true],
    [200, false],
  ]);
  expect(doc.end).toBe("first-failed");
  expect(r.stdout).toContain("the higher rates (300) were not run");
  expect(processesWithTag(tag)).toEqual([]);
}, 60_000);

test("usage errors: exit 2", async () => {
  for (const [args, message] of [
    [["sweep", "--rates", "200,100"], '--rates "200,100": expected increasing rates'],
    [["sweep", "--rates", "100,200", "--max-rate", "500"], "--rates gives the rates; --max-rate belongs to the automatic search"],
    [["sweep", "--precision", "150%"], '--precision "150%": expected a share above 0 and below 100%'],
    [["sweep", "--rate", "100"], 'unknown flag "--rate" for gatebench sweep'],
  ] as const) {
    const r = await cli([...args], { timeoutMs: 10_000 });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  }
});
