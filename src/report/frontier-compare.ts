// Several gateways' frontiers on one board (gatebench compare of
// gatebench/frontier-v1 files): the reading at each bound side by side, a
// column per gateway, with the added latency and streams sustained under
// them; as JSON, as a terminal table, and as an HTML page with one curve
// per gateway. Notes say what differs beyond the gateway: the ladder, the
// mock, streaming (and so the bounds' metric), the API spoken.
import { getBorderCharacters, table as textTable } from "table";
import type { Added, BoundMetric, Reading } from "../metrics/frontier.ts";
import { fmtRate } from "./format.ts";
import { boundLabel, type FrontierDoc, fmtAdded, levelLabel, ladderLine, metricOf } from "./frontier.ts";
import { frontierPlot } from "./frontier-html.ts";
import { esc, htmlPage, table as htmlTable } from "./html.ts";

export const BOARD_SCHEMA = "gatebench/frontier-board-v1";

/** One gateway on the board: its label, its file, and its frontier. */
export interface BoardEntry {
  name: string;
  path: string;
  doc: FrontierDoc;
}

/** The board (the JSON written by gatebench compare --json for frontiers). */
export interface BoardDoc {
  schema: typeof BOARD_SCHEMA;
  /** Every bound any gateway was read at, ms (null: unbounded). */
  bounds_ms: (number | null)[];
  gateways: {
    name: string;
    path: string;
    ladder: FrontierDoc["ladder"];
    /** The API its client spoke (chat in files before it), and what its bounds were read on. */
    api: string;
    metric: BoundMetric;
    /** A reading per bound of the board, in its order; null where this gateway was not read at that bound. */
    readings: (Reading | null)[];
    added: Added | null;
    streams_sustained: number | null;
  }[];
  /** What differs between the frontiers beyond the gateway (the ladder, the rung's length, the mock, streaming, the API). */
  notes: string[];
}

const boundKey = (b: number | null): number => (b === null ? Number.POSITIVE_INFINITY : b);

/** The API a frontier's client spoke: its own field, else its config's; chat when neither says. */
const apiOf = (d: FrontierDoc): string => d.api ?? (d.config as { api?: string }).api ?? "chat";

/** The API the gateway was to call the mock in: its own, or the client's (a passthrough). */
const upstreamOf = (d: FrontierDoc): string => d.upstream_api ?? (d.config as { upstreamApi?: string }).upstreamApi ?? apiOf(d);

/** What a frontier's figures depend on besides the gateway, in words. */
function settings(d: FrontierDoc): Record<string, string> {
  const c = d.config as { stream?: boolean; mock?: { flags?: Record<string, string> }; workers?: number };
  return {
    ladder: ladderLine(d),
    api: apiOf(d),
    "upstream API": upstreamOf(d),
    stream: String(Boolean(c.stream)),
    mock: JSON.stringify(c.mock?.flags ?? {}),
    workers: String(c.workers ?? 1),
    machine: `${d.tool.os}, ${d.tool.cpus} cpus`,
  };
}

/** The board of several frontiers, the first file's settings the reference for the notes. */
export function boardOf(entries: BoardEntry[]): BoardDoc {
  const bounds = [...new Set(entries.flatMap((e) => e.doc.bounds_ms.map(boundKey)))].sort((a, b) => a - b).map((b) => (Number.isFinite(b) ? b : null));
  const first = entries[0] ? settings(entries[0].doc) : {};
  const notes: string[] = [];
  for (const e of entries.slice(1)) {
    const mine = settings(e.doc);
    // the API in its values: which was spoken tells more than that it differs
    const differ = Object.keys(first)
      .filter((k) => first[k] !== mine[k])
      .map((k) => (k === "api" || k === "upstream API" ? `${k} ${mine[k]}, not ${first[k]}` : k));
    if (differ.length > 0) notes.push(`${e.name} was measured otherwise than ${entries[0]!.name} (${differ.join("; ")}): set side by side all the same`);
  }
  for (const e of entries) if (e.doc.end === "interrupted" || e.doc.end === "run-failed") notes.push(`${e.name}: its ladder did not finish (${e.doc.end})`);
  return {
    schema: BOARD_SCHEMA,
    bounds_ms: bounds,
    gateways: entries.map((e) => ({
      name: e.name,
      path: e.path,
      ladder: e.doc.ladder,
      api: apiOf(e.doc),
      metric: metricOf(e.doc),
      readings: bounds.map((b) => e.doc.readings.find((r) => r.bound_ms === b) ?? null),
      added: e.doc.added,
      streams_sustained: e.doc.streams?.sustained ?? null,
    })),
    notes,
  };
}

/** A reading's cell: its throughput and rung, "floor" when no rung above it was tried. */
function readingCell(g: BoardDoc["gateways"][number], r: Reading | null): string {
  if (r === null) return "-";
  if (r.rps === null) return "none";
  const at = r.rung === null ? "" : ` at ${levelLabel(g.ladder.kind, r.rung)}`;
  return `${fmtRate(r.rps)}/s${at}${r.floor ? " (floor)" : ""}`;
}

const addedCell = (a: Added | null, key: "p50" | "p99"): string => (a ? fmtAdded(a[`${key}_us`], a[`${key}_band_us`]) : "-");

/** The board's rows: one per bound, then the added latency and streams sustained. */
function rows(b: BoardDoc): string[][] {
  // the bounds' metric in the label when every gateway's was the same; a mixed board says so in its notes
  const metrics = new Set(b.gateways.map((g) => g.metric));
  const one = metrics.size === 1 ? b.gateways[0]!.metric : undefined;
  const out = b.bounds_ms.map((bound, i) => [boundLabel(bound, one), ...b.gateways.map((g) => readingCell(g, g.readings[i]!))]);
  if (b.gateways.some((g) => g.added)) {
    out.push(["added p50", ...b.gateways.map((g) => addedCell(g.added, "p50"))]);
    out.push(["added p99", ...b.gateways.map((g) => addedCell(g.added, "p99"))]);
  }
  if (b.gateways.some((g) => g.streams_sustained !== null)) out.push(["streams sustained", ...b.gateways.map((g) => String(g.streams_sustained ?? "-"))]);
  return out;
}

const LEGEND =
  "each cell: the highest throughput of a rung whose p99 (TTFT for streams) stayed under the bound with no failed request, and that rung; (floor): no rung above it was tried, so the gateway may carry more; added: gateway − direct at concurrency 1, with its 95 % interval";

/** The board for a terminal: the files, the table, the legend and the notes. */
export function boardText(b: BoardDoc): string {
  const files = b.gateways.map((g) => `${g.name}  ${g.path}`).join("\n");
  const grid = textTable([["bound", ...b.gateways.map((g) => g.name)], ...rows(b)], {
    border: getBorderCharacters("norc"),
    drawHorizontalLine: (i, n) => i === 0 || i === 1 || i === n || i === b.bounds_ms.length + 1,
    columnDefault: { alignment: "right" },
    columns: { 0: { alignment: "left" } },
  }).trimEnd();
  return [files, `${grid}\n${LEGEND}`, b.notes.map((n) => `NOTE: ${n}`).join("\n")].filter((x) => x !== "").join("\n\n");
}

/** The board's page: the table, and one curve per gateway of throughput against p99. */
export function boardHtml(b: BoardDoc, entries: BoardEntry[]): string {
  const names = b.gateways.map((g) => g.name);
  const body = [
    `<p class="note">${esc(LEGEND)}</p>`,
    htmlTable(
      "Throughput at each p99 bound, per gateway",
      ["bound", ...names],
      rows(b).map((cells) => ({ key: cells[0]!, cells })),
      "board",
    ),
    ...b.notes.map((n) => `<p class="alert">NOTE: ${esc(n)}</p>`),
  ].join("\n");
  const plot = frontierPlot(
    entries.map((e) => ({ name: e.name, rungs: e.doc.rungs, metric: metricOf(e.doc) })),
    b.bounds_ms,
  );
  const tool = entries[0]?.doc.tool.version ?? "";
  return htmlPage(`gatebench frontiers: ${names.join(", ")}`, body, plot ? [plot] : [], { version: tool, schema: BOARD_SCHEMA });
}
