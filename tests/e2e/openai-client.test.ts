// The official OpenAI client library against the mock: a gateway built on
// it (or parsing the same way) must see a well-formed API.
import { afterAll, expect, test } from "bun:test";
import OpenAI from "openai";
import { MOCK_DEFAULTS, startMock } from "../../src/mock/server.ts";
import { failure } from "./helpers.ts";

const mock = startMock({ host: "127.0.0.1", port: 0, ...MOCK_DEFAULTS, latencyMs: 1, ttftMs: 5, itlMs: 2, tokens: 5, seed: 1 });
afterAll(() => mock.server.stop(true));
const client = new OpenAI({ baseURL: `http://127.0.0.1:${mock.server.port}/v1`, apiKey: "sk-gatebench", maxRetries: 0 });
const messages = [{ role: "user" as const, content: "hi" }];

test("chat completion, unary", async () => {
  const c = await client.chat.completions.create({ model: "gpt-4o-mini", messages });
  expect(c.model).toBe("gpt-4o-mini");
  expect(c.choices[0]!.message.content).toBe("The quick brown fox jumps");
  expect(c.choices[0]!.finish_reason).toBe("stop");
  expect(c.usage!.completion_tokens).toBe(5);
});

test("chat completion, streamed with usage", async () => {
  const stream = await client.chat.completions.create({ model: "m", messages, stream: true, stream_options: { include_usage: true }, max_tokens: 3 });
  let text = "";
  let finish: string | null | undefined;
  let usage: number | undefined;
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta.content ?? "";
    finish = chunk.choices[0]?.finish_reason ?? finish;
    if (chunk.usage) usage = chunk.usage.completion_tokens;
  }
  expect(text).toBe("The quick brown");
  expect(finish).toBe("length");
  expect(usage).toBe(3);
});

test("legacy completions, embeddings, models", async () => {
  const c = await client.completions.create({ model: "m", prompt: "say", max_tokens: 2 });
  expect(c.choices[0]!.text).toBe("The quick");
  const e = await client.embeddings.create({ model: "emb", input: ["a", "b"] });
  expect(e.data).toHaveLength(2);
  expect(e.data[0]!.embedding).toHaveLength(MOCK_DEFAULTS.embeddingDim);
  const models = await client.models.list();
  expect(models.data.map((m) => m.id)).toContain("gpt-mock");
});

test("faults surface as the library's own errors", async () => {
  const rate = await failure(() => client.chat.completions.create({ model: "m", messages }, { headers: { "x-mock-fault": "429" } }));
  expect(rate).toBeInstanceOf(OpenAI.RateLimitError);
  expect((rate as InstanceType<typeof OpenAI.RateLimitError>).headers?.get("retry-after")).toBe("1");
  expect(await failure(() => client.chat.completions.create({ model: "m", messages }, { headers: { "x-mock-fault": "503" } }))).toBeInstanceOf(
    OpenAI.InternalServerError,
  );
  const bad = await failure(() => client.chat.completions.create({ model: "m", messages, max_tokens: 0 }));
  expect(bad).toBeInstanceOf(OpenAI.BadRequestError);
  expect((bad as InstanceType<typeof OpenAI.BadRequestError>).param).toBe("max_tokens");
});
