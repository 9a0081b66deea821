// The stream scanner in each API's dialect, against streams as each
// provider sends them (tests/fixtures/api-answers.ts): the same content
// events, output tokens and end however the bytes are cut; failure events,
// a stream cut short, another API's stream; and the shape of unary answers.
import { describe, expect, test } from "bun:test";
import { API_TITLES, APIS, type Api } from "../../src/apis.ts";
import { AnswerStart, START_BYTES } from "../../src/load/answer-start.ts";
import { DIALECTS } from "../../src/load/dialects.ts";
import { shapeOf, wrongShape } from "../../src/load/shape.ts";
import { SseScanner } from "../../src/load/sse.ts";
import { streamEvents, unaryAnswer } from "../fixtures/api-answers.ts";

const enc = new TextEncoder();

/** Scans `chunks` (chunk i received at time i) as a stream of `api`; what the sink saw and the verdicts. */
function scan(api: Api, chunks: string[]) {
  const seen = { content: [] as number[], done: [] as number[], usage: [] as number[] };
  const s = new SseScanner({ content: (t) => seen.content.push(t), done: (t) => seen.done.push(t), usage: (n) => seen.usage.push(n) }, DIALECTS[api]);
  chunks.forEach((c, i) => {
    const b = enc.encode(c);
    s.push(b, 0, b.length, i);
  });
  return { ...seen, sawDone: s.sawDone, malformed: s.malformed, wrongShape: s.wrongShape, failure: s.failure };
}

const TEXTS = ["Hello", ", ", "world", "!"];
const TOKENS = 7;
const whole = (api: Api, end = true): string => {
  const e = streamEvents(api, TEXTS, TOKENS, end);
  return [...e.head, ...e.content, ...e.tail].join("");
};
/** The output tokens a stream reports at its end: the last usage the sink was given. */
const lastUsage = (r: { usage: number[] }): number | undefined => r.usage.at(-1);

describe.each(APIS.map((a) => [a]))("%s stream", (api) => {
  const stream = whole(api);

  test("whole, in one read: every content event, the output tokens, the end", () => {
    const r = scan(api, [stream]);
    expect(r.content.length).toBe(TEXTS.length);
    expect(lastUsage(r)).toBe(TOKENS);
    expect(r.sawDone).toBe(true);
    expect([r.malformed, r.wrongShape, r.failure]).toEqual(["", "", ""]);
    // the end event is timed where it arrived (Gemini has none: the stream's end is its end)
    expect(r.done).toEqual(api === "gemini" ? [] : [0]);
  });

  test("cut in two at every byte: the same counts", () => {
    for (let cut = 1; cut < stream.length; cut++) {
      const r = scan(api, [stream.slice(0, cut), stream.slice(cut)]);
      expect(r.content.length).toBe(TEXTS.length);
      expect(lastUsage(r)).toBe(TOKENS);
      expect(r.sawDone).toBe(true);
      expect(r.malformed).toBe("");
    }
  });

  test("one byte per read: the same counts, each event timed by the read that completes it", () => {
    const r = scan(api, [...stream]);
    expect(r.content.length).toBe(TEXTS.length);
    expect(lastUsage(r)).toBe(TOKENS);
    expect(r.sawDone).toBe(true);
    // the blank line's LF completes an event: its time is that of the read of the event's last byte
    const e = streamEvents(api, TEXTS, TOKENS);
    let at = e.head.join("").length;
    const lastBytes = e.content.map((c) => (at += c.length) - 1);
    expect(r.content).toEqual(lastBytes);
  });

  test("CRLF line endings", () => {
    const r = scan(api, [stream.replaceAll("\n", "\r\n")]);
    expect(r.content.length).toBe(TEXTS.length);
    expect(lastUsage(r)).toBe(TOKENS);
    expect(r.sawDone).toBe(true);
  });

  test("cut before its end event (Gemini: no finishReason): not done", () => {
    const r = scan(api, [whole(api, false)]);
    expect(r.content.length).toBe(TEXTS.length);
    expect(r.sawDone).toBe(false);
    expect(r.failure).toBe("");
  });

  test("another API's stream is wrong_shape, named, and nothing of it is counted", () => {
    for (const other of APIS.filter((a) => a !== api)) {
      const r = scan(api, [whole(other)]);
      expect(r.wrongShape).toStartWith(`${API_TITLES[other].split(" ")[0]}`);
      expect(r.wrongShape).toContain(`where ${API_TITLES[api]} was asked for`);
      expect(r.content).toEqual([]);
      expect(r.sawDone).toBe(false);
    }
  });
});

describe("what each dialect ends on, and what it does not count", () => {
  test("responses: response.incomplete (cut at max_output_tokens) ends it well, with its usage", () => {
    const e = streamEvents("responses", TEXTS, TOKENS, false);
    const type = "response.incomplete";
    const end = `event: ${type}\ndata: ${JSON.stringify({ type, response: { status: "incomplete", incomplete_details: { reason: "max_output_tokens" }, usage: { output_tokens: 7 } } })}\n\n`;
    const r = scan("responses", [...e.head, ...e.content, end]);
    expect(r.sawDone).toBe(true);
    expect(r.failure).toBe("");
    expect(r.usage).toEqual([7]);
  });

  test("responses: response.failed and error end the stream as a failure, with the event kept", () => {
    const e = streamEvents("responses", TEXTS, TOKENS, false);
    for (const type of ["response.failed", "error"]) {
      const end = `event: ${type}\ndata: ${JSON.stringify({ type, response: { status: "failed", error: { code: "server_error", message: "boom" } } })}\n\n`;
      const r = scan("responses", [...e.head, ...e.content, ...e.tail, end]);
      expect(r.sawDone).toBe(false);
      expect(r.failure).toStartWith(`the stream ended in ${type}: {"type":"${type}"`);
    }
  });

  test("messages: an error event (overloaded) is a failure; usage is message_delta's, not message_start's", () => {
    const e = streamEvents("messages", TEXTS, TOKENS, false);
    const error = 'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n';
    const r = scan("messages", [...e.head, e.content[0]!, error]);
    expect(r.failure).toContain("overloaded_error");
    expect(r.usage).toEqual([1]);
    expect(scan("messages", [whole("messages")]).usage).toEqual([1, TOKENS]);
  });

  test("messages: thinking and tool-input deltas are output; a signature, an empty block start are not", () => {
    const ev = (o: unknown) => `data: ${JSON.stringify(o)}\n\n`;
    const r = scan("messages", [
      ev({ type: "content_block_start", index: 0, content_block: { type: "thinking", thinking: "" } }),
      ev({ type: "content_block_delta", index: 0, delta: { type: "thinking_delta", thinking: "hmm" } }),
      ev({ type: "content_block_delta", index: 0, delta: { type: "signature_delta", signature: "EqQB" } }),
      ev({ type: "content_block_delta", index: 1, delta: { type: "input_json_delta", partial_json: '{"a"' } }),
      ev({ type: "content_block_delta", index: 1, delta: { type: "input_json_delta", partial_json: "" } }),
    ]);
    expect(r.content).toEqual([1, 3]);
  });

  test("responses: only deltas are output (the done event's whole text is not); reasoning and tool-argument deltas are", () => {
    const ev = (o: unknown) => `data: ${JSON.stringify(o)}\n\n`;
    const r = scan("responses", [
      ev({ type: "response.reasoning_summary_text.delta", delta: "think" }),
      ev({ type: "response.function_call_arguments.delta", delta: '{"q"' }),
      ev({ type: "response.output_text.done", text: "all of it" }),
      ev({ type: "response.output_text.delta", delta: "" }),
    ]);
    expect(r.content).toEqual([0, 1]);
  });

  test("gemini: a finishReason of null is no finish; a [DONE] after another API's end is no harm", () => {
    const chunk = (finish: unknown) => `data: ${JSON.stringify({ candidates: [{ content: { parts: [{ text: "x" }] }, finishReason: finish }] })}\n\n`;
    expect(scan("gemini", [chunk(null)]).sawDone).toBe(false);
    expect(scan("gemini", [chunk("MAX_TOKENS")]).sawDone).toBe(true);
    const r = scan("messages", [whole("messages"), "data: [DONE]\n\n"]);
    expect(r.sawDone).toBe(true);
    expect(r.malformed).toBe("");
  });

  test("a chat run on a path that is not a chat endpoint reads any stream without judging its shape", () => {
    const s = new SseScanner({ content() {}, done() {}, usage() {} }, DIALECTS.chat, false);
    const b = enc.encode(whole("messages"));
    s.push(b, 0, b.length, 0);
    expect(s.wrongShape).toBe("");
  });
});

describe("the shape of a unary answer", () => {
  const body = (api: Api) => enc.encode(JSON.stringify(unaryAnswer(api, "Hi there", 3)));

  test.each(APIS.map((a) => [a]))("%s: told from its outer keys, and another API's is wrong_shape", (api) => {
    expect(shapeOf(body(api), 0, body(api).length)).toBe(api);
    for (const other of APIS) {
      const why = wrongShape(api, body(other), 0, body(other).length, false);
      if (other === api) expect(why).toBe("");
      else expect(why).toMatch(/^(an?) .+ \(".+"\) where .+ was asked for: check --api/);
    }
  });

  test("keys nested deeper do not count; answers no API owns are given the benefit of the doubt", () => {
    const nested = enc.encode('{"data":{"object":"chat.completion","type":"message","candidates":[]},"ok":true}');
    expect(shapeOf(nested, 0, nested.length)).toBeUndefined();
    for (const text of ['{"ok":true}', "ok", "[1,2]", '{"object":"list","data":[{"object":"embedding"}]}', '{"type":"error","error":{}}', ""]) {
      const b = enc.encode(text);
      expect(wrongShape("messages", b, 0, b.length, false)).toBe("");
    }
  });

  test("AnswerStart: the same verdict in one piece, cut anywhere, and with the marker past its first kilobyte unread", () => {
    const chat = body("chat");
    for (let cut = 0; cut <= chat.length; cut++) {
      const a = new AnswerStart("messages");
      a.feed(chat, 0, cut, false);
      a.feed(chat, cut, chat.length, false);
      expect(a.verdict()).toContain("an OpenAI Chat Completions answer");
    }
    const late = enc.encode(`{"pad":"${"x".repeat(START_BYTES)}","object":"chat.completion"}`);
    const a = new AnswerStart("messages");
    a.feed(late, 0, late.length, true);
    expect(a.verdict()).toBe("");
    a.reset();
    a.feed(body("messages"), 0, body("messages").length, true);
    expect(a.verdict()).toBe("");
  });
});
