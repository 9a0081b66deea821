// An A/A test of gatebench compare: separate runs with the same settings
// differ only by noise, so compare must call (almost) every metric of every
// pair of them noise. At 95 % confidence a metric may be called worse or
// better in 5 % of the pairs by chance; more than that, and its band is
// not honest. Six short runs (through the built-in proxy, with an
// interleaved baseline for the overhead) give 15 pairs.
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { compareRuns } from "../../src/metrics/compare.ts";
import { cli, scratch } from "./helpers.ts";

const { dir, tagged } = scratch("gatebench-aa-");
const RUNS = 6;

/** The most times out of `n` that a 5 % chance comes up, but for a 1 % tail: Binomial(n, 0.05)'s 99th percentile. */
function allowedOf(n: number, p = 0.05): number {
  let k = 0;
  let cdf = 0;
  let pmf = (1 - p) ** n;
  for (; k <= n; k++) {
    cdf += pmf;
    if (cdf >= 0.99) return k;
    pmf *= ((n - k) / (k + 1)) * (p / (1 - p));
  }
  return n;
}

test("A/A: in 15 pairs of separate runs with the same settings, no metric is called worse or better more often than chance allows", async () => {
  const paths = Array.from({ length: RUNS }, (_, i) => join(dir, `aa-${i}.json`));
  const args = (path: string) => ["run", "--rate", "50", "--duration", "3s", "--baseline", "interleaved", "--json", path];
  // two at a time: this machine has few cores, and each run is three processes
  for (let i = 0; i < RUNS; i += 2) {
    const done = await Promise.all(paths.slice(i, i + 2).map((p) => cli(args(p), { tag: tagged(), timeoutMs: 40_000 })));
    for (const r of done) expect(r.code).toBe(0);
  }
  const docs = paths.map((p) => JSON.parse(readFileSync(p, "utf8")));
  const called = new Map<string, string[]>();
  let pairs = 0;
  for (let i = 0; i < RUNS; i++) {
    for (let j = i + 1; j < RUNS; j++) {
      pairs++;
      for (const r of compareRuns(docs[i], docs[j])) {
        const list = called.get(r.key) ?? [];
        if (r.verdict === "worse" || r.verdict === "better") list.push(`${i}/${j}: ${r.a} → ${r.b} (band ±${r.band?.toFixed(3)})`);
        called.set(r.key, list);
      }
    }
  }
  expect(pairs).toBe(15);
  const allowed = allowedOf(pairs);
  expect(allowed).toBe(3);
  // every metric the runs have is compared, and called noise in all but chance's share of the pairs
  expect([...called.keys()]).toContain("throughput");
  expect([...called.keys()]).toContain("overhead.latency.p50");
  const tooOften = [...called].filter(([, list]) => list.length > allowed).map(([key, list]) => `${key}: ${list.join("; ")}`);
  expect(tooOften).toEqual([]);
}, 120_000);
