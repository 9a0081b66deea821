// A small result document for the reporters' tests.
import { encodeHistogram, newHistogram, recordMs, statsOf } from "../../src/metrics/histogram.ts";
import { SCHEMA, type ResultDoc } from "../../src/metrics/document.ts";

/** 3 requests of 10, 20 and 30 ms; `text` goes into the fields a reporter prints as they are (target, a warning, a phase name). */
export function smallResult(text: string): ResultDoc {
  const h = newHistogram();
  for (const ms of [10, 20, 30]) recordMs(h, ms);
  const row = (t: number) => ({
    t,
    phase: "load" as const,
    sent: 1,
    completed: 1,
    errors: 0,
    dropped: 0,
    in_flight: 0,
    p50_ms: 10 * (t + 1),
    p99_ms: 10 * (t + 1),
  });
  return {
    schema: SCHEMA,
    tool: { version: "0.0.0", commit: "abc", bun: "1.4.5", os: "linux-x64", cpus: 2 },
    config: { stream: false, workers: 1, seed: 7 },
    run: {
      started_at: "2026-01-01T00:00:00Z",
      load_model: "open",
      load: "open loop, 1 req/s for 3 s",
      target: `http://127.0.0.1:1/<b>${text}`,
      gateway: { kind: "built-in proxy" },
      load_ms: 3000,
      completed: true,
    },
    summary: {
      requests: { total: 3, ok: 3, failed: 0, dropped: 0, rate: 1, throughput: 1, success_ratio: 1 },
      latency_ms: statsOf(h),
      status_codes: { "200": 3 },
      errors: {},
      resources: {},
      warnings: [text],
    },
    histograms: { latency: encodeHistogram(h) },
    timeline: [row(0), row(1), row(2)],
    resources_series: { gateway: [0, 1, 2].map((t) => ({ t_ms: t * 500, phase: t === 2 ? text : "idle", cpu_pct: null, rss_mb: 40 + t })) },
  };
}
