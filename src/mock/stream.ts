// A streamed answer: piece k is made when it is due (the first at its
// time, then one gap after another), so nothing is built ahead. Every
// stream's next piece waits in the shared ticker: one timer for all
// streams. At piece `cutAfter` the connection drops (the cut fault). Every
// API's stream goes through here: each says what its pieces, its tail and
// its closing event are.
import type { MockContext } from "./context.ts";
import { LAST_EVENT_COMMENT } from "./plan.ts";
import { epochUs } from "./reply.ts";

const CUT_REASON = "gatebench mock: stream cut (fault injected)";

export interface StreamSpec {
  /** Pieces before the tail. */
  count: number;
  piece: (k: number) => string;
  firstDueMs: number;
  nextGapMs: () => number;
  /** What follows the last piece (finish and usage events), before the last-event comment. */
  tail: () => string;
  /**
   * The event that closes the stream, after the last-event comment (chat's `data: [DONE]`, Responses'
   * response.completed, Anthropic's message_stop; "" for Gemini, whose stream just ends): a client that
   * stops reading at the closing event has read the comment already.
   */
  final: () => string;
  /** The piece at which the connection drops (-1: never). */
  cutAfter: number;
}

export function streamAnswer(ctx: MockContext, s: StreamSpec, receivedUs: number, signal: AbortSignal): Response {
  const { counters, ticker } = ctx;
  const body = new ReadableStream({
    type: "direct",
    pull(c) {
      // counted from here: a body that is never pulled (the client left first) leaves no trace
      counters.streamsStarted++;
      counters.enter();
      return new Promise<void>((resolve, reject) => {
        let k = 0;
        // read once, not per chunk: the signal's getter is a native call
        let aborted = signal.aborted;
        if (!aborted) signal.addEventListener("abort", () => (aborted = true), { once: true });
        const end = (outcome: "done" | "aborted" | "cut"): undefined => {
          counters.leave();
          if (outcome === "cut") {
            counters.faultsDone("cut");
            reject(CUT_REASON); // errors the body: the connection drops before the closing event
            return undefined;
          }
          if (outcome === "done") counters.streamsCompleted++;
          else counters.streamsAborted++;
          c.close();
          resolve();
          return undefined;
        };
        ticker.add({
          dueMs: s.firstDueMs,
          run(nowMs) {
            if (aborted) return end("aborted");
            counters.late("chunk", nowMs - this.dueMs);
            if (k === s.cutAfter) return end("cut");
            if (k < s.count) {
              const text = s.piece(k);
              counters.bytesOut += text.length;
              c.write(text);
              c.flush();
              k++;
              if (k < s.count) return this.dueMs + s.nextGapMs();
            }
            const last = `${s.tail()}: ${LAST_EVENT_COMMENT}=${epochUs()}\n\n${s.final()}`;
            counters.bytesOut += last.length;
            c.write(last);
            c.flush();
            return end("done");
          },
        });
      });
    },
  });
  return ctx.replies.sse(body, receivedUs);
}

/** The cut fault of a unary answer: half its body when it is due, then the connection drops. */
export function cutUnary(ctx: MockContext, body: string, dueMs: number, receivedUs: number, signal: AbortSignal): Response {
  const half = body.slice(0, Math.floor(body.length / 2));
  const none = (): string => "";
  return streamAnswer(ctx, { count: 2, piece: () => half, firstDueMs: dueMs, nextGapMs: () => 0, tail: none, final: none, cutAfter: 1 }, receivedUs, signal);
}
