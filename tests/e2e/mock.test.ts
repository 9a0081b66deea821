// The mock upstream over real HTTP: OpenAI's shapes, its error answers,
// its counters, and a graceful stop.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { MOCK_DEFAULTS, startMock } from "../../src/mock/server.ts";
import { CAN_SHARE_PORT } from "../../src/platform.ts";
import { killTagged, newTag, startCli, waitFor } from "./helpers.ts";

const tag = newTag();
afterAll(() => killTagged(tag));

/** The mock under test: one process (in this one), or two sharing a port (gatebench mock --procs 2; Linux). */
let base = "";
const SHAPES = CAN_SHARE_PORT ? (["one process", "two processes"] as const) : (["one process"] as const);
const OPTIONS = { latencyMs: 1, ttftMs: 5, itlMs: 2, tokens: 6, seed: 1 };

async function startShape(shape: (typeof SHAPES)[number]): Promise<() => void> {
  if (shape === "one process") {
    const mock = startMock({ host: "127.0.0.1", port: 0, ...MOCK_DEFAULTS, ...OPTIONS });
    base = `http://127.0.0.1:${mock.server.port}`;
    return () => void mock.server.stop(true);
  }
  const flags = ["--latency", "1ms", "--ttft", "5ms", "--itl", "2ms", "--tokens", "6", "--seed", "1"];
  const run = startCli(["mock", "--port", "0", "--procs", "2", ...flags], { tag, timeoutMs: 60_000 });
  const port = await waitFor(() => /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(run.out.stderr)?.[1], 15_000, "the mock's two processes to listen");
  base = `http://127.0.0.1:${port}`;
  return () => run.proc.kill("SIGINT");
}

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

describe.each(SHAPES)("the mock as %s", (shape) => {
  let stop: () => void = () => {};
  beforeAll(async () => {
    stop = await startShape(shape);
  });
  afterAll(() => stop());

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
      const chat = (x: J) => x.by_path["/v1/chat/completions"]?.["200"] ?? 0;
      expect(chat(after) - chat(before)).toBe(2);
      expect(after.streams_completed - before.streams_completed).toBe(1);
      expect(after.requests - before.requests).toBe(3); // /v1/models counts; /health and /__stats do not
      expect(after.in_flight).toBe(0);
      expect(after.bytes_in).toBeGreaterThan(before.bytes_in);
      expect(after.bytes_out).toBeGreaterThan(before.bytes_out);
    });
  });

  describe("mock: legacy completions and embeddings", () => {
    test("completions: text_completion, unary and streamed, with and without /v1", async () => {
      const u = await j(await post("/completions", { model: "m", prompt: "Say hi", max_tokens: 2 }));
      expect(u.object).toBe("text_completion");
      expect(u.choices[0].text).toBe("The quick");
      expect(u.choices[0].finish_reason).toBe("length");
      const ev = events(await (await post("/v1/completions", { model: "m", prompt: "Say hi", stream: true, stream_options: { include_usage: true } })).text());
      expect(ev.at(-1)).toBe("[DONE]");
      const chunks = ev.slice(0, -1).map((e) => JSON.parse(e));
      expect(chunks.map((c) => c.choices[0]?.text ?? "").join("")).toBe("The quick brown fox jumps over");
      expect(chunks.at(-1).usage.completion_tokens).toBe(6);
      const bad = await post("/v1/completions", { model: "m" });
      expect(bad.status).toBe(400);
      expect((await j(bad)).error.param).toBe("prompt");
    });

    test("embeddings: one unit vector of the configured dimension per input", async () => {
      const e = await j(await post("/v1/embeddings", { model: "emb", input: ["a", "b", "c"] }));
      expect(e.object).toBe("list");
      expect(e.data).toHaveLength(3);
      expect(e.data[2].index).toBe(2);
      expect(e.data[0].embedding).toHaveLength(MOCK_DEFAULTS.embeddingDim);
      const norm = Math.sqrt(e.data[0].embedding.reduce((a: number, x: number) => a + x * x, 0));
      expect(norm).toBeCloseTo(1, 3);
      expect(e.usage.prompt_tokens).toBeGreaterThan(0);
      expect((await post("/v1/embeddings", { model: "emb" })).status).toBe(400);
    });
  });

  describe("mock: per-request overrides, timing headers, faults", () => {
    const chat = (headers: Record<string, string>, extra: Record<string, unknown> = {}) =>
      fetch(`${base}/v1/chat/completions`, { method: "POST", headers, body: JSON.stringify({ model: "m", messages: MSG, ...extra }) });

    test("x-mock-latency-ms and x-mock-tokens override the options for one request", async () => {
      const t0 = performance.now();
      const res = await chat({ "x-mock-latency-ms": "120", "x-mock-tokens": "4" });
      const body = await j(res);
      expect(performance.now() - t0).toBeGreaterThanOrEqual(120);
      expect(body.usage.completion_tokens).toBe(4);
      const bad = await chat({ "x-mock-latency-ms": "soon" });
      expect(bad.status).toBe(400);
      expect((await j(bad)).error.message).toContain("x-mock-latency-ms");
    });

    test("timing headers: arrival and answer in epoch µs, the stream's last event in a comment", async () => {
      const before = Math.floor((performance.timeOrigin + performance.now()) * 1000);
      const res = await chat({ "x-mock-latency-ms": "30" });
      await res.text();
      const after = Math.ceil((performance.timeOrigin + performance.now()) * 1000);
      const got = Number(res.headers.get("x-mock-received-us"));
      const sent = Number(res.headers.get("x-mock-sent-us"));
      expect(got).toBeGreaterThanOrEqual(before - 1000);
      expect(sent - got).toBeGreaterThanOrEqual(30_000);
      expect(sent).toBeLessThanOrEqual(after + 1000);
      const s = await (await chat({}, { stream: true })).text();
      const last = Number(/: x-mock-last-event-us=(\d+)\n\ndata: \[DONE\]/.exec(s)?.[1]);
      expect(last).toBeGreaterThan(got);
    });

    test.each([
      ["429", 429],
      ["500", 500],
      ["503", 503],
    ])("x-mock-fault: %s is answered with that status and an OpenAI error", async (fault, status) => {
      const res = await chat({ "x-mock-fault": fault });
      expect(res.status).toBe(status);
      if (status === 429) expect(res.headers.get("retry-after")).toBe("1");
      expect((await j(res)).error.message).toContain("injected by gatebench mock");
    });

    test("x-mock-fault: cut closes a stream before [DONE], and a unary body half-way", async () => {
      const res = await chat({ "x-mock-fault": "cut" }, { stream: true });
      expect(res.status).toBe(200);
      let text = "";
      const err = await (async () => {
        try {
          for await (const c of res.body!) text += new TextDecoder().decode(c);
        } catch (e) {
          return e as { code?: string };
        }
      })();
      expect(err?.code).toBe("ECONNRESET");
      expect(text).toContain('"content"');
      expect(text).not.toContain("[DONE]");
      await expect(chat({ "x-mock-fault": "cut" }).then((r) => r.text())).rejects.toThrow();
    });

    test("x-mock-fault: hang answers nothing until the client gives up", async () => {
      const t0 = performance.now();
      await expect(
        fetch(`${base}/v1/chat/completions`, {
          method: "POST",
          headers: { "x-mock-fault": "hang" },
          body: JSON.stringify({ model: "m", messages: MSG }),
          signal: AbortSignal.timeout(300),
        }),
      ).rejects.toThrow();
      expect(performance.now() - t0).toBeGreaterThanOrEqual(290);
      await waitFor(async () => (await j(await fetch(`${base}/__stats`))).in_flight === 0, 5_000, "the hung request to be let go");
    });

    test("x-mock-fault: slow holds the first byte back, then answers normally", async () => {
      const slow = startMock({ host: "127.0.0.1", port: 0, ...MOCK_DEFAULTS, latencyMs: 0, slowMs: 150, seed: 1 });
      try {
        const t0 = performance.now();
        const res = await fetch(`http://127.0.0.1:${slow.server.port}/v1/chat/completions`, {
          method: "POST",
          headers: { "x-mock-fault": "slow" },
          body: JSON.stringify({ model: "m", messages: MSG }),
        });
        expect(performance.now() - t0).toBeGreaterThanOrEqual(150);
        expect(res.status).toBe(200);
        expect(slow.counters.snapshot().faults).toEqual({ slow: 1 });
      } finally {
        slow.server.stop(true);
      }
    });

    test("fault rates from a seed: the same seed gives the same sequence of answers", async () => {
      const statuses = async (seed: number) => {
        const m = startMock({ host: "127.0.0.1", port: 0, ...MOCK_DEFAULTS, latencyMs: 0, faults: { "429": 0.3, "503": 0.2 }, seed });
        try {
          const out: number[] = [];
          for (let i = 0; i < 40; i++) {
            const r = await fetch(`http://127.0.0.1:${m.server.port}/v1/chat/completions`, {
              method: "POST",
              body: JSON.stringify({ model: "m", messages: MSG }),
            });
            await r.text();
            out.push(r.status);
          }
          const st = m.counters.snapshot();
          expect(st.by_path["/v1/chat/completions"]!["429"] ?? 0).toBe(out.filter((s) => s === 429).length);
          expect(st.faults["429"] ?? 0).toBe(out.filter((s) => s === 429).length);
          return out;
        } finally {
          m.server.stop(true);
        }
      };
      const a = await statuses(11);
      expect(await statuses(11)).toEqual(a);
      expect(new Set(a)).toEqual(new Set([200, 429, 503]));
    });

    test("connections are counted; /__reset clears the counts", async () => {
      await chat({});
      const st = await j(await fetch(`${base}/__stats`));
      expect(st.connections).toBeGreaterThanOrEqual(1);
      expect(st.connections).toBeLessThan(st.requests);
      expect((await j(await post("/__reset", {}))).reset).toBe(true);
      const after = await j(await fetch(`${base}/__stats`));
      expect(after.requests).toBe(0);
      expect(after.by_path).toEqual({});
    });
  });
});

test("gatebench mock: Ctrl-C lets a stream in flight finish, then exits 0", async () => {
  await using run = startCli(["mock", "--port", "0", "--ttft", "300ms", "--itl", "50ms", "--tokens", "10"], { tag, timeoutMs: 30_000 });
  const proc = run.proc;
  const port = await waitFor(() => /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(run.out.stderr)?.[1], 10_000, "the mock to listen");
  const res = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
    method: "POST",
    body: JSON.stringify({ model: "m", messages: MSG, stream: true }),
  });
  const text = res.text();
  proc.kill("SIGINT");
  expect(events(await text).at(-1)).toBe("[DONE]");
  expect(await proc.exited).toBe(0);
  await run.pumped;
  expect(run.out.stderr).toContain("stopping: finishing 1 requests in flight");
}, 30_000);
