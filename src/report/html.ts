// The HTML report: one self-contained page (no request leaves it: uPlot's
// script and stylesheet are inline, the data is a JSON block). It leads with
// the verdict (gates, targets, warnings) and the key plots (latency over time
// against the baseline, latency by percentile, the gateway's CPU and memory);
// the terminal report's tables and the other plots follow. Rendered from the
// result document only, with the terminal report's number formats.
import uplotCss from "uplot/dist/uPlot.min.css" with { type: "text" };
import uplotJs from "uplot/dist/uPlot.iife.min.js" with { type: "text" };
import type { Stats } from "../metrics/histogram.ts";
import type { Summary } from "../metrics/summary.ts";
import { errorItems, fmtMs, fmtOverhead, fmtPct, fmtRate, fmtSeconds, loadLasted } from "./format.ts";
import { PHASE_COLORS, PHASE_OTHER, plotSpecs, type PlotSpec } from "./html-plots.ts";
import { PLOT_SCRIPT } from "./html-script.ts";
import { PAGE_CSS } from "./html-style.ts";
import type { ResultDoc } from "../metrics/document.ts";
import { gateRows, latencyRows, mockShape, OVERHEAD_ROWS, STAT_HEAD, STAT_KEYS, targetRows, targetsNotJudged, targetsApply, usageCells } from "./rows.ts";
// the memory figures and the CPU pinning
import { MEMORY_NOTE, memoryLine, pinningLine } from "./rows.ts";

export const esc = (s: unknown): string => String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

/** Text that goes inside a <script> or <style> element: nothing in it may close the element. */
const inlineSafe = (source: string, tag: "script" | "style"): string => source.replace(new RegExp(`</(${tag})`, "gi"), "<\\/$1");

/** JSON for a data block: `<` escaped, so no string in it can close the tag or open a comment. */
const jsonBlock = (value: unknown): string => JSON.stringify(value).replace(/</g, "\\u003c");

const ms = (v: number | undefined): string => (v === undefined ? "-" : `${fmtMs(v)} ms`);
const signedMs = (v: number | undefined): string => (v === undefined ? "-" : `${v < 0 ? "-" : "+"}${fmtMs(Math.abs(v))} ms`);

export interface Row {
  /** data-row, for readers and tests. */
  key: string;
  cells: string[];
  /** A row that belongs to the one above it (the baseline's figures), indented. */
  sub?: boolean;
}

export function table(caption: string, head: string[], rows: Row[], cls = ""): string {
  const th = head.map((h) => `<th>${esc(h)}</th>`).join("");
  const body = rows
    .map(
      (r) =>
        `<tr data-row="${esc(r.key)}"${r.sub ? ' class="sub"' : ""}>${r.cells.map((c, i) => (i === 0 ? `<th>${esc(c)}</th>` : `<td>${esc(c)}</td>`)).join("")}</tr>`,
    )
    .join("\n");
  return `<div class="scroll"><table class="${cls}"><caption>${esc(caption)}</caption><thead><tr>${th}</tr></thead><tbody>\n${body}\n</tbody></table></div>`;
}

function header(doc: ResultDoc): string {
  const c = doc.config as { stream?: boolean; workers?: number; seed?: number };
  const r = doc.run;
  const gw = r.gateway;
  const items: [string, string][] = [
    ["tool", `gatebench ${doc.tool.version} (${doc.tool.commit}) · bun ${doc.tool.bun} · ${doc.tool.os} · ${doc.tool.cpus} cpus`],
    ["started", r.started_at],
    ["target", `${r.target} (${gw.kind}${gw.pid !== undefined ? `, pid ${gw.pid}` : ""}${gw.port !== undefined ? `, port ${gw.port}` : ""})`],
  ];
  if (gw.kind === "command" && gw.command) items.push(["gateway", `${gw.command.join(" ")}${gw.log ? ` (output: ${gw.log})` : ""}`]);
  items.push(["upstream", r.mock ? `${r.mock.url} (mock, pid ${r.mock.pid}, port ${r.mock.port}${mockShape(r.mock)})` : "not started (--no-mock)"]);
  items.push(["load", `${r.load}, ${c.stream ? "streaming" : "unary"}${(c.workers ?? 1) > 1 ? `, ${c.workers} workers` : ""} · seed ${c.seed}`]);
  if (r.cpu_pinning) items.push(["cpus", pinningLine(r.cpu_pinning)]);
  const b = r.baseline;
  if (b) {
    items.push([
      "baseline",
      b.order === "interleaved"
        ? `the same arrivals straight to a second mock (${b.url}), in ${fmtSeconds(b.slice_ms ?? 0)} slices alternating with the gateway's`
        : `the same load straight to a second mock (${b.url}) first, then through the gateway`,
    ]);
  }
  if (r.warmup) items.push(["warm-up", `${fmtSeconds(r.warmup.duration_ms)}, ${r.warmup.requests} requests (${r.warmup.ok} ok), not counted below`]);
  if (r.load_model === "closed")
    items.push(["note", "closed loop: each connection waits for its response before sending again, so latency leaves out the wait a slow target causes"]);
  const early = r.ended_early ? `<p class="alert">ENDED EARLY: ${esc(r.ended_early)} (${esc(loadLasted(r.load_ms))})</p>` : "";
  const bound = doc.summary.mock_bound ? `<p class="alert">MOCK-BOUND: ${esc(doc.summary.mock_bound)}</p>` : "";
  const t = doc.summary.translation;
  if (t?.verdict === "translated") items.push(["translation", t.note]);
  const passthrough =
    t && t.verdict !== "translated" ? `<p class="alert">${t.verdict === "passthrough" ? "PASSTHROUGH" : "NOT TRANSLATED"}: ${esc(t.note)}</p>` : "";
  return `<dl class="run">${items.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join("")}</dl>${early}${bound}${passthrough}`;
}

function requestsRow(key: string, label: string, q: Summary["requests"]): Row {
  const peak = q.in_flight_peak === undefined ? "-" : String(q.in_flight_peak);
  return {
    key,
    cells: [
      label,
      String(q.total),
      String(q.ok),
      String(q.failed),
      String(q.dropped),
      peak,
      `${fmtRate(q.rate)} req/s`,
      `${fmtRate(q.throughput)} req/s`,
      fmtPct(q.success_ratio),
    ],
  };
}

const statsRow = (key: string, label: string, st: Stats | undefined): Row => ({ key, cells: [label, ...STAT_KEYS.map((k) => ms(st?.[k]))] });

/** The terminal report's rows: each metric through the gateway, followed by the same straight to the mock when the run had a baseline. */
function latencyTableRows(doc: ResultDoc): Row[] {
  const s = doc.summary;
  return latencyRows(doc).flatMap((r) => [
    statsRow(r.label, r.label, s[r.key]),
    ...(r.direct ? [{ ...statsRow(`${r.label} (direct)`, "direct", s.direct?.[r.key]), sub: true }] : []),
  ]);
}

function overhead(s: Summary): string {
  const o = s.overhead_ms;
  if (!o) return "";
  const band = s.overhead_band_ms;
  const keys = ["p50", "p90", "p99", "p999"] as const;
  const rows: Row[] = [];
  for (const [key, label] of OVERHEAD_ROWS) {
    const v = o[key];
    if (!v) continue;
    const bd = band?.[key];
    // with its band, as the terminal report writes it ("+1.21 ±0.04", "~0 (…)", "(…, too few)")
    rows.push({ key: `overhead ${key}`, cells: [label, ...keys.map((k) => (bd ? `${fmtOverhead(v[k], bd[k])} ms` : signedMs(v[k])))] });
  }
  if (rows.length === 0) return "";
  const notes = [
    `overhead = gateway − direct at each percentile${band ? "; ± is a 95 % interval (order statistics of both sides); ~0: within noise; too few: under 5 requests beyond that percentile" : ""}`,
  ];
  if (o.request_path)
    notes.push("request path: sent → the mock received it; response path: the mock answered (for a stream, sent its last event) → last byte here");
  return [
    table("Overhead: what the gateway adds", ["", "p50", "p90", "p99", "p99.9"], rows, "overhead"),
    ...notes.map((n) => `<p class="note">${esc(n)}</p>`),
  ].join("\n");
}

function figures(doc: ResultDoc): string {
  const s = doc.summary;
  const reqRows = [requestsRow("requests", "through the gateway", s.requests)];
  if (s.direct?.requests) reqRows.push(requestsRow("requests (direct)", "direct to the mock", s.direct.requests));
  const out = [table("Requests", ["", "total", "ok", "failed", "dropped", "in flight max", "rate", "throughput", "success"], reqRows, "requests")];
  out.push(table("Latency", ["", ...STAT_HEAD], latencyTableRows(doc), "latency"));
  if (doc.run.load_model !== "closed")
    out.push(
      `<p class="note">latency counts from when each request was due (corrected for coordinated omission); service time from when it was sent (uncorrected)</p>`,
    );
  if (s.direct) out.push(`<p class="note">direct: the same requests straight to the mock, without the gateway</p>`);
  out.push(overhead(s));
  return out.filter((x) => x !== "").join("\n");
}

function outcomes(doc: ResultDoc): string {
  const s = doc.summary;
  const codes = Object.entries(s.status_codes).map(([code, n]) => `${code === "0" ? "no response" : code}: ${n}`);
  const errors = errorItems(s);
  const items: [string, string][] = [
    ["Status codes", codes.length ? codes.join(", ") : "none"],
    ["Errors", errors.length ? errors.join(", ") : "none"],
  ];
  const direct = s.direct ? errorItems(s.direct) : [];
  if (direct.length > 0) items.push(["Baseline errors", direct.join(", ")]);
  if (s.output_tokens) items.push(["Output", `${s.output_tokens.total} tokens, ${s.output_tokens.per_second.toFixed(1)} tokens/s`]);
  const got = doc.run.mock?.received;
  if (got) {
    const statuses = new Map<string, number>();
    for (const byStatus of Object.values(got.by_path)) for (const [st, n] of Object.entries(byStatus)) statuses.set(st, (statuses.get(st) ?? 0) + n);
    const st = [...statuses].map(([code, n]) => `${code}: ${n}`).join(", ");
    let line = `mock received ${got.requests} requests${doc.run.warmup ? " (warm-up included)" : ""} on ${got.connections} connection${got.connections === 1 ? "" : "s"} (${st || "none"}), at most ${got.in_flight_peak} at once`;
    if (got.streams_completed + got.streams_aborted > 0)
      line += `; streams: ${got.streams_completed} completed, ${got.streams_aborted} abandoned before the end`;
    items.push(["Upstream", line]);
  }
  const base = doc.run.baseline?.mock.received;
  if (base)
    items.push([
      "Baseline",
      `the second mock received ${base.requests} requests on ${base.connections} connection${base.connections === 1 ? "" : "s"}, at most ${base.in_flight_peak} at once`,
    ]);
  return `<dl class="outcomes">${items.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join("")}</dl>`;
}

function resources(doc: ResultDoc): string {
  const rows: Row[] = [];
  for (const [proc, phases] of Object.entries(doc.summary.resources)) {
    for (const [phase, u] of Object.entries(phases)) {
      rows.push({
        key: `${proc} ${phase}`,
        cells: [proc, phase, ...usageCells(u)],
      });
    }
  }
  const out: string[] = [];
  if (rows.length > 0) {
    const head = ["process", "phase", "CPU avg", "CPU p95", "CPU max", "RSS start", "RSS avg", "RSS max", "RSS end", "fds", "threads"];
    // the process name is the row's header; the phase is an ordinary (left-aligned) cell
    out.push(table("Resources (CPU in % of one core)", head, rows, "resources"));
  } else out.push(`<p class="note">Resources: no samples</p>`);
  if (doc.run.gateway.sampled === false) out.push(`<p class="note">gateway: not sampled (attach mode: give --pid or --pid-of-port)</p>`);
  const d = doc.summary.derived;
  const parts: string[] = [];
  if (d?.gateway_rss_growth_mb_per_min !== undefined) parts.push(`memory growth under load ${d.gateway_rss_growth_mb_per_min} MB/min`);
  if (d?.gateway_rss_mb_per_stream !== undefined) parts.push(`${d.gateway_rss_mb_per_stream} MB per open stream`);
  if (d?.gateway_cpu_ms_per_request !== undefined) parts.push(`${d.gateway_cpu_ms_per_request} ms of CPU per request`);
  if (parts.length > 0) out.push(`<p class="derived"><strong>Gateway</strong> ${esc(parts.join(", "))}</p>`);
  const mem = doc.summary.memory?.gateway;
  if (mem) out.push(`<p class="derived" data-memory="gateway"><strong>Memory</strong> ${esc(memoryLine(mem))}</p><p class="note">${esc(MEMORY_NOTE)}</p>`);
  return out.join("\n");
}

/** One sentence on top of the page: the gates' verdict, the success ratio, latency, and what the gateway adds. */
export function verdictLine(doc: ResultDoc): string {
  const s = doc.summary;
  const gates = gateRows(doc);
  const failed = gates.filter((g) => g.verdict !== "pass").length;
  const parts: string[] = [];
  if (gates.length > 0) parts.push(failed === 0 ? `all ${gates.length} gates passed` : `${failed} of ${gates.length} gates failed`);
  parts.push(s.requests.ok === 0 ? "no request succeeded" : `${fmtPct(s.requests.success_ratio)} of ${s.requests.total} requests succeeded`);
  if (s.latency_ms) parts.push(`latency p50 ${ms(s.latency_ms.p50)}, p99 ${ms(s.latency_ms.p99)}`);
  const o = s.overhead_ms?.latency;
  if (o) parts.push(`the gateway adds ${signedMs(o.p50)} at p50, ${signedMs(o.p99)} at p99`);
  return parts.join(" · ");
}

function gatesAndWarnings(doc: ResultDoc): string {
  const out: string[] = [`<p class="verdict">${esc(verdictLine(doc))}</p>`];
  const w = doc.summary.warnings ?? [];
  if (w.length > 0) out.push(`<ul class="warnings">${w.map((line) => `<li>WARNING: ${esc(line)}</li>`).join("")}</ul>`);
  const t = doc.summary.targets;
  const targets = targetRows(doc);
  if (t && targets.length > 0 && !targetsApply(doc)) out.push(`<p class="note">Targets (${esc(t.preset)}): ${esc(targetsNotJudged(doc))}</p>`);
  else if (t && targets.length > 0) {
    const rows = targets.map((r, i) => ({ key: `target ${i}`, cells: [r.target, r.expr, r.measured, r.verdict, r.note ?? ""] }));
    out.push(table(`Targets (${t.preset}, ${t.strict ? "enforced" : "not enforced"})`, ["target", "gate", "measured", "verdict", "note"], rows, "gates"));
  }
  const gates = gateRows(doc);
  if (gates.length > 0) {
    const rows = gates.map((g, i) => ({ key: `gate ${i}`, cells: [g.expr, g.measured, g.verdict, g.note ?? ""] }));
    out.push(table("Gates", ["gate", "measured", "verdict", "note"], rows, "gates"));
  }
  return out.join("\n");
}

function plotSection(p: PlotSpec): string {
  const phases = [...new Set(p.bands.map((b) => b.phase))];
  const key = phases.map((ph) => `<span><i style="background:${PHASE_COLORS[ph] ?? PHASE_OTHER}"></i>${esc(ph)}</span>`).join("");
  return `<section class="plot" data-plot="${esc(p.id)}"><h3>${esc(p.title)}</h3><p class="note">${esc(p.note)}</p><div class="chart"></div>${key ? `<p class="phases">phases: ${key}</p>` : ""}</section>`;
}

/** What a page leads with: `body` above `keyPlots` (ids of plots drawn right under it; the others follow the page's body). */
export interface Lead {
  body: string;
  keyPlots: string[];
}

/**
 * One self-contained page: the title, the lead (if any) and its key plots,
 * the tables in `body`, the other plots, and uPlot with the page's script
 * inline (a CSP forbids any request).
 */
export function htmlPage(title: string, body: string, plots: PlotSpec[], footer: { version: string; schema: string }, lead?: Lead): string {
  const csp = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:";
  // the key plots in the lead's order; the data block keeps every plot, each drawn where its section is
  const key = (lead?.keyPlots ?? []).flatMap((id) => plots.filter((p) => p.id === id));
  const rest = plots.filter((p) => !key.includes(p));
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<title>${esc(title)}</title>
<style>${inlineSafe(uplotCss, "style")}</style>
<style>${PAGE_CSS}</style>
</head>
<body>
<h1>${esc(title)}</h1>
${lead ? `${lead.body}\n${key.length > 0 ? `<h2>Key plots</h2>\n${key.map(plotSection).join("\n")}` : ""}` : ""}
${body}
${plots.length === 0 ? `<h2>Plots</h2>\n<p class="note">no data to plot</p>` : rest.length > 0 ? `<h2>${key.length > 0 ? "More plots" : "Plots"}</h2>\n${rest.map(plotSection).join("\n")}` : ""}
<noscript><p class="alert">The plots need JavaScript; the tables above do not.</p></noscript>
<footer>gatebench ${esc(footer.version)} · rendered from a ${esc(footer.schema)} result · self-contained: opens offline</footer>
<script type="application/json" id="gatebench-data">${jsonBlock({ plots, phaseColors: PHASE_COLORS, phaseOther: PHASE_OTHER })}</script>
<script>${inlineSafe(uplotJs, "script")}</script>
<script>${inlineSafe(PLOT_SCRIPT, "script")}</script>
</body>
</html>
`;
}

/** The plots a reader opens the page for, in this order: latency over time (with the baseline), latency by percentile, the gateway's CPU and memory. */
const KEY_PLOTS = ["latency-time", "spectrum-latency", "gateway-cpu", "gateway-rss"];

/** The HTML report of a result document: one page that opens offline. */
export function htmlReport(doc: ResultDoc): string {
  const lead = { body: [header(doc), "<h2>Verdict</h2>", gatesAndWarnings(doc)].join("\n"), keyPlots: KEY_PLOTS };
  const body = ["<h2>Figures</h2>", figures(doc), outcomes(doc), "<h2>Resources</h2>", resources(doc)].join("\n");
  return htmlPage(`gatebench report: ${doc.run.target}`, body, plotSpecs(doc), { version: doc.tool.version, schema: doc.schema }, lead);
}
