// The providers' official client libraries against the mock, unary and
// streamed: openai (chat completions, Responses), @anthropic-ai/sdk
// (Messages) and @google/genai (generateContent). Each must read the text
// and the usage without error, and find the figures the mock planned: a
// gateway built on these libraries (or parsing as they do) sees each API as
// its provider serves it.
import { afterAll, describe, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import { ApiError, GoogleGenAI } from "@google/genai";
import OpenAI from "openai";
import { MOCK_DEFAULTS, startMock } from "../../src/mock/server.ts";
import { promptTokensOf, textOf } from "../../src/mock/openai.ts";
import { failure } from "./helpers.ts";

const TOKENS = 5;
const mock = startMock({ host: "127.0.0.1", port: 0, ...MOCK_DEFAULTS, latencyMs: 1, ttftMs: 5, itlMs: 2, tokens: TOKENS, seed: 1 });
afterAll(() => mock.server.stop(true));
const origin = `http://127.0.0.1:${mock.server.port}`;

/** The mock's answer of n tokens. */
const text = (n: number): string => textOf(0, n, 0);

/**
 * A fetch that notes the length of the last request body the library sent,
 * from which the mock counts input tokens: the test can then expect the
 * exact count rather than "some".
 */
let sentChars = 0;
const noting = (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
  sentChars = typeof init?.body === "string" ? init.body.length : -1;
  return fetch(input, init);
};
const inputTokens = (): number => {
  expect(sentChars).toBeGreaterThan(0); // the library went through `noting`
  return promptTokensOf(sentChars);
};

describe("openai", () => {
  const client = new OpenAI({ baseURL: `${origin}/v1`, apiKey: "sk-gatebench", maxRetries: 0, fetch: noting });
  const input = [{ role: "user" as const, content: "hi" }];

  test("chat.completions, unary and streamed with usage", async () => {
    const c = await client.chat.completions.create({ model: "gpt-4o-mini", messages: input });
    expect(c.choices[0]!.message.content).toBe(text(TOKENS));
    expect(c.usage).toMatchObject({ prompt_tokens: inputTokens(), completion_tokens: TOKENS });
    const stream = await client.chat.completions.create({ model: "m", messages: input, stream: true, stream_options: { include_usage: true } });
    let got = "";
    let usage: number | undefined;
    for await (const chunk of stream) {
      got += chunk.choices[0]?.delta.content ?? "";
      usage = chunk.usage?.completion_tokens ?? usage;
    }
    expect(got).toBe(text(TOKENS));
    expect(usage).toBe(TOKENS);
  });

  test("responses.create, unary: output_text, usage, completed", async () => {
    const r = await client.responses.create({ model: "gpt-4.1", input: "hi" });
    expect(r.object).toBe("response");
    expect(r.status).toBe("completed");
    expect(r.model).toBe("gpt-4.1");
    expect(r.output_text).toBe(text(TOKENS));
    expect(r.usage).toMatchObject({ input_tokens: inputTokens(), output_tokens: TOKENS, total_tokens: inputTokens() + TOKENS });
  });

  test("responses.create, unary, cut by max_output_tokens: incomplete", async () => {
    const r = await client.responses.create({ model: "m", input: [{ role: "user", content: [{ type: "input_text", text: "hi" }] }], max_output_tokens: 3 });
    expect(r.status).toBe("incomplete");
    expect(r.incomplete_details?.reason).toBe("max_output_tokens");
    expect(r.output_text).toBe(text(3));
    expect(r.usage?.output_tokens).toBe(3);
  });

  test("responses.stream: deltas, then the final response with usage", async () => {
    const s = client.responses.stream({ model: "m", input: "hi" });
    let deltas = "";
    s.on("response.output_text.delta", (e) => {
      deltas += e.delta;
    });
    const final = await s.finalResponse();
    expect(deltas).toBe(text(TOKENS));
    expect(final.output_text).toBe(text(TOKENS));
    expect(final.usage).toMatchObject({ input_tokens: inputTokens(), output_tokens: TOKENS });
  });

  test("responses.create({stream: true}): the events in order, response.incomplete when cut", async () => {
    const stream = await client.responses.create({ model: "m", input: "hi", stream: true, max_output_tokens: 2 });
    const types: string[] = [];
    let usage: number | undefined;
    for await (const e of stream) {
      types.push(e.type);
      if (e.type === "response.incomplete") usage = e.response.usage?.output_tokens;
    }
    expect(types[0]).toBe("response.created");
    expect(types.filter((t) => t === "response.output_text.delta")).toHaveLength(2);
    expect(types.at(-1)).toBe("response.incomplete");
    expect(usage).toBe(2);
  });

  test("faults: 429 and 503 as the library's errors, on Responses too", async () => {
    const rate = await failure(() => client.responses.create({ model: "m", input: "hi" }, { headers: { "x-mock-fault": "429" } }));
    expect(rate).toBeInstanceOf(OpenAI.RateLimitError);
    const down = await failure(() => client.responses.create({ model: "m", input: "hi" }, { headers: { "x-mock-fault": "503" } }));
    expect(down).toBeInstanceOf(OpenAI.InternalServerError);
  });
});

describe("@anthropic-ai/sdk", () => {
  const client = new Anthropic({ baseURL: origin, apiKey: "sk-ant-gatebench", maxRetries: 0, fetch: noting });
  const messages = [{ role: "user" as const, content: "hi" }];

  test("messages.create, unary: text, end_turn, usage", async () => {
    const m = await client.messages.create({ model: "claude-sonnet-4-5", max_tokens: 100, messages });
    expect(m.type).toBe("message");
    expect(m.model).toBe("claude-sonnet-4-5");
    expect(m.content).toEqual([{ type: "text", text: text(TOKENS) } as Anthropic.TextBlock]);
    expect(m.stop_reason).toBe("end_turn");
    expect(m.usage).toMatchObject({ input_tokens: inputTokens(), output_tokens: TOKENS });
  });

  test("messages.stream: text events, then finalMessage() with usage", async () => {
    const s = client.messages.stream({ model: "m", max_tokens: 100, messages, system: "be brief" });
    let got = "";
    s.on("text", (t) => {
      got += t;
    });
    const final = await s.finalMessage();
    expect(got).toBe(text(TOKENS));
    expect((final.content[0] as Anthropic.TextBlock).text).toBe(text(TOKENS));
    expect(final.stop_reason).toBe("end_turn");
    expect(final.usage).toMatchObject({ input_tokens: inputTokens(), output_tokens: TOKENS });
  });

  test("messages.create({stream: true}), cut by max_tokens: the raw events, stop_reason max_tokens", async () => {
    const stream = await client.messages.create({ model: "m", max_tokens: 3, messages, stream: true });
    const types: string[] = [];
    let stop: string | null | undefined;
    let output: number | undefined;
    for await (const e of stream) {
      types.push(e.type);
      if (e.type === "message_delta") {
        stop = e.delta.stop_reason;
        output = e.usage.output_tokens;
      }
    }
    // (the library passes over the ping events: the wire test sees them)
    expect(types.slice(0, 3)).toEqual(["message_start", "content_block_start", "content_block_delta"]);
    expect(types.filter((t) => t === "content_block_delta")).toHaveLength(3);
    expect(types.slice(-3)).toEqual(["content_block_stop", "message_delta", "message_stop"]);
    expect(stop).toBe("max_tokens");
    expect(output).toBe(3);
  });

  test("faults and a malformed request as the library's errors: 429, 529 overloaded, 400", async () => {
    expect(await failure(() => client.messages.create({ model: "m", max_tokens: 9, messages }, { headers: { "x-mock-fault": "429" } }))).toBeInstanceOf(
      Anthropic.RateLimitError,
    );
    const over = await failure(() => client.messages.create({ model: "m", max_tokens: 9, messages }, { headers: { "x-mock-fault": "503" } }));
    expect(over).toBeInstanceOf(Anthropic.InternalServerError);
    expect((over as InstanceType<typeof Anthropic.APIError>).status).toBe(529);
    const bad = await failure(() => client.messages.create({ model: "m", messages } as unknown as Anthropic.MessageCreateParamsNonStreaming));
    expect(bad).toBeInstanceOf(Anthropic.BadRequestError);
    expect((bad as InstanceType<typeof Anthropic.APIError>).message).toContain("max_tokens");
  });
});

describe("@google/genai", () => {
  const ai = new GoogleGenAI({ apiKey: "gatebench-key", httpOptions: { baseUrl: origin, retryOptions: { attempts: 1 }, fetch: noting } as never });
  const contents = "hi";

  test("models.generateContent: text, STOP, usageMetadata", async () => {
    const r = await ai.models.generateContent({ model: "gemini-2.5-flash", contents });
    expect(r.text).toBe(text(TOKENS));
    expect(r.candidates![0]!.finishReason).toBe("STOP" as never);
    expect(r.modelVersion).toBe("gemini-2.5-flash");
    expect(r.usageMetadata).toMatchObject({ promptTokenCount: inputTokens(), candidatesTokenCount: TOKENS, totalTokenCount: inputTokens() + TOKENS });
  });

  test("models.generateContentStream, cut by maxOutputTokens: one chunk per piece, the last with MAX_TOKENS and usage", async () => {
    const stream = await ai.models.generateContentStream({ model: "gemini-2.5-flash", contents, config: { maxOutputTokens: 3 } });
    let got = "";
    let chunks = 0;
    let last: Awaited<ReturnType<typeof ai.models.generateContent>> | undefined;
    for await (const c of stream) {
      got += c.text ?? "";
      chunks++;
      last = c;
    }
    expect(got).toBe(text(3));
    expect(chunks).toBe(3);
    expect(last?.candidates?.[0]?.finishReason).toBe("MAX_TOKENS" as never);
    expect(last?.usageMetadata).toMatchObject({ promptTokenCount: inputTokens(), candidatesTokenCount: 3 });
  });

  test("a fault as the library's ApiError with its status", async () => {
    const err = await failure(() => ai.models.generateContent({ model: "g", contents, config: { httpOptions: { headers: { "x-mock-fault": "429" } } } }));
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(429);
  });
});
