import { describe, expect, test } from "bun:test";
import { htmlReport } from "../../src/report/html.ts";
import { plotSpecs } from "../../src/report/html-plots.ts";
import type { ResultDoc } from "../../src/metrics/document.ts";
import { smallResult } from "./result-fixture.ts";

const HOSTILE = `</script><script>alert(1)</script><!--`;

const doc = (): ResultDoc => smallResult(HOSTILE);

describe("htmlReport", () => {
  test("no text from the result can close an element or open a comment", () => {
    const html = htmlReport(doc());
    // the data block, uPlot, and the page's own script: three scripts, each closed once
    expect(html.match(/<\/script/gi)).toHaveLength(3);
    expect(html).not.toContain("<!--");
    expect(html).toContain("&lt;/script&gt;&lt;script&gt;alert(1)");
    const data = JSON.parse(html.match(/<script type="application\/json" id="gatebench-data">([^<]*)<\/script>/)![1]!);
    expect(data.plots.find((p: { id: string }) => p.id === "gateway-rss").bands.map((b: { phase: string }) => b.phase)).toEqual(["idle", HOSTILE]);
  });

  test("the page leads with the verdict and the key plots; the tables and the other plots follow", () => {
    const d = doc();
    d.summary.slo = [{ expr: "success >= 100%", value: 1, pass: true, unit: "ratio" }];
    const html = htmlReport(d);
    const at = (s: string): number => {
      const i = html.indexOf(s);
      expect(i).toBeGreaterThan(-1);
      return i;
    };
    expect(html).toContain(`<p class="verdict">all 1 gates passed · 100.00 % of 3 requests succeeded · latency p50 20.02 ms, p99 30.00 ms</p>`);
    const order = [
      at("<h2>Verdict</h2>"),
      at(`<caption>Gates</caption>`),
      at("<h2>Key plots</h2>"),
      at(`data-plot="latency-time"`),
      at(`data-plot="spectrum-latency"`),
      at(`data-plot="gateway-rss"`),
      at("<h2>Figures</h2>"),
      at("<h2>Resources</h2>"),
      at("<h2>More plots</h2>"),
      at(`data-plot="throughput-time"`),
    ];
    expect(order).toEqual([...order].sort((a, b) => a - b));
  });

  test("figures carry their units, as the terminal report formats them", () => {
    const html = htmlReport(doc());
    expect(html).toContain(`<tr data-row="latency"><th>latency</th><td>10.00 ms</td>`);
    expect(html).toContain("<td>1.00 req/s</td>");
    expect(html).toContain("<td>100.00 %</td>");
  });

  test("plots only what the result has data for", () => {
    // no CPU readings, no streaming histograms, no baseline
    expect(plotSpecs(doc()).map((p) => p.id)).toEqual(["latency-time", "throughput-time", "inflight-time", "gateway-rss", "spectrum-latency"]);
    const bare = { ...doc(), timeline: [], resources_series: {}, histograms: {} };
    expect(plotSpecs(bare)).toEqual([]);
    expect(htmlReport(bare)).toContain("no data to plot");
  });

  test("a damaged histogram loses its plot, not the page", () => {
    const d = { ...doc(), histograms: { latency: "not base64 at all" } };
    expect(plotSpecs(d).map((p) => p.id)).not.toContain("spectrum-latency");
  });

  test("the spectrum's points are the histogram's percentiles in ms on a 1/(1-p) axis", () => {
    const spectrum = plotSpecs(doc()).find((p) => p.id === "spectrum-latency")!;
    expect(spectrum.xs[0]).toBe(1);
    expect(spectrum.series[0]!.values[0]).toBeCloseTo(10, 1);
    expect(spectrum.series[0]!.values[spectrum.series[0]!.values.length - 1]).toBeCloseTo(30, 1);
  });
});
