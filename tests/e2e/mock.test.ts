// The mock upstream over real HTTP: OpenAI's shapes, its error answers,
// its counters, and a graceful stop.
import { afterAll, describe, expect, test } from "bun:test";
import { MOCK_DEFAULTS, startMock } from "../../src/mock/server.ts";
import { cliArgv, cliEnv, killTagged, newTag, ROOT, waitFor } from "./helpers.ts";

const mock = startMock({ host: "127.0.0.1", port: 0, ...MOCK_DEFAULTS, latencyMs: 1, ttftMs: 5, itlMs: 2, tokens: 6 });
const base = `http://127.0.0.1:${mock.server.port}`;
const tag = newTag();
afterAll(() => {
  mock.server.stop(true);
  killTagged(tag);
});

const post = (path: string, body: unknown) =>
  fetch(base + path, { method: "POST", headers: { "content-type": "application/json" }, body: typeof body === "string" ? body : JSON.stringify(body) });
const MSG = [{ role: "user", content: "hi" }];
// biome-ignore lint: the tests read JSON bodies field by field
type J = any;
const j = (r: Response): Promise<J> => r.json() as Promise<J>;

function events(text: string): string[] {
  return text
    .split("\n\n")
    .filter((e) => e.startsWith("data: "))
    .map((e) => e.slice(6));
}

describe("mock: chat completions", () => {
  test("unary: chat.completion with usage, model echoed, with and without /v1", async () => {
    for (const path of ["/v1/chat/completions", "/chat/completions"]) {
      const res = await post(path, { model: "my-model", messages: MSG });
      expect(res.status).toBe(200);
      const body = await j(res);
      expect(body.object).toBe("chat.completion");
      expect(body.model).toBe("my-model");
      expect(body.choices[0].message.role).toBe("assistant");
      expect(body.choices[0].finish_reason).toBe("stop");
      expect(body.usage.completion_tokens).toBe(6);
      expect(body.usage.total_tokens).toBe(body.usage.prompt_tokens + 6);
    }
  });

  test("max_tokens / max_completion_tokens cut the answer, finish_reason length", async () => {
    const a = await j(await post("/v1/chat/completions", { model: "m", messages: MSG, max_tokens: 3 }));
    expect(a.usage.completion_tokens).toBe(3);
    expect(a.choices[0].finish_reason).toBe("length");
    expect(a.choices[0].message.content).toBe("The quick brown");
    const b = await j(await post("/v1/chat/completions", { model: "m", messages: MSG, max_completion_tokens: 2 }));
    expect(b.usage.completion_tokens).toBe(2);
  });

  test("stream: role chunk, content deltas, finish chunk, usage chunk, [DONE]", async () => {
    const res = await post("/v1/chat/completions", { model: "m", messages: MSG, stream: true, stream_options: { include_usage: true } });
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    const ev = events(await res.text());
    expect(ev.at(-1)).toBe("[DONE]");
    const chunks = ev.slice(0, -1).map((e) => JSON.parse(e));
    for (const c of chunks) expect(c.object).toBe("chat.completion.chunk");
    expect(chunks[0].choices[0].delta.role).toBe("assistant");
    const content = chunks.flatMap((c) => c.choices.map((ch: { delta: { content?: string } }) => ch.delta.content ?? "")).join("");
    expect(content).toBe("The quick brown fox jumps over");
    const finish = chunks.find((c) => c.choices[0]?.finish_reason);
    expect(finish.choices[0].finish_reason).toBe("stop");
    const usage = chunks.at(-1);
    expect(usage.choices).toEqual([]);
    expect(usage.usage.completion_tokens).toBe(6);
  });

  test("stream without include_usage sends no usage chunk", async () => {
    const ev = events(await (await post("/v1/chat/completions", { model: "m", messages: MSG, stream: true })).text());
    expect(ev.some((e) => e.includes('"usage"'))).toBe(false);
    expect(ev.at(-1)).toBe("[DONE]");
  });
});

describe("mock: errors as the real API gives them", () => {
  test.each([
    ["malformed JSON", "{nope", 400, null],
    ["no messages", { model: "m" }, 400, "messages"],
    ["max_tokens 0", { model: "m", messages: MSG, max_tokens: 0 }, 400, "max_tokens"],
    ["max_tokens not a number", { model: "m", messages: MSG, max_tokens: "x" }, 400, "max_tokens"],
    ["a JSON array", "[]", 400, null],
  ])("%s → %p", async (_what, body, status, param) => {
    const res = await post("/v1/chat/completions", body);
    expect(res.status).toBe(status);
    const err = await j(res);
    expect(err.error.type).toBe("invalid_request_error");
    expect(typeof err.error.message).toBe("string");
    expect(err.error.param).toBe(param);
  });

  test("wrong method: 405 with Allow; unknown path: 404", async () => {
    const get = await fetch(`${base}/v1/chat/completions`);
    expect(get.status).toBe(405);
    expect(get.headers.get("allow")).toBe("POST");
    expect((await j(get)).error.message).toContain("GET");
    const missing = await post("/v1/nothing", {});
    expect(missing.status).toBe(404);
    expect((await j(missing)).error).toBeDefined();
  });

  test("models, health, and counters that match what was sent", async () => {
    const before = await j(await fetch(`${base}/__stats`));
    expect((await j(await fetch(`${base}/v1/models`))).object).toBe("list");
    expect(await (await fetch(`${base}/health`)).text()).toBe("ok\n");
    await post("/v1/chat/completions", { model: "m", messages: MSG });
    await (await post("/v1/chat/completions", { model: "m", messages: MSG, stream: true })).text();
    const after = await j(await fetch(`${base}/__stats`));
    expect(after.chat - before.chat).toBe(2);
    expect(after.streams_completed - before.streams_completed).toBe(1);
    expect(after.requests - before.requests).toBe(3); // /v1/models counts; /health and /__stats do not
    expect(after.in_flight).toBe(0);
  });
});

test("gatebench mock: Ctrl-C lets a stream in flight finish, then exits 0", async () => {
  await using proc = Bun.spawn(cliArgv(["mock", "--port", "0", "--ttft", "300ms", "--itl", "50ms", "--tokens", "10"]), {
    env: cliEnv(tag),
    cwd: ROOT,
    stdout: "pipe",
    stderr: "pipe",
    timeout: 30_000,
    killSignal: "SIGKILL",
  });
  let stderr = "";
  const pump = (async () => {
    const d = new TextDecoder();
    for await (const c of proc.stderr) stderr += d.decode(c, { stream: true });
  })();
  const port = await waitFor(() => /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(stderr)?.[1], 10_000, "the mock to listen");
  const res = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, { method: "POST", body: JSON.stringify({ model: "m", messages: MSG, stream: true }) });
  const text = res.text();
  proc.kill("SIGINT");
  expect(events(await text).at(-1)).toBe("[DONE]");
  expect(await proc.exited).toBe(0);
  await pump;
  expect(stderr).toContain("stopping: finishing 1 requests in flight");
}, 30_000);
