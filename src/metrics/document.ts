// The JSON result document (schema gatebench/v1, docs/DESIGN.md): its types and its builder.
// The terminal report renders from this same document, so the two agree.
import { encodeHistogram, type Histogram } from "./histogram.ts";
import type { Summary } from "./summary.ts";
import type { SeriesPoint } from "./resources.ts";
import type { SecondRow } from "./timeline.ts";

export const SCHEMA = "gatebench/v1";

export interface ToolInfo {
  version: string;
  commit: string;
  bun: string;
  os: string;
  cpus: number;
}

/** What the mock upstream counted (its /__stats), as far as the report reads it. */
export interface UpstreamCounts {
  requests: number;
  by_path: Record<string, Record<string, number>>;
  connections: number;
  streams_completed: number;
  streams_aborted: number;
  in_flight_peak: number;
  [more: string]: unknown;
}

export interface RunInfo {
  started_at: string;
  /** When the load's first arrival was due (--start-at, or after the idle phase), ISO 8601 with ms; absent in files from before it was recorded. */
  load_started_at?: string;
  /** "open" (arrivals on a schedule) or "closed" (fixed concurrency). */
  load_model: "open" | "closed";
  /** The load in words, e.g. "open loop, constant arrivals, 50 req/s for 10 s". */
  load: string;
  /** The URL the load was sent to. */
  target: string;
  /** The gateway gatebench started ("built-in proxy", or "command" for --gateway, with its log file), or { kind: "external" } for --target. */
  gateway: { kind: string; pid?: number; port?: number; command?: string[]; log?: string; sampled?: boolean };
  /** The mock upstream, unless --no-mock. */
  /** procs: the mock's processes on its port; fixed: --mock-fixed. */
  mock?: { pid: number; port: number; url: string; procs?: number; fixed?: boolean; received?: UpstreamCounts };
  /** The baseline: the same load straight to a second mock (its figures are summary.direct, its histograms "direct.*"). */
  baseline?: {
    order: "interleaved" | "sequential";
    slice_ms?: number;
    url: string;
    mock: { pid: number; port: number; procs?: number; received?: UpstreamCounts };
  };
  /** The HTTP client, and the connections it opened to the target (warm-up included); absent in files from before it was recorded. */
  client?: ClientInfo;
  /** The warm-up's requests (left out of the figures). */
  warmup?: { duration_ms: number; requests: number; ok: number };
  /** How long the load phase lasted, the drain of in-flight requests included. */
  load_ms: number;
  completed: boolean;
  /** Why the run ended before its schedule did. */
  ended_early?: string;
  /** --gateway-cpus and --harness-cpus (Linux), when either was given. */
  cpu_pinning?: CpuPinningInfo;
}

/**
 * The CPUs asked for (a list as the kernel writes it, "0,2-3"; null: that
 * side was not pinned), the CPUs both name, and what each process was
 * allowed once started: /proc/PID/status Cpus_allowed_list (null where it
 * could not be read). The gateway's processes are its whole group.
 */
export interface CpuPinningInfo {
  gateway_cpus: string | null;
  harness_cpus: string | null;
  overlap: string | null;
  processes: { name: string; pid: number; cpus_allowed: string | null }[];
}

export interface ClientInfo {
  kind: string;
  /** Connections opened to the target, and requests sent per connection (the socket client; fetch cannot tell). */
  connections_opened?: number;
  requests_per_connection?: number;
  /** Requests sent again on a new connection because the server closed a kept-alive one as they were written. */
  keepalive_retries?: number;
  /** The same to the baseline's mock. */
  direct?: { connections_opened: number; requests_per_connection: number };
}

export interface ResultDoc {
  schema: typeof SCHEMA;
  tool: ToolInfo;
  config: Record<string, unknown>;
  run: RunInfo;
  summary: Summary;
  histograms: Record<string, string>;
  /** Per-second buckets over the run (warm-up included), for plots: the gateway's requests. */
  timeline: SecondRow[];
  /** The same for the baseline's requests (straight to the mock). */
  timeline_direct?: SecondRow[];
  /** Every resource sample of each process (gateway, mock, gatebench), for plots. */
  resources_series: Record<string, SeriesPoint[]>;
}

export function resultDoc(
  tool: ToolInfo,
  config: Record<string, unknown>,
  run: RunInfo,
  summary: Summary,
  histograms: Record<string, Histogram>,
  timeline: SecondRow[] = [],
  resourcesSeries: Record<string, SeriesPoint[]> = {},
  timelineDirect?: SecondRow[],
): ResultDoc {
  const encoded: Record<string, string> = {};
  for (const [name, h] of Object.entries(histograms)) if (h.totalCount > 0) encoded[name] = encodeHistogram(h);
  return {
    schema: SCHEMA,
    tool,
    config,
    run,
    summary,
    histograms: encoded,
    timeline,
    ...(timelineDirect ? { timeline_direct: timelineDirect } : {}),
    resources_series: resourcesSeries,
  };
}
