// The mock's four generation APIs over real HTTP, against each provider's
// documented wire format: OpenAI chat and Responses, Anthropic Messages,
// Gemini generateContent. One table checks what all share (text, usage
// equal to the tokens planned, the cap on output tokens, streams with one
// content event per chunk and the last-event comment before the closing
// event, timing headers); then each API's own shape, field by field and
// event by event.
import { afterAll, describe, expect, test } from "bun:test";
import { APIS, type Api } from "../../src/apis.ts";
import { promptTokensOf } from "../../src/mock/openai.ts";
import { MOCK_DEFAULTS, startMock } from "../../src/mock/server.ts";
import { type J, send, sseEvents, streamSaid, text, unarySaid } from "./api-wire.ts";

const TOKENS = 6;
const mock = startMock({ host: "127.0.0.1", port: 0, ...MOCK_DEFAULTS, latencyMs: 1, ttftMs: 3, itlMs: 1, tokens: TOKENS, seed: 1 });
/** The same, with two tokens to a chunk: 6 tokens are 3 chunks. */
const paired = startMock({ host: "127.0.0.1", port: 0, ...MOCK_DEFAULTS, latencyMs: 1, ttftMs: 3, itlMs: 1, tokens: TOKENS, tokensPerChunk: 2, seed: 1 });
afterAll(() => {
  mock.server.stop(true);
  paired.server.stop(true);
});
const base = `http://127.0.0.1:${mock.server.port}`;

/** How each API's stream closes: the event after the last-event comment (Gemini's just ends). */
const CLOSING: Record<Api, (e: { event?: string; data?: string }) => boolean> = {
  chat: (e) => e.data === "[DONE]",
  responses: (e) => e.event === "response.completed" || e.event === "response.incomplete",
  messages: (e) => e.event === "message_stop",
  gemini: () => false,
};

describe.each(APIS)("%s: what every API does alike", (api) => {
  test("unary: the planned text and usage (input tokens from the body), not truncated; timing headers", async () => {
    const { res, chars } = await send(base, api, false);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(Number(res.headers.get("x-mock-sent-us"))).toBeGreaterThanOrEqual(Number(res.headers.get("x-mock-received-us")));
    expect(unarySaid(api, await res.json())).toEqual({ text: text(TOKENS), inputTokens: promptTokensOf(chars), outputTokens: TOKENS, truncated: false });
  });

  test("unary: the API's cap on output tokens cuts the answer, and says so", async () => {
    const { res } = await send(base, api, false, { max: 2 });
    expect(unarySaid(api, await res.json())).toMatchObject({ text: text(2), outputTokens: 2, truncated: true });
  });

  test("streamed: one content event per token, usage, the last-event comment just before the closing event", async () => {
    const { res, chars } = await send(base, api, true);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    const events = sseEvents(await res.text());
    expect(streamSaid(api, events)).toEqual({
      text: text(TOKENS),
      inputTokens: promptTokensOf(chars),
      outputTokens: TOKENS,
      truncated: false,
      contentEvents: TOKENS,
    });
    const at = events.findIndex((e) => e.comment?.startsWith("x-mock-last-event-us="));
    expect(Number(events[at]!.comment!.split("=")[1])).toBeGreaterThan(Number(res.headers.get("x-mock-received-us")));
    // the comment comes after every data event but the closing one (Gemini's stream has none: the comment ends it)
    expect(events.slice(at + 1).map((e) => CLOSING[api](e))).toEqual(api === "gemini" ? [] : [true]);
  });

  test("streamed, cut by the cap on output tokens; x-mock-tokens sets the count", async () => {
    const cut = streamSaid(api, sseEvents(await (await send(base, api, true, { max: 3 })).res.text()));
    expect(cut).toMatchObject({ text: text(3), outputTokens: 3, truncated: true, contentEvents: 3 });
    const more = streamSaid(api, sseEvents(await (await send(base, api, true, { headers: { "x-mock-tokens": "9" } })).res.text()));
    expect(more).toMatchObject({ text: text(9), outputTokens: 9, truncated: false });
  });

  test("--tokens-per-chunk: several tokens to a content event", async () => {
    const s = streamSaid(api, sseEvents(await (await send(`http://127.0.0.1:${paired.server.port}`, api, true)).res.text()));
    expect(s).toMatchObject({ text: text(TOKENS), outputTokens: TOKENS, contentEvents: TOKENS / 2 });
  });

  test("the cut fault drops the stream's connection before its closing event (the counters say so), and a unary answer half-way", async () => {
    const before = mock.counters.snapshot();
    // pieces 20 ms apart, so that the first is read before the reset (which may discard what came just before it)
    const { res } = await send(base, api, true, { headers: { "x-mock-fault": "cut", "x-mock-itl-ms": "20" } });
    let body = "";
    const err = await (async () => {
      try {
        for await (const c of res.body!) body += new TextDecoder().decode(c);
      } catch (e) {
        return e as { code?: string };
      }
    })();
    expect(err?.code).toBe("ECONNRESET");
    const s = streamSaid(api, sseEvents(body));
    expect(s.contentEvents).toBeGreaterThanOrEqual(1);
    expect(s.contentEvents).toBeLessThanOrEqual(TOKENS / 2); // cut after half the chunks
    expect(s.outputTokens).toBe(-1); // no usage: the stream never finished
    const after = mock.counters.snapshot();
    expect((after.faults.cut ?? 0) - (before.faults.cut ?? 0)).toBe(1);
    expect(after.streams_completed).toBe(before.streams_completed);
    // a unary answer is cut half-way
    await expect(send(base, api, false, { headers: { "x-mock-fault": "cut" } }).then((r) => r.res.text())).rejects.toThrow();
  });
});

describe("OpenAI Responses: its shape", () => {
  test("unary: a response object, completed, one assistant message of one output_text part", async () => {
    const b: J = await (await send(base, "responses", false)).res.json();
    expect(b).toMatchObject({ object: "response", status: "completed", model: "m", error: null, incomplete_details: null });
    expect(b.id).toStartWith("resp_");
    expect(typeof b.created_at).toBe("number");
    expect(b.output).toEqual([
      {
        id: expect.stringMatching(/^msg_/),
        type: "message",
        status: "completed",
        role: "assistant",
        content: [{ type: "output_text", text: text(TOKENS), annotations: [], logprobs: [] }],
      },
    ]);
    expect(b.usage).toEqual({
      input_tokens: b.usage.input_tokens,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: TOKENS,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: b.usage.input_tokens + TOKENS,
    });
    const cut: J = await (await send(base, "responses", false, { max: 2 })).res.json();
    expect(cut).toMatchObject({ status: "incomplete", incomplete_details: { reason: "max_output_tokens" }, max_output_tokens: 2 });
  });

  test("streamed: named events whose data carries the same type and consecutive sequence numbers, no [DONE]", async () => {
    const events = sseEvents(await (await send(base, "responses", true, { max: 2 })).res.text()).filter((e) => e.data);
    const data = events.map((e) => JSON.parse(e.data!) as J);
    expect(events.map((e) => e.event)).toEqual(data.map((d) => d.type));
    expect(data.map((d) => d.sequence_number)).toEqual(data.map((_, i) => i));
    expect(data.map((d) => d.type)).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.content_part.added",
      "response.output_text.delta",
      "response.output_text.delta",
      "response.output_text.done",
      "response.content_part.done",
      "response.output_item.done",
      "response.incomplete",
    ]);
    const [created, , added, part, delta, , done, , itemDone, end] = data;
    expect(created.response).toMatchObject({ status: "in_progress", output: [], usage: null });
    expect(added.item).toMatchObject({ type: "message", role: "assistant", status: "in_progress", content: [] });
    expect(part).toMatchObject({ item_id: added.item.id, output_index: 0, content_index: 0, part: { type: "output_text", text: "" } });
    expect(delta).toMatchObject({ item_id: added.item.id, delta: "The" });
    expect(done.text).toBe(text(2));
    expect(itemDone.item).toMatchObject({ id: added.item.id, status: "incomplete" });
    expect(end.response).toMatchObject({ id: created.response.id, status: "incomplete", usage: { output_tokens: 2 } });
    expect(end.response.output[0].content[0].text).toBe(text(2));
  });
});

describe("Anthropic Messages: its shape", () => {
  test("unary: a message with one text block, end_turn or max_tokens, usage", async () => {
    const b: J = await (await send(base, "messages", false)).res.json();
    expect(b).toMatchObject({
      type: "message",
      role: "assistant",
      model: "m",
      content: [{ type: "text", text: text(TOKENS) }],
      stop_reason: "end_turn",
      stop_sequence: null,
    });
    expect(b.id).toStartWith("msg_");
    expect(b.usage).toMatchObject({ input_tokens: expect.any(Number), output_tokens: TOKENS });
    expect(((await (await send(base, "messages", false, { max: 1 })).res.json()) as J).stop_reason).toBe("max_tokens");
  });

  test("streamed: message_start, content_block_start, ping, text deltas, content_block_stop, message_delta, message_stop", async () => {
    const events = sseEvents(await (await send(base, "messages", true, { max: 2 })).res.text()).filter((e) => e.data);
    const data = events.map((e) => JSON.parse(e.data!) as J);
    expect(events.map((e) => e.event)).toEqual(data.map((d) => d.type));
    expect(data.map((d) => d.type)).toEqual([
      "message_start",
      "content_block_start",
      "ping",
      "content_block_delta",
      "content_block_delta",
      "content_block_stop",
      "message_delta",
      "message_stop",
    ]);
    expect(data[0].message).toMatchObject({ type: "message", role: "assistant", content: [], stop_reason: null, usage: { output_tokens: 0 } });
    expect(data[0].message.usage.input_tokens).toBeGreaterThan(0);
    expect(data[1]).toMatchObject({ index: 0, content_block: { type: "text", text: "" } });
    expect(data[3]).toEqual({ type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "The" } });
    expect(data[6]).toEqual({ type: "message_delta", delta: { stop_reason: "max_tokens", stop_sequence: null }, usage: { output_tokens: 2 } });
  });
});

describe("Gemini: its shape", () => {
  test("unary: one candidate of the model's role, STOP, usageMetadata, modelVersion and responseId", async () => {
    const b: J = await (await send(base, "gemini", false)).res.json();
    expect(b.candidates).toEqual([{ content: { parts: [{ text: text(TOKENS) }], role: "model" }, finishReason: "STOP", index: 0 }]);
    const u = b.usageMetadata;
    expect(u).toEqual({ promptTokenCount: u.promptTokenCount, candidatesTokenCount: TOKENS, totalTokenCount: u.promptTokenCount + TOKENS });
    expect(b.modelVersion).toBe("gemini-test");
    expect(typeof b.responseId).toBe("string");
  });

  test("streamed (alt=sse): data chunks only, no event names, no [DONE]; finishReason and usage only on the last", async () => {
    const events = sseEvents(await (await send(base, "gemini", true)).res.text()).filter((e) => e.data);
    expect(events.every((e) => e.event === undefined)).toBe(true);
    const data = events.map((e) => JSON.parse(e.data!) as J);
    expect(data).toHaveLength(TOKENS);
    for (const d of data.slice(0, -1)) {
      expect(d.candidates[0].finishReason).toBeUndefined();
      expect(d.usageMetadata).toBeUndefined();
    }
    expect(data.at(-1).candidates[0].finishReason).toBe("STOP");
    expect(new Set(data.map((d) => d.responseId)).size).toBe(1);
  });

  test("the key in ?key=, the model under /v1/models/ too", async () => {
    const res = await fetch(`${base}/v1/models/gemini-x:generateContent?key=k`, {
      method: "POST",
      body: JSON.stringify({ contents: [{ parts: [{ text: "hi" }] }] }),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as J).modelVersion).toBe("gemini-x");
  });
});
