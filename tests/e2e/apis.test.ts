// --api end to end: the CLI loads a ground-truth server of each API
// (api-server.ts: a known first-token time, gap, token count and unary
// latency) with each client, and the report must say what the server did;
// the server checks what it was sent (path, auth header, body). Answers in
// another API's shape are wrong_shape; a Gemini stream with no finishReason
// is incomplete; a bad --api is refused.
import { afterAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { API_TITLES, APIS, type Api } from "../../src/apis.ts";
import { CLIENT_KINDS } from "../../src/load/client.ts";
import { apiServer, type Plan } from "./api-server.ts";
import { cli, processesWithTag, scratch } from "./helpers.ts";

const space = scratch("gatebench-apis-");
const stops: (() => void)[] = [];
afterAll(() => {
  for (const stop of stops.splice(0)) stop();
});

/** Six content events, 40 ms to the first and 15 ms apart, reported as 12 tokens (two per event: the usage is read, not the events counted); unary answers after 25 ms. */
const PLAN: Plan = { ttftMs: 40, itlMs: 15, texts: ["Gate", "ways", " route", " every", " call", "."], tokens: 12, latencyMs: 25 };
const STREAMS = 10;

function serve(api: Api, plan: Partial<Plan> = {}) {
  const s = apiServer(api, { ...PLAN, ...plan });
  stops.push(s.stop);
  return s;
}

// biome-ignore lint: the JSON result is checked field by field
type Doc = any;

/** `gatebench run --no-mock ARGS --json FILE`: its exit, output and result; nothing of it left running. */
async function run(name: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string; doc: Doc }> {
  const tag = space.tagged();
  const json = join(space.dir, `${name}.json`);
  const r = await cli(["run", "--no-mock", "--idle", "0s", "--json", json, ...args], { tag });
  let doc: Doc;
  try {
    doc = JSON.parse(readFileSync(json, "utf8"));
  } catch {
    doc = undefined;
  }
  expect(processesWithTag(tag)).toEqual([]);
  return { ...r, doc };
}

/** What a request of `api` must carry: its path, its auth header (no other API's), its body's fields. */
function expectSent(api: Api, seen: ReturnType<typeof serve>["seen"], stream: boolean, model: string, maxTokens: number | undefined): void {
  const prompt = "Write one sentence about gateways.";
  for (const s of seen) {
    const auth = {
      authorization: s.headers.authorization,
      key: s.headers["x-api-key"],
      version: s.headers["anthropic-version"],
      goog: s.headers["x-goog-api-key"],
    };
    switch (api) {
      case "chat":
      case "responses":
        expect(s.path).toBe(api === "chat" ? "/v1/chat/completions" : "/v1/responses");
        expect(auth).toEqual({ authorization: "Bearer gatebench", key: undefined, version: undefined, goog: undefined });
        break;
      case "messages":
        expect(s.path).toBe("/v1/messages");
        expect(auth).toEqual({ authorization: undefined, key: "gatebench", version: "2023-06-01", goog: undefined });
        break;
      case "gemini":
        expect(s.path).toBe(`/v1beta/models/${model}:${stream ? "streamGenerateContent?alt=sse" : "generateContent"}`);
        expect(auth).toEqual({ authorization: undefined, key: undefined, version: undefined, goog: "gatebench" });
        break;
    }
    const want: Record<Api, Record<string, unknown>> = {
      chat: {
        model,
        messages: [{ role: "user", content: prompt }],
        ...(maxTokens ? { max_tokens: maxTokens } : {}),
        ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
      },
      responses: { model, input: prompt, ...(maxTokens ? { max_output_tokens: maxTokens } : {}), ...(stream ? { stream: true } : {}) },
      messages: { model, max_tokens: maxTokens ?? 256, messages: [{ role: "user", content: prompt }], ...(stream ? { stream: true } : {}) },
      gemini: { contents: [{ role: "user", parts: [{ text: prompt }] }], ...(maxTokens ? { generationConfig: { maxOutputTokens: maxTokens } } : {}) },
    };
    expect(s.body).toEqual(want[api]);
  }
}

// the timing is the test: one run at a time, so that no other run's CPU lands in the figures
describe("each API, each client: the figures are the server's", () => {
  for (const api of APIS) {
    for (const client of CLIENT_KINDS) {
      test(`${api}, --client ${client}: streamed TTFT, ITL, TPOT and output tokens; unary latency; what was sent`, async () => {
        const srv = serve(api);
        const base = ["--target", srv.url, "--api", api, "--client", client, "--rate", "20", "--duration", "500ms"];
        const streamed = await run(`${api}-${client}-stream`, [...base, "--stream"]);
        expect(streamed.code).toBe(0);
        expect(streamed.stdout).toContain(`api       ${api} (${API_TITLES[api]})`);
        expect(streamed.doc.config.api).toBe(api);
        const s = streamed.doc.summary;
        expect(s.requests).toMatchObject({ total: STREAMS, ok: STREAMS, failed: 0 });
        expect(s.errors).toEqual({});
        expect(s.output_tokens.total).toBe(STREAMS * PLAN.tokens);
        expect(s.ttft_ms.min).toBeGreaterThanOrEqual(PLAN.ttftMs);
        expect(s.ttft_ms.p50).toBeLessThan(PLAN.ttftMs + 10);
        expect(s.itl_ms.count).toBe(STREAMS * (PLAN.texts.length - 1));
        expect(s.itl_ms.p50).toBeGreaterThan(PLAN.itlMs - 5);
        expect(s.itl_ms.p50).toBeLessThan(PLAN.itlMs + 5);
        // (last content − first) ÷ (tokens − 1): 5 gaps of 15 ms over 11
        const tpot = ((PLAN.texts.length - 1) * PLAN.itlMs) / (PLAN.tokens - 1);
        expect(s.tpot_ms.p50).toBeGreaterThan(tpot - 3);
        expect(s.tpot_ms.p50).toBeLessThan(tpot + 3);
        expect(s.latency_ms.min).toBeGreaterThanOrEqual(PLAN.ttftMs + (PLAN.texts.length - 1) * PLAN.itlMs);
        expectSent(api, srv.seen, true, "gpt-4o-mini", undefined);

        const before = srv.seen.length;
        const unary = await run(`${api}-${client}-unary`, [...base, "--model", "m1", "--max-tokens", "50"]);
        expect(unary.code).toBe(0);
        const u = unary.doc.summary;
        expect(u.requests).toMatchObject({ total: 10, ok: 10 });
        expect(u.latency_ms.min).toBeGreaterThanOrEqual(PLAN.latencyMs);
        expect(u.latency_ms.p50).toBeLessThan(PLAN.latencyMs + 8);
        expectSent(api, srv.seen.slice(before), false, "m1", 50);
      }, 60_000);
    }
  }
});

describe.concurrent("answers the run cannot count as successes", () => {
  test("chat chunks to a --api messages run: wrong_shape, named in the report, the JSON and the HTML; no request succeeded, exit 3", async () => {
    const srv = serve("messages", { answerAs: "chat" });
    const html = join(space.dir, "wrong.html");
    const r = await run("wrong-stream", ["--target", srv.url, "--api", "messages", "--stream", "-c", "2", "-n", "6", "--html", html]);
    expect(r.code).toBe(3);
    expect(srv.seen.length).toBe(6);
    expect(r.doc.summary.errors).toEqual({ wrong_shape: 6 });
    expect(r.doc.summary.status_codes).toEqual({ "200": 6 });
    const sample = r.doc.summary.error_samples.wrong_shape;
    expect(sample).toStartWith('OpenAI Chat Completions chunks ("object":"chat.completion.chunk") where Anthropic Messages was asked for');
    expect(r.stdout).toContain("wrong_shape: 6 (first: OpenAI Chat Completions chunks");
    expect(r.stderr).toContain("no request succeeded (200 × 6, wrong_shape × 6); first error: OpenAI Chat Completions chunks");
    expect(readFileSync(html, "utf8")).toContain("wrong_shape: 6");
    // nothing of another API's stream is counted as this one's
    expect(r.doc.summary.itl_ms).toBeUndefined();
  }, 60_000);

  test("unary: every other answer a Responses one to a chat run: counted apart, a gate on them fails (exit 1), without one the run passes", async () => {
    const srv = serve("chat", { answerAs: (n) => (n % 2 === 0 ? "chat" : "responses") });
    const gated = await run("wrong-unary", ["--target", srv.url, "--path", "/v1/chat/completions", "-c", "1", "-n", "8", "--slo", "errors.wrong_shape == 0"]);
    expect(gated.code).toBe(1);
    expect(gated.doc.summary.requests).toMatchObject({ total: 8, ok: 4, failed: 4 });
    expect(gated.doc.summary.errors).toEqual({ wrong_shape: 4 });
    expect(gated.doc.summary.error_samples.wrong_shape).toStartWith('an OpenAI Responses answer ("object":"response") where OpenAI Chat Completions');
    expect(gated.doc.summary.slo).toMatchObject([{ expr: "errors.wrong_shape == 0", pass: false, value: 4 }]);
    const plain = await run("wrong-unary-plain", ["--target", srv.url, "--path", "/v1/chat/completions", "-c", "1", "-n", "8"]);
    expect(plain.code).toBe(0);
    expect(plain.doc.summary.errors).toEqual({ wrong_shape: 4 });
  }, 60_000);

  test("a chat run on a path that is no chat endpoint judges no shape: any JSON is an answer", async () => {
    const srv = serve("chat", { answerAs: "messages" });
    const r = await run("no-judge", ["--target", `${srv.url}/v1/other`, "-c", "1", "-n", "3"]);
    expect(r.code).toBe(0);
    expect(r.doc.summary.requests.ok).toBe(3);
  }, 60_000);

  test("a Gemini stream with no finishReason is stream_incomplete; a Responses stream that ends in response.failed too, with the event", async () => {
    const cut = serve("gemini", { end: false });
    const g = await run("gemini-cut", ["--target", cut.url, "--api", "gemini", "--stream", "-c", "1", "-n", "3"]);
    expect(g.code).toBe(3);
    expect(g.doc.summary.errors).toEqual({ stream_incomplete: 3 });
    expect(g.doc.summary.error_samples.stream_incomplete).toBe("the stream ended without a chunk with a finishReason");
    // the gaps of streams that failed are still data (a stall shows even in a cut stream)
    expect(g.doc.summary.itl_ms.count).toBe(3 * (PLAN.texts.length - 1));

    const failed = 'event: response.failed\ndata: {"type":"response.failed","response":{"status":"failed","error":{"code":"server_error"}}}\n\n';
    const f = serve("responses", { endEvent: failed });
    const r = await run("responses-failed", ["--target", f.url, "--api", "responses", "--stream", "-c", "1", "-n", "3", "--client", "fetch"]);
    expect(r.code).toBe(3);
    expect(r.doc.summary.errors).toEqual({ stream_incomplete: 3 });
    expect(r.doc.summary.error_samples.stream_incomplete).toStartWith('the stream ended in response.failed: {"type":"response.failed"');
  }, 60_000);

  test("--api with a name it does not know: one line with the names, exit 2, nothing sent", async () => {
    const srv = serve("messages");
    for (const [value, hint] of [
      ["claude", ""],
      ["message", " (did you mean messages?)"],
    ] as const) {
      const r = await run(`bad-api-${value}`, ["--target", srv.url, "--api", value]);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split("\n")).toEqual([
        expect.stringContaining(`--api "${value}": expected chat, responses, messages or gemini${hint}, e.g. --api messages for Anthropic Messages`),
      ]);
    }
    expect(srv.seen).toEqual([]);
  }, 60_000);
});
