// Streams sustained: on a concurrency ladder of streams (a closed loop of
// c connections holds c streams open at once), the highest count at which
// the gateway delivered every stream whole and on time. Pure, from the
// rungs' summaries.
//
// A rung sustains its streams when every content event the mock sent
// arrived (the gaps between content events number (events − 1) per
// successful stream), no gap between two of them was longer than
// STALL_FACTOR times the mock's own gap, and under MAX_FAILED_SHARE of the
// streams failed. A rung at the rig's limit is not judged: the mock or the
// generator set its pace.
import { type FrontierRung, levelOf } from "./frontier.ts";

/** A gap this many times the mock's own is a stall. */
export const STALL_FACTOR = 10;
/** Failed streams must stay under this share. */
export const MAX_FAILED_SHARE = 0.001;

/** What the mock sends each stream: its content events, and the gap between them (ms). */
export interface StreamExpect {
  events: number;
  itlMs: number;
}

/** Streams sustained (a JSON contract of gatebench/frontier-v1). */
export interface StreamsSustained {
  /** Content events the mock sends each stream, and its gap between them. */
  expected_events: number;
  mock_itl_ms: number;
  /** The highest count of streams open at once that was sustained; null: none was. */
  sustained: number | null;
  /** Content events per second carried at that count. */
  events_per_second: number | null;
  /** Set when the ladder ended at the rig's limit above that count: the mock or the generator, not the gateway, stopped it there. */
  limited_by?: string;
  /** Each rung's verdict, in ladder order. */
  rungs: { concurrency: number; pass: boolean; why?: string }[];
}

/** The mock's content events per stream: its tokens (max_tokens may ask for fewer), tokens-per-chunk to an event. */
export const eventsPerStream = (tokens: number, tokensPerChunk: number, maxTokens: number | undefined): number =>
  Math.ceil(Math.min(tokens, maxTokens ?? tokens) / Math.max(1, tokensPerChunk));

/** Why a rung did not sustain its streams, or undefined when it did. */
export function streamMiss(r: FrontierRung, e: StreamExpect): string | undefined {
  if (r.rig) return `rig limit: ${r.rig.why}`;
  const s = r.summary;
  const tried = r.requests + r.dropped;
  if (r.ok === 0) return tried > 0 ? `all ${tried} streams failed` : "no stream was sent";
  const failed = r.failed + r.dropped;
  if (failed >= MAX_FAILED_SHARE * tried) return `${failed} of ${tried} streams failed (${((100 * failed) / tried).toFixed(2)} %)`;
  // failed streams add their own gaps, so the count can only be short because events went missing
  const gaps = s?.itl_ms?.count ?? 0;
  const missing = r.ok * (e.events - 1) - gaps;
  if (missing > 0) return `${missing} content events missing (${e.events} expected per stream)`;
  const longest = s?.itl_ms?.max;
  if (e.itlMs > 0 && longest !== undefined && longest > STALL_FACTOR * e.itlMs)
    return `a stream stalled ${longest} ms between two events (over ${STALL_FACTOR} × the mock's ${e.itlMs} ms)`;
  return undefined;
}

/** Content events per second a rung carried: its successful streams per second, each with the events it delivered. */
function eventsPerSecond(r: FrontierRung): number {
  const s = r.summary;
  const events = (s?.itl_ms?.count ?? 0) + (s?.ttft_ms?.count ?? 0);
  return r.ok > 0 ? Math.round((r.throughput * events) / r.ok) : 0;
}

/** Streams sustained on a concurrency ladder (rungs in ladder order). */
export function streamsSustained(rungs: FrontierRung[], e: StreamExpect): StreamsSustained {
  const verdicts = rungs.map((r) => {
    const why = streamMiss(r, e);
    return { concurrency: levelOf(r), pass: why === undefined, ...(why ? { why } : {}) };
  });
  let best = -1;
  verdicts.forEach((v, i) => {
    if (v.pass && (best < 0 || v.concurrency > verdicts[best]!.concurrency)) best = i;
  });
  const rig = rungs.slice(best + 1).find((r) => r.rig);
  const broke = rungs.slice(best + 1).some((r) => !r.rig && streamMiss(r, e) !== undefined);
  return {
    expected_events: e.events,
    mock_itl_ms: e.itlMs,
    sustained: best < 0 ? null : verdicts[best]!.concurrency,
    events_per_second: best < 0 ? null : eventsPerSecond(rungs[best]!),
    ...(rig && !broke ? { limited_by: `${rig.rig!.kind === "mock" ? "the mock" : "the rig"} at ${levelOf(rig)} streams: ${rig.rig!.why}` } : {}),
    rungs: verdicts,
  };
}
