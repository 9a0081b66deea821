import { describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeHistogram, newHistogram, recordMs, statsOf } from "../../src/metrics/histogram.ts";
import { writeAtomic } from "../../src/report/files.ts";
import { hgrmName, hgrmOf } from "../../src/report/hgrm.ts";

/** The rows and footer of an .hgrm file, as HdrHistogram's plotter reads them. */
function parseHgrm(text: string) {
  const rows: { value: number; percentile: number; count: number }[] = [];
  let max = Number.NaN;
  let total = Number.NaN;
  let mean = Number.NaN;
  for (const line of text.split("\n")) {
    const m = /^\s*([\d.]+)\s+([\d.]+)\s+(\d+)(\s+[\d.]+|\s+inf)?\s*$/.exec(line);
    if (m) rows.push({ value: Number(m[1]), percentile: Number(m[2]), count: Number(m[3]) });
    const f = /^#\[Max\s*=\s*([\d.]+), Total count\s*=\s*(\d+)\]/.exec(line);
    if (f) [max, total] = [Number(f[1]), Number(f[2])];
    const g = /^#\[Mean\s*=\s*([\d.]+),/.exec(line);
    if (g) mean = Number(g[1]);
  }
  return { header: text.split("\n")[0]!.trim().split(/\s+/), rows, max, total, mean };
}

describe(".hgrm percentile distribution files", () => {
  test("parsed back, they give the histogram's count, max, mean and percentiles (values in ms)", () => {
    const h = newHistogram();
    // 10,000 latencies: 1.000 ms … 100.000 ms evenly, plus a 2 s outlier
    for (let i = 1; i <= 10_000; i++) recordMs(h, i / 100);
    recordMs(h, 2000);
    const s = statsOf(h)!;
    const f = parseHgrm(hgrmOf(encodeHistogram(h)));
    expect(f.header).toEqual(["Value", "Percentile", "TotalCount", "1/(1-Percentile)"]);
    expect(f.total).toBe(10_001);
    // the encoded form keeps buckets: the max read back is its bucket's top, within 0.1 %
    expect(Math.abs(f.max - 2000) / 2000).toBeLessThan(0.001);
    expect(f.mean).toBeCloseTo(s.mean, 1);
    expect(f.rows.at(-1)!.count).toBe(10_001);
    expect(f.rows.at(-1)!.percentile).toBe(1);
    // monotonic, as a distribution must be
    for (let k = 1; k < f.rows.length; k++) {
      expect(f.rows[k]!.value).toBeGreaterThanOrEqual(f.rows[k - 1]!.value);
      expect(f.rows[k]!.count).toBeGreaterThanOrEqual(f.rows[k - 1]!.count);
    }
    // the row at 50 % is the summary's p50 (within the histogram's 0.1 %)
    const at50 = f.rows.find((r) => r.percentile === 0.5)!;
    expect(Math.abs(at50.value - s.p50) / s.p50).toBeLessThan(0.002);
    // and the tail is there: a row at 99 % or beyond
    expect(f.rows.some((r) => r.percentile >= 0.99 && r.percentile < 1)).toBe(true);
  });

  test("file names: one per histogram, the baseline's prefixed", () => {
    expect(hgrmName("latency")).toBe("latency.hgrm");
    expect(hgrmName("direct.ttft")).toBe("direct.ttft.hgrm");
    expect(hgrmName("../x")).toBe(".._x.hgrm");
  });
});

describe("atomic writes", () => {
  test("the file appears whole, and no temp file is left", () => {
    const dir = mkdtempSync(join(tmpdir(), "gatebench-atomic-"));
    try {
      const path = join(dir, "result.json");
      writeAtomic(path, "first\n");
      writeAtomic(path, "second\n");
      expect(readFileSync(path, "utf8")).toBe("second\n");
      expect(readdirSync(dir)).toEqual(["result.json"]);
      // the rename fails (a folder is in the way): the error comes out, the temp file does not stay
      mkdirSync(join(dir, "taken"));
      expect(() => writeAtomic(join(dir, "taken"), "x")).toThrow();
      // nor does it make a missing folder: that is a mistake in the path
      expect(() => writeAtomic(join(dir, "missing", "r.json"), "x")).toThrow();
      expect(readdirSync(dir).sort()).toEqual(["result.json", "taken"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
