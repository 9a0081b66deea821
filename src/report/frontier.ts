// A frontier's result: the JSON document (schema gatebench/frontier-v1),
// and its terminal report: the rungs, then the reading at each bound with
// its evidence, the added latency and the streams sustained. The bounds
// are read on the latency's p99, or with --stream on the time to the first
// token's, and every heading says which.
import { getBorderCharacters, table as textTable, type TableUserConfig } from "table";
import { API_TITLES, type Api, isApi } from "../apis.ts";
import type { CpuPinningInfo, ToolInfo } from "../metrics/document.ts";
import {
  type Added,
  type BoundMetric,
  type FrontierEnd,
  type FrontierRung,
  type LadderKind,
  levelLabel,
  levelOf,
  p99Words,
  type Reading,
  requestsForBand,
} from "../metrics/frontier.ts";
import type { StreamsSustained } from "../metrics/frontier-streams.ts";
import { fmtMs, fmtRate } from "./format.ts";
import { pinningLine } from "./rows.ts";

export const FRONTIER_SCHEMA = "gatebench/frontier-v1";

export interface FrontierDoc {
  schema: typeof FRONTIER_SCHEMA;
  tool: ToolInfo;
  /** The configuration every rung shares (its level aside). */
  config: Record<string, unknown>;
  started_at: string;
  /** The gateway: its name on a board (--name, else from its command or URL), its kind, the URL loaded. */
  gateway: { name: string; kind: string; target: string };
  /** The API the client spoke (--api), and the one the gateway was to call the mock in (--upstream-api); absent in files before them: chat. */
  api?: Api;
  upstream_api?: Api;
  /** What the bounds are read on: latency p99, or (--stream) the time to the first token's; absent in files before it: latency. */
  metric?: BoundMetric;
  /** --gateway-cpus / --harness-cpus: what each process of the first rung got (every rung is pinned the same way). */
  cpu_pinning?: CpuPinningInfo;
  ladder: { kind: LadderKind; levels: number[]; rung_duration_ms: number; warmup_ms: number; budget_ms: number; only?: "added" | "ladder" };
  /** Each rung's load in words, its level aside. */
  load: string;
  /** The p99 bounds read, ms; null: unbounded. */
  bounds_ms: (number | null)[];
  rungs: FrontierRung[];
  readings: Reading[];
  added: Added | null;
  /** Why there is no added latency, when there is none. */
  added_note?: string;
  /** Streams sustained (--stream on a concurrency ladder). */
  streams?: StreamsSustained;
  end: FrontierEnd;
  end_note: string;
}

export { levelLabel };

/** The metric a frontier's bounds were read on (latency in files before streams were read on TTFT). */
export const metricOf = (doc: { metric?: BoundMetric }): BoundMetric => doc.metric ?? "latency";

/** A bound in words: "p99 < 5 ms", "TTFT p99 < 5 ms", or "unbounded". */
export const boundLabel = (ms: number | null, metric?: BoundMetric): string => (ms === null ? "unbounded" : `${p99Words(metric)} < ${+ms.toFixed(3)} ms`);

/** µs below a millisecond, ms above: "87 µs", "5.12 ms". */
export const fmtUs = (v: number): string => (Math.abs(v) < 1000 ? `${v} µs` : `${fmtMs(Math.abs(v) / 1000)} ms`);

/** A signed added latency with its interval: "+87 µs ±6 µs"; "(+87 µs, too few)" without one. */
export function fmtAdded(v: number, band: number | null): string {
  const signed = `${v < 0 ? "−" : "+"}${fmtUs(Math.abs(v))}`;
  return band === null ? `(${signed}, too few)` : `${signed} ±${fmtUs(band)}`;
}

/** A reading's evidence in words: the rung it came from and its p99; what broke the bound above it, or that none did. */
export function evidence(kind: LadderKind, r: Reading): string {
  const at = (level: number | null): string => (level === null ? "-" : levelLabel(kind, level));
  const words = p99Words(r.metric);
  const p99 = r.p99_ms === null ? `no ${words}` : `${words} ${fmtMs(r.p99_ms)} ms`;
  if (r.rps === null) return r.rung === null ? "no rung ran" : `lowest rung ${at(r.rung)}: ${r.next?.why ?? p99}`;
  const from = `${at(r.rung)} (${p99})`;
  const peak = r.met_above === null ? "" : `; peak: the rungs above it, up to ${at(r.met_above)}, met the bound with less throughput`;
  if (r.next === null) return peak ? `${from}${peak}` : `${from}; floor: the ladder ended before a rung above it ran`;
  if (r.next.kind === "rig") return `${from}${peak || "; floor:"} ${peak ? "then " : ""}${at(r.next.rung)} was at the rig's limit, not the gateway's`;
  return `${from}${peak}; ${at(r.next.rung)}: ${r.next.why}`;
}

const TABLE: TableUserConfig = {
  border: getBorderCharacters("norc"),
  drawHorizontalLine: (i, rows) => i === 0 || i === 1 || i === rows,
  columnDefault: { alignment: "right" },
};

const ms = (v: number | null): string => (v === null ? "-" : `${fmtMs(v)} ms`);

/** The headings of a rung's figures: a stream's time to the first token (the bounds' metric) and its whole latency; else the latency. */
export const rungHead = (metric: BoundMetric): string[] =>
  metric === "ttft"
    ? ["throughput", "TTFT p50", "TTFT p99", "TTFT p99.9", "stream p50", "stream p99", "failures"]
    : ["throughput", "p50", "p99", "p99.9", "failures"];

/** A rung's figures under rungHead's headings; dashes for a rung that could not start. */
export function rungFigures(r: FrontierRung, metric: BoundMetric = "latency"): string[] {
  const times = metric === "ttft" ? [r.ttft_p50_ms, r.ttft_p99_ms, r.ttft_p999_ms, r.p50_ms, r.p99_ms] : [r.p50_ms, r.p99_ms, r.p999_ms];
  if (!r.summary) return rungHead(metric).map(() => "-");
  return [`${fmtRate(r.throughput)}/s`, ...times.map((t) => ms(t ?? null)), String(r.failed + r.dropped)];
}

/** The rungs' table: level, throughput, the times, failures, rig flag. */
function rungTable(doc: FrontierDoc): string {
  const head = [doc.ladder.kind === "concurrency" ? "concurrency" : "rate", ...rungHead(metricOf(doc)), "rig"];
  const rows = doc.rungs.map((r) => [
    doc.ladder.kind === "concurrency" ? String(levelOf(r)) : `${levelOf(r)} req/s`,
    ...rungFigures(r, metricOf(doc)),
    r.rig ? `RIG: ${r.rig.kind}` : "-",
  ]);
  return textTable([head, ...rows], { ...TABLE, columns: { [head.length - 1]: { alignment: "left" } } }).trimEnd();
}

/** The readings' table: bound, throughput, evidence. */
function readingTable(doc: FrontierDoc): string {
  const rows = doc.readings.map((r) => [boundLabel(r.bound_ms, r.metric), r.rps === null ? "none" : `${fmtRate(r.rps)}/s`, evidence(doc.ladder.kind, r)]);
  return textTable([[`bound (on ${p99Words(metricOf(doc))})`, "throughput", "evidence"], ...rows], {
    ...TABLE,
    columns: { 0: { alignment: "left" }, 2: { alignment: "left" } },
  }).trimEnd();
}

/** The added latency in one line. */
export function addedLine(doc: FrontierDoc): string {
  const a = doc.added;
  if (!a) return `added latency: not measured${doc.added_note ? ` (${doc.added_note})` : ""}`;
  const what = a.metric === "ttft" ? "time to first token" : "latency";
  const peak = a.in_flight_peak !== null && a.in_flight_peak > 1 ? `; up to ${a.in_flight_peak} requests were open at once` : "";
  const rig = a.rig ? `; RIG: ${a.rig}` : "";
  const over = a.duration_ms !== undefined ? ` for ${fmtSeconds(a.duration_ms)}` : "";
  const short = a.p50_band_us === null ? 50 : a.p99_band_us === null ? 99 : undefined;
  const more =
    short === undefined
      ? ""
      : `; p${short}'s interval needs ${requestsForBand(short)} requests a side, ${a.requests} ran: a longer --rung-duration (or --budget) gives it`;
  return `added ${what} at concurrency 1: p50 ${fmtAdded(a.p50_us, a.p50_band_us)}, p99 ${fmtAdded(a.p99_us, a.p99_band_us)} (gateway − direct, ${a.requests} requests through the gateway at ${a.rate} req/s${over}${a.direct_p50_us !== null ? `; direct p50 ${fmtUs(a.direct_p50_us)}` : ""}${peak}${rig}${more})`;
}

/** Seconds in words: "10 s", "1.5 s". */
const fmtSeconds = (ms: number): string => `${+(ms / 1000).toFixed(1)} s`;

/** Streams sustained in one line. */
export function streamsLine(s: StreamsSustained): string {
  const broke = s.rungs.find((r) => !r.pass && s.sustained !== null && r.concurrency > s.sustained);
  const head =
    s.sustained === null
      ? "streams sustained: none"
      : `streams sustained: ${s.sustained} open at once, ${s.events_per_second} content events/s (${s.expected_events} events per stream, gaps under ${10 * s.mock_itl_ms} ms)`;
  const why = s.limited_by
    ? `; ${s.limited_by}`
    : broke
      ? `; at ${broke.concurrency}: ${broke.why}`
      : s.sustained === null && s.rungs[0]
        ? `; at ${s.rungs[0].concurrency}: ${s.rungs[0].why}`
        : "; floor: no rung above it was tried, so the gateway may sustain more (a longer ladder: --concurrency or --max-concurrency)";
  return `${head}${why}`;
}

const END: Record<FrontierEnd, string> = {
  "ladder-done": "every rung of the ladder ran",
  "all-failed": "a rung failed every request",
  rig: "the rig became the limit",
  budget: "the time budget ran out",
  interrupted: "interrupted",
  "run-failed": "a run could not be made",
  "only-added": "--only added: the first rung and the added latency",
};

/** How the ladder was climbed, in words, and what its bounds are read on. */
export function ladderLine(doc: FrontierDoc): string {
  const l = doc.ladder;
  const levels = l.kind === "concurrency" ? `closed-loop concurrency ${l.levels.join(", ")}` : `open-loop rates ${l.levels.join(", ")} req/s`;
  const on = metricOf(doc) === "ttft" ? "bounds on TTFT p99 (time to first token; the whole stream's latency beside it)" : "bounds on latency p99";
  return `${levels}; each rung ${fmtSeconds(l.rung_duration_ms)}${l.warmup_ms > 0 ? ` after a ${fmtSeconds(l.warmup_ms)} warm-up` : ""}, ${doc.load}; ${on}`;
}

/** The gateway in words: its name (once, when it is its kind), the URL loaded, its kind. */
export function gatewayLine(doc: FrontierDoc): string {
  const g = doc.gateway;
  return g.name === g.kind ? `${g.name}: ${g.target}` : `${g.name}: ${g.target} (${g.kind})`;
}

/** The API spoken in words: "messages (Anthropic Messages)", and the upstream's when the gateway was to translate. */
export function apiLine(doc: FrontierDoc): string {
  const api = (a: string): string => `${a} (${isApi(a) ? API_TITLES[a] : "unknown"})`;
  const client = doc.api ?? (doc.config as { api?: string }).api ?? "chat";
  const upstream = doc.upstream_api ?? (doc.config as { upstreamApi?: string }).upstreamApi;
  return upstream && upstream !== client ? `${api(client)}, the gateway to call the mock in ${api(upstream)}` : api(client);
}

/** The terminal report of a frontier. */
export function frontierText(doc: FrontierDoc): string {
  const rigs = doc.rungs.filter((r) => r.rig).map((r) => `RIG at ${levelLabel(doc.ladder.kind, levelOf(r))}: ${r.rig!.why} (not the gateway's limit)`);
  const out = [
    [
      `gatebench ${doc.tool.version} (${doc.tool.commit}) · bun ${doc.tool.bun} · ${doc.tool.os} · ${doc.tool.cpus} cpus`,
      `gateway   ${gatewayLine(doc)}`,
      `api       ${apiLine(doc)}`,
      ...(doc.cpu_pinning ? [`cpus      ${pinningLine(doc.cpu_pinning)}`] : []),
      `ladder    ${ladderLine(doc)}`,
    ].join("\n"),
    doc.rungs.length > 0 ? [rungTable(doc), ...rigs].join("\n") : "no rung was run",
  ];
  if (doc.ladder.only !== "added") out.push(readingTable(doc));
  out.push(addedLine(doc));
  if (doc.streams) out.push(streamsLine(doc.streams));
  out.push(`ended: ${END[doc.end]}${doc.end_note ? ` (${doc.end_note})` : ""}`);
  return out.join("\n\n");
}
