// The terminal report: plain text tables on stdout, rendered from the
// result document. Blocks: run header, requests, latency, streaming,
// outcomes, resources.
import { getBorderCharacters, table, type TableUserConfig } from "table";
import type { Stats } from "../metrics/histogram.ts";
import { fmtCpu, fmtMb, fmtMs, fmtPct, fmtRate, fmtSeconds } from "./format.ts";
import type { ResultDoc } from "./json.ts";

const TABLE: TableUserConfig = {
  border: getBorderCharacters("norc"),
  drawHorizontalLine: (i, rows) => i === 0 || i === 1 || i === rows,
  columnDefault: { alignment: "right" },
  columns: { 0: { alignment: "left" } },
};

const STAT_KEYS = ["min", "mean", "p50", "p90", "p95", "p99", "p999", "max"] as const;
const STAT_HEAD = ["min", "mean", "p50", "p90", "p95", "p99", "p99.9", "max"];

function statsRow(label: string, s: Stats | undefined): string[] {
  return [label, ...STAT_KEYS.map((k) => (s ? fmtMs(s[k]) : "-"))];
}

function header(doc: ResultDoc): string {
  const c = doc.config as { stream: boolean; workers: number };
  const r = doc.run;
  const gw = r.gateway;
  const lines = [
    `gatebench ${doc.tool.version} (${doc.tool.commit}) · bun ${doc.tool.bun} · ${doc.tool.os} · ${doc.tool.cpus} cpus`,
    `target    ${r.target}  (${gw.kind}${gw.pid !== undefined ? `, pid ${gw.pid}` : ""}${gw.port !== undefined ? `, port ${gw.port}` : ""})`,
    ...(gw.kind === "command" && gw.command ? [`gateway   ${gw.command.join(" ")}${gw.log ? `  (output: ${gw.log})` : ""}`] : []),
    r.mock ? `upstream  ${r.mock.url}  (mock, pid ${r.mock.pid}, port ${r.mock.port})` : "upstream  not started (--no-mock)",
    `load      ${r.load}, ${c.stream ? "streaming" : "unary"}${c.workers > 1 ? `, ${c.workers} workers` : ""} · seed ${(doc.config as { seed: number }).seed}`,
  ];
  if (r.warmup) lines.push(`warm-up   ${fmtSeconds(r.warmup.duration_ms)}, ${r.warmup.requests} requests (${r.warmup.ok} ok), not counted below`);
  if (r.load_model === "closed") lines.push("note      closed loop: each connection waits for its response before sending again, so latency leaves out the wait a slow target causes (use an open loop, --rate, for latency SLOs)");
  if (r.ended_early) lines.push(`ENDED EARLY: ${r.ended_early} (after ${fmtSeconds(r.load_ms)} of load)`);
  return lines.join("\n");
}

function requests(doc: ResultDoc): string {
  const q = doc.summary.requests;
  return table(
    [
      ["Requests", "total", "ok", "failed", "dropped", "in flight max", "rate", "throughput", "success"],
      ["", String(q.total), String(q.ok), String(q.failed), String(q.dropped), q.in_flight_peak === undefined ? "-" : String(q.in_flight_peak), `${fmtRate(q.rate)}/s`, `${fmtRate(q.throughput)}/s`, fmtPct(q.success_ratio)],
    ],
    TABLE,
  );
}

function latency(doc: ResultDoc): string {
  const s = doc.summary;
  const closed = doc.run.load_model === "closed";
  // a closed loop has no schedule: latency is service time, and there is no lag
  const rows = closed
    ? [["Latency (ms)", ...STAT_HEAD], statsRow("latency", s.latency_ms), statsRow("TTFB", s.ttfb_ms)]
    : [["Latency (ms)", ...STAT_HEAD], statsRow("latency", s.latency_ms), statsRow("service time", s.service_time_ms), statsRow("schedule lag", s.schedule_lag_ms), statsRow("TTFB", s.ttfb_ms)];
  if (s.ttft_ms || (doc.config as { stream?: boolean }).stream) {
    rows.push(statsRow("TTFT", s.ttft_ms), statsRow("ITL", s.itl_ms), statsRow("TPOT", s.tpot_ms));
  }
  if (closed) return table(rows, TABLE);
  return `${table(rows, TABLE)}latency counts from when each request was due (corrected for coordinated omission); service time from when it was sent (uncorrected, like wrk2 -U)\n`;
}

function outcomes(doc: ResultDoc): string {
  const s = doc.summary;
  const codes = Object.entries(s.status_codes).map(([code, n]) => `${code === "0" ? "no response" : code}: ${n}`);
  const errors = Object.entries(s.errors).map(([kind, n]) => `${kind}: ${n}${s.error_samples?.[kind] ? ` (first: ${s.error_samples[kind]})` : ""}`);
  const lines = [
    `Status codes  ${codes.length ? codes.join("  ") : "none"}`,
    `Errors        ${errors.length ? errors.join("  ") : "none"}`,
  ];
  if (s.output_tokens) lines.push(`Output        ${s.output_tokens.total} tokens, ${s.output_tokens.per_second.toFixed(1)} tokens/s`);
  const got = doc.run.mock?.received;
  if (got) {
    const statuses = new Map<string, number>();
    for (const byStatus of Object.values(got.by_path)) for (const [st, n] of Object.entries(byStatus)) statuses.set(st, (statuses.get(st) ?? 0) + n);
    const st = [...statuses].map(([code, n]) => `${code}: ${n}`).join("  ");
    const warm = doc.run.warmup ? ` (warm-up included)` : "";
    lines.push(`Upstream      mock received ${got.requests} requests${warm} on ${got.connections} connection${got.connections === 1 ? "" : "s"} (${st || "none"}), at most ${got.in_flight_peak} at once`);
    if (got.streams_completed + got.streams_aborted > 0) {
      lines.push(`              streams: ${got.streams_completed} completed, ${got.streams_aborted} abandoned by the client`);
    }
  }
  return lines.join("\n");
}

function resources(doc: ResultDoc): string {
  const rows = [["Resources", "phase", "CPU avg", "CPU p95", "CPU max", "RSS start", "RSS avg", "RSS max", "RSS end", "fds", "threads"]];
  for (const [proc, phases] of Object.entries(doc.summary.resources)) {
    for (const [phase, u] of Object.entries(phases)) {
      rows.push([
        proc,
        phase,
        fmtCpu(u.cpu_pct_avg),
        fmtCpu(u.cpu_pct_p95),
        fmtCpu(u.cpu_pct_max),
        fmtMb(u.rss_mb_start),
        fmtMb(u.rss_mb_avg),
        fmtMb(u.rss_mb_max),
        fmtMb(u.rss_mb_end),
        u.fds_max === undefined ? "-" : String(u.fds_max),
        u.threads_max === undefined ? "-" : String(u.threads_max),
      ]);
    }
  }
  const lines: string[] = [];
  if (rows.length > 1) lines.push(table(rows, { ...TABLE, columns: { 0: { alignment: "left" }, 1: { alignment: "left" } } }).trimEnd());
  else lines.push("Resources: no samples");
  if (doc.run.gateway.sampled === false) lines.push("gateway: not sampled (attach mode: give --pid or --pid-of-port)");
  const d = doc.summary.derived;
  if (d) {
    const parts: string[] = [];
    if (d.gateway_rss_growth_mb_per_min !== undefined) parts.push(`memory growth under load ${d.gateway_rss_growth_mb_per_min} MB/min`);
    if (d.gateway_rss_mb_per_stream !== undefined) parts.push(`${d.gateway_rss_mb_per_stream} MB per open stream`);
    if (d.gateway_cpu_ms_per_request !== undefined) parts.push(`${d.gateway_cpu_ms_per_request} ms of CPU per request`);
    if (parts.length > 0) lines.push(`Gateway       ${parts.join(", ")}`);
  }
  return lines.join("\n");
}

function gates(doc: ResultDoc): string {
  const slo = doc.summary.slo ?? [];
  if (slo.length === 0) return "";
  const rows = [["Gates", "measured", "verdict"]];
  for (const g of slo) rows.push([g.expr, g.expr.startsWith("success") ? fmtPct(g.value) : String(g.value), g.pass ? "pass" : "FAIL"]);
  return table(rows, TABLE);
}

function warnings(doc: ResultDoc): string {
  const w = doc.summary.warnings ?? [];
  return w.map((line) => `WARNING: ${line}`).join("\n");
}

export function textReport(doc: ResultDoc): string {
  return [header(doc), requests(doc) + latency(doc), outcomes(doc), resources(doc), gates(doc), warnings(doc)]
    .map((b) => b.trimEnd())
    .filter((b) => b !== "")
    .join("\n\n");
}
