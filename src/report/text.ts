// The terminal report: plain text tables on stdout, rendered from the
// result document. Blocks: run header, requests, latency, streaming,
// outcomes, resources.
import { getBorderCharacters, table, type TableUserConfig } from "table";
import { API_TITLES, isApi } from "../apis.ts";
import type { Stats } from "../metrics/histogram.ts";
import type { OverheadRow } from "../metrics/overhead.ts";
import { errorItems, fmtMs, fmtOverhead, fmtPct, fmtRate, fmtSeconds, loadLasted } from "./format.ts";
import type { ResultDoc } from "../metrics/document.ts";
import {
  gateRows,
  latencyRows,
  mockShape,
  OVERHEAD_ROWS,
  STAT_HEAD,
  STAT_KEYS,
  targetsNotJudged,
  targetRows,
  targetsApply,
  usageCells,
  type Verdict,
} from "./rows.ts";
// the memory figures and the CPU pinning
import { MEMORY_NOTE, memoryLine, pinningLine } from "./rows.ts";

const TABLE: TableUserConfig = {
  border: getBorderCharacters("norc"),
  drawHorizontalLine: (i, rows) => i === 0 || i === 1 || i === rows,
  columnDefault: { alignment: "right" },
  columns: { 0: { alignment: "left" } },
};

function statsRow(label: string, s: Stats | undefined): string[] {
  return [label, ...STAT_KEYS.map((k) => (s ? fmtMs(s[k]) : "-"))];
}

/** The API the load spoke; a result from before --api spoke chat. */
function apiLine(doc: ResultDoc): string {
  const api = (doc.config as { api?: string }).api ?? "chat";
  return `api       ${api}${isApi(api) ? ` (${API_TITLES[api]})` : ""}`;
}

function header(doc: ResultDoc): string {
  const c = doc.config as { stream: boolean; workers: number };
  const r = doc.run;
  const gw = r.gateway;
  const lines = [
    `gatebench ${doc.tool.version} (${doc.tool.commit}) · bun ${doc.tool.bun} · ${doc.tool.os} · ${doc.tool.cpus} cpus`,
    `target    ${r.target}  (${gw.kind}${gw.pid !== undefined ? `, pid ${gw.pid}` : ""}${gw.port !== undefined ? `, port ${gw.port}` : ""})`,
    ...(gw.kind === "command" && gw.command ? [`gateway   ${gw.command.join(" ")}${gw.log ? `  (output: ${gw.log})` : ""}`] : []),
    apiLine(doc),
    r.mock ? `upstream  ${r.mock.url}  (mock, pid ${r.mock.pid}, port ${r.mock.port}${mockShape(r.mock)})` : "upstream  not started (--no-mock)",
    `load      ${r.load}, ${c.stream ? "streaming" : "unary"}${c.workers > 1 ? `, ${c.workers} workers` : ""} · seed ${(doc.config as { seed: number }).seed}`,
  ];
  if (r.cpu_pinning) lines.push(`cpus      ${pinningLine(r.cpu_pinning)}`);
  const b = r.baseline;
  if (b) {
    lines.push(
      b.order === "interleaved"
        ? `baseline  the same arrivals straight to a second mock (${b.url}), in ${fmtSeconds(b.slice_ms ?? 0)} slices alternating with the gateway's`
        : `baseline  the same load straight to a second mock (${b.url}) first, then through the gateway`,
    );
  }
  const cl = r.client;
  if (cl?.connections_opened !== undefined) {
    const retried = cl.keepalive_retries ? `; ${cl.keepalive_retries} sent again after the server closed a kept-alive connection` : "";
    const direct = cl.direct ? ` (direct: ${cl.direct.connections_opened})` : "";
    lines.push(
      `client    ${cl.kind}: ${cl.connections_opened} connection${cl.connections_opened === 1 ? "" : "s"} opened${direct}, ${cl.requests_per_connection} requests per connection${retried}`,
    );
  } else if (cl) lines.push(`client    ${cl.kind} (its connections are Bun's to count)`);
  if (r.warmup) lines.push(`warm-up   ${fmtSeconds(r.warmup.duration_ms)}, ${r.warmup.requests} requests (${r.warmup.ok} ok), not counted below`);
  if (r.load_model === "closed")
    lines.push(
      "note      closed loop: each connection waits for its response before sending again, so latency leaves out the wait a slow target causes (use an open loop, --rate, for latency SLOs)",
    );
  if (r.ended_early) lines.push(`ENDED EARLY: ${r.ended_early} (${loadLasted(r.load_ms)})`);
  if (doc.summary.mock_bound) lines.push(`MOCK-BOUND: ${doc.summary.mock_bound}; give it more processes (--mock-procs) or cores of its own`);
  const t = doc.summary.translation;
  if (t) lines.push(t.verdict === "translated" ? `translate ${t.note}` : `${t.verdict === "passthrough" ? "PASSTHROUGH" : "NOT TRANSLATED"}: ${t.note}`);
  return lines.join("\n");
}

function requests(doc: ResultDoc): string {
  const q = doc.summary.requests;
  return table(
    [
      ["Requests", "total", "ok", "failed", "dropped", "in flight max", "rate", "throughput", "success"],
      [
        "",
        String(q.total),
        String(q.ok),
        String(q.failed),
        String(q.dropped),
        q.in_flight_peak === undefined ? "-" : String(q.in_flight_peak),
        `${fmtRate(q.rate)}/s`,
        `${fmtRate(q.throughput)}/s`,
        fmtPct(q.success_ratio),
      ],
    ],
    TABLE,
  );
}

function latency(doc: ResultDoc): string {
  const s = doc.summary;
  const rows = [["Latency (ms)", ...STAT_HEAD]];
  for (const r of latencyRows(doc)) {
    rows.push(statsRow(r.label, s[r.key]));
    if (r.direct) rows.push(statsRow("  direct", s.direct?.[r.key]));
  }
  const notes = [
    ...(doc.run.load_model === "closed"
      ? []
      : ["latency counts from when each request was due (corrected for coordinated omission); service time from when it was sent (uncorrected, like wrk2 -U)"]),
    ...(s.direct ? ['"direct": the same requests straight to the mock, without the gateway'] : []),
  ];
  return `${table(rows, TABLE)}${notes.map((n) => `${n}\n`).join("")}`;
}

function overhead(doc: ResultDoc): string {
  const o = doc.summary.overhead_ms;
  const band = doc.summary.overhead_band_ms;
  if (!o || !band) return "";
  const rows = [["Overhead (ms)", "p50", "p90", "p99", "p99.9"]];
  const keys: (keyof OverheadRow)[] = ["p50", "p90", "p99", "p999"];
  for (const [key, label] of OVERHEAD_ROWS) {
    const v = o[key];
    const bd = band[key];
    if (v && bd) rows.push([label, ...keys.map((k) => fmtOverhead(v[k], bd[k]))]);
  }
  const lines = [
    table(rows, TABLE).trimEnd(),
    "overhead = gateway − direct at each percentile; ± is a 95 % interval (order statistics of both sides); ~0: within noise; too few: under 5 requests beyond that percentile",
  ];
  const t = doc.summary.translation;
  if (t?.verdict === "translated")
    lines.push(
      `translation: the baseline spoke ${t.client_api} straight to the mock, so the overhead includes the gateway's translation to ${t.upstream_api} and back`,
    );
  if (o.request_path)
    lines.push("request path: sent → the mock received it; response path: the mock answered (for a stream, sent its last event) → last byte here");
  else if (doc.summary.request_path_ms === undefined && doc.summary.direct?.request_path_ms) {
    lines.push(
      "no request/response path split: the gateway did not pass on the mock's timing (header x-mock-received-us, x-mock-sent-us; stream comment x-mock-last-event-us)",
    );
  }
  return lines.join("\n");
}

function outcomes(doc: ResultDoc): string {
  const s = doc.summary;
  const codes = Object.entries(s.status_codes).map(([code, n]) => `${code === "0" ? "no response" : code}: ${n}`);
  const errors = errorItems(s);
  const lines = [`Status codes  ${codes.length ? codes.join("  ") : "none"}`, `Errors        ${errors.length ? errors.join("  ") : "none"}`];
  const direct = s.direct ? errorItems(s.direct) : [];
  if (direct.length > 0) lines.push(`              baseline (straight to the mock): ${direct.join("  ")}`);
  if (s.output_tokens) lines.push(`Output        ${s.output_tokens.total} tokens, ${s.output_tokens.per_second.toFixed(1)} tokens/s`);
  const got = doc.run.mock?.received;
  const up = s.upstream;
  if (got && up) {
    const statuses = new Map<string, number>();
    for (const byStatus of Object.values(got.by_path)) for (const [st, n] of Object.entries(byStatus)) statuses.set(st, (statuses.get(st) ?? 0) + n);
    const st = [...statuses].map(([code, n]) => `${code}: ${n}`).join("  ");
    const warm = doc.run.warmup ? ", warm-up included" : "";
    const perConn = up.per_connection === null ? "" : `, ${up.per_connection.toFixed(1)} requests per connection`;
    lines.push(
      `Upstream      mock received ${up.requests} requests (${up.per_request_sent.toFixed(2)} per request sent${warm}) on ${got.connections} connection${got.connections === 1 ? "" : "s"}${perConn} (${st || "none"}), at most ${got.in_flight_peak} at once`,
    );
    if (up.streams_completed + up.streams_abandoned > 0) {
      // a stream the client gave up on (timeout, abort) should be cancelled upstream too
      const passed = up.client_gave_up > 0 ? `; the client gave up on ${up.client_gave_up}, and ${up.streams_abandoned} were abandoned upstream` : "";
      lines.push(`              streams: ${up.streams_completed} completed, ${up.streams_abandoned} abandoned before the end${passed}`);
    }
  }
  return lines.join("\n");
}

function resources(doc: ResultDoc): string {
  const rows = [["Resources", "phase", "CPU avg", "CPU p95", "CPU max", "RSS start", "RSS avg", "RSS max", "RSS end", "fds", "threads"]];
  for (const [proc, phases] of Object.entries(doc.summary.resources)) {
    for (const [phase, u] of Object.entries(phases)) {
      rows.push([proc, phase, ...usageCells(u)]);
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
  const mem = doc.summary.memory?.gateway;
  if (mem) lines.push(`Memory        gateway: ${memoryLine(mem)}`, `              ${MEMORY_NOTE}`);
  return lines.join("\n");
}

/** ANSI colours for a terminal; the identity when colour is off. */
export interface Paint {
  bad(s: string): string;
  good(s: string): string;
  warn(s: string): string;
}
const NO_PAINT: Paint = { bad: (s) => s, good: (s) => s, warn: (s) => s };
const ANSI: Paint = { bad: (s) => `\x1b[31m${s}\x1b[39m`, good: (s) => `\x1b[32m${s}\x1b[39m`, warn: (s) => `\x1b[33m${s}\x1b[39m` };

/** Colours for a terminal (`color`), or none. */
export const painter = (color: boolean | undefined): Paint => (color ? ANSI : NO_PAINT);

function gates(doc: ResultDoc, paint: Paint): string {
  const rows = gateRows(doc);
  if (rows.length === 0) return "";
  const body = [["Gates", "measured", "verdict"], ...rows.map((g) => [g.expr, g.measured, g.verdict === "pass" ? paint.good("pass") : paint.bad("FAIL")])];
  const failed = rows.filter((g) => g.verdict !== "pass").length;
  const n = rows.length;
  const verdict =
    failed === 0
      ? paint.good(n === 1 ? "the gate passed" : `all ${n} gates passed`)
      : paint.bad(n === 1 ? "the gate failed" : `${failed} of ${n} gates failed`);
  return [table(body, TABLE).trimEnd(), ...notes(rows.map((g) => [g.expr, g.note])), verdict].join("\n");
}

/** Notes under a table: "expr: note" lines. */
const notes = (xs: [string, string | undefined][]): string[] => xs.filter(([, n]) => n).map(([e, n]) => `  ${e}: ${n}`);

function targets(doc: ResultDoc, paint: Paint): string {
  const t = doc.summary.targets;
  const rows = targetRows(doc);
  if (!t || rows.length === 0) return "";
  if (!targetsApply(doc)) return `Targets (${t.preset}): ${targetsNotJudged(doc)}`;
  const color = (v: Verdict): string => (v === "pass" ? paint.good(v) : v === "FAIL" ? paint.bad(v) : v === "miss" ? paint.warn(v) : v);
  const body = [[`Targets (${t.preset})`, "gate", "measured", "verdict"], ...rows.map((r) => [r.target, r.expr, r.measured, color(r.verdict)])];
  const how = t.strict ? "enforced (--strict): a miss fails the run" : "not enforced: add --strict to fail the run on a miss, or --targets none to hide them";
  return [
    table(body, { ...TABLE, columns: { 0: { alignment: "left" }, 1: { alignment: "left" } } }).trimEnd(),
    ...notes(rows.map((r) => [r.expr, r.note])),
    `  ${how}`,
  ].join("\n");
}

function warnings(doc: ResultDoc, paint: Paint): string {
  const w = doc.summary.warnings ?? [];
  return w.map((line) => `${paint.warn("WARNING:")} ${line}`).join("\n");
}

/** The report; `color` (a terminal, no NO_COLOR) marks failures red, passes green, warnings yellow. */
export function textReport(doc: ResultDoc, opts: { color?: boolean } = {}): string {
  const paint = painter(opts.color);
  const head = header(doc)
    .replace(/^ENDED EARLY/m, paint.bad("ENDED EARLY"))
    .replace(/^MOCK-BOUND/m, paint.bad("MOCK-BOUND"))
    .replace(/^(PASSTHROUGH|NOT TRANSLATED)/m, (w) => paint.bad(w));
  return [head, requests(doc) + latency(doc), overhead(doc), outcomes(doc), resources(doc), warnings(doc, paint), targets(doc, paint), gates(doc, paint)]
    .map((b) => b.trimEnd())
    .filter((b) => b !== "")
    .join("\n\n");
}
