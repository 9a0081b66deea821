import { describe, expect, test } from "bun:test";
import { SseScanner } from "../../src/load/sse.ts";

interface Seen {
  content: number[];
  done: number[];
  usage: number[];
}

function scan(chunks: string[]): Seen & { sawDone: boolean; malformed: string } {
  const seen: Seen = { content: [], done: [], usage: [] };
  const s = new SseScanner({
    content: (t) => seen.content.push(t),
    done: (t) => seen.done.push(t),
    usage: (n) => seen.usage.push(n),
  });
  const enc = new TextEncoder();
  chunks.forEach((c, i) => {
    const b = enc.encode(c);
    s.push(b, 0, b.length, i);
  });
  return { ...seen, sawDone: s.sawDone, malformed: s.malformed };
}

const ROLE = 'data: {"choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}\n\n';
const TOK = (t: string) => `data: {"choices":[{"index":0,"delta":{"content":${JSON.stringify(t)}},"finish_reason":null}]}\n\n`;
const FINISH = 'data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n';
const USAGE = 'data: {"choices":[],"usage":{"prompt_tokens":9,"completion_tokens":3,"total_tokens":12}}\n\n';
const DONE = "data: [DONE]\n\n";
const STREAM = ROLE + TOK("Hello") + TOK(" world") + TOK("!") + FINISH + USAGE + DONE;

describe("SseScanner", () => {
  test("a whole OpenAI stream in one chunk", () => {
    const r = scan([STREAM]);
    expect(r.content).toEqual([0, 0, 0]);
    expect(r.usage).toEqual([3]);
    expect(r.done).toEqual([0]);
    expect(r.sawDone).toBe(true);
  });

  test("split at every byte boundary gives the same events", () => {
    for (let cut = 1; cut < STREAM.length; cut++) {
      const r = scan([STREAM.slice(0, cut), STREAM.slice(cut)]);
      expect(r.content.length).toBe(3);
      expect(r.usage).toEqual([3]);
      expect(r.done.length).toBe(1);
    }
  });

  test("one byte per chunk: an event is timed by the chunk that completes it", () => {
    const bytes = [...(TOK("a") + TOK("b"))];
    const r = scan(bytes);
    expect(r.content).toEqual([TOK("a").length - 1, TOK("a").length + TOK("b").length - 1]);
  });

  test("CRLF line endings", () => {
    const r = scan([STREAM.replaceAll("\n", "\r\n")]);
    expect(r.content.length).toBe(3);
    expect(r.done.length).toBe(1);
    expect(r.usage).toEqual([3]);
  });

  test("empty and null deltas are not content; reasoning, tool arguments and legacy text are", () => {
    const r = scan([
      'data: {"choices":[{"delta":{"content":null}}]}\n\n',
      'data: {"choices":[{"delta":{"content": ""}}]}\n\n',
      'data: {"choices":[{"delta":{"reasoning_content":"thinking"}}]}\n\n',
      'data: {"choices":[{"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\\"a"}}]}}]}\n\n',
      'data: {"choices":[{"text":"legacy","index":0}]}\n\n',
      'data: {"choices":[{"delta":{"context":"not a content key"}}]}\n\n',
      'data: {"choices":[{"delta":{"content" : "spaced"}}]}\n\n',
    ]);
    expect(r.content).toEqual([2, 3, 4, 6]);
  });

  test("[DONE] only counts as the whole data value, not inside content", () => {
    const r = scan([TOK("the word [DONE] in text"), "data:[DONE]\n\n"]);
    expect(r.content).toEqual([0]);
    expect(r.done).toEqual([1]);
  });

  test("a stream cut before [DONE] is incomplete", () => {
    const r = scan([ROLE + TOK("a") + TOK("b").slice(0, 20)]);
    expect(r.sawDone).toBe(false);
    expect(r.content.length).toBe(1);
  });

  test("comments, event names and usage: null are ignored", () => {
    const r = scan([": keep-alive\n\n", "event: message\n" + TOK("x"), 'data: {"choices":[],"usage":null}\n\n', DONE]);
    expect(r.content).toEqual([1]);
    expect(r.usage).toEqual([]);
    expect(r.done).toEqual([3]);
  });

  test("a large event grows the buffer", () => {
    const big = "x".repeat(100_000);
    const r = scan([TOK(big).slice(0, 50_000), TOK(big).slice(50_000), DONE]);
    expect(r.content).toEqual([1]);
    expect(r.done).toEqual([2]);
  });

  test("a well-formed stream is not malformed; data that is not a JSON object is", () => {
    expect(scan([STREAM]).malformed).toBe("");
    expect(scan([": keep-alive comment\n\n", STREAM]).malformed).toBe("");
    expect(scan([ROLE, "data: <html>oops</html>\n\n", DONE]).malformed).toContain('not a JSON object: "<html>oops</html>"');
  });

  test("keys are read as keys: a key's name inside a string value is not one, and escaped quotes do not end a string", () => {
    const r = scan([
      'data: {"choices":[{"delta":{"role":"assistant","note":"\\"content\\": \\"x\\""}}]}\n\n',
      'data: {"choices":[{"delta":{"content":"say \\"hi\\""}}]}\n\n',
    ]);
    expect(r.content).toEqual([1]);
  });

  test("usage: completion_tokens of the usage object, not of its details", () => {
    const r = scan(['data: {"choices":[],"usage":{"completion_tokens_details":{"reasoning_tokens":5},"prompt_tokens":9,"completion_tokens":42}}\n\n']);
    expect(r.usage).toEqual([42]);
  });

  test("the mock's last-event comment gives its time", () => {
    const seen: number[] = [];
    const s = new SseScanner({ content() {}, done() {}, usage() {}, upstreamLast: (us) => seen.push(us) });
    const b = new TextEncoder().encode(`${TOK("a")}: x-mock-last-event-us=1764900000123456\n\n${DONE}`);
    s.push(b, 0, b.length, 0);
    expect(seen).toEqual([1764900000123456]);
  });

  test("a scanner is reused: reset() forgets the last stream's partial event and verdicts", () => {
    const seen: number[] = [];
    const s = new SseScanner({ content: (t) => seen.push(t), done() {}, usage() {} });
    const a = new TextEncoder().encode(`data: <html>\n\n${TOK("cut").slice(0, 15)}`);
    s.push(a, 0, a.length, 0);
    expect(s.malformed).not.toBe("");
    s.reset();
    const b = new TextEncoder().encode(TOK("next") + DONE);
    s.push(b, 0, b.length, 1);
    expect(seen).toEqual([1]);
    expect(s.malformed).toBe("");
    expect(s.sawDone).toBe(true);
  });
});
