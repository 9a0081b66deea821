// The mock's errors in each API's own envelope and status: the injected
// faults (Anthropic's 503 is its 529 overloaded_error), requests that do not
// match the API they were sent to (how a run proves what a gateway sent
// upstream), and /__stats by_api, which counts both, merged across the
// processes of a group.
import { afterAll, describe, expect, test } from "bun:test";
import { APIS, type Api, apiPath } from "../../src/apis.ts";
import { MOCK_DEFAULTS, startMock } from "../../src/mock/server.ts";
import { STAT_APIS } from "../../src/mock/stats.ts";
import { CAN_SHARE_PORT } from "../../src/platform.ts";
import { API_HEADERS, type J, requestBody, send } from "./api-wire.ts";
import { killTagged, newTag, startCli, waitFor } from "./helpers.ts";

const tag = newTag();
const mock = startMock({ host: "127.0.0.1", port: 0, ...MOCK_DEFAULTS, latencyMs: 1, ttftMs: 2, itlMs: 1, tokens: 3, slowMs: 150, seed: 1 });
afterAll(() => {
  mock.server.stop(true);
  killTagged(tag);
});
const base = `http://127.0.0.1:${mock.server.port}`;

/** The error an answer carries, read through its API's envelope: the kind (type or status name) and the message. */
function envelope(api: Api, status: number, b: J): { kind: string; message: string; param?: string } {
  if (api === "chat" || api === "responses") return { kind: b.error.type, message: b.error.message, param: b.error.param };
  if (api === "messages") {
    expect(b.type).toBe("error");
    return { kind: b.error.type, message: b.error.message };
  }
  expect(b.error.code).toBe(status);
  return { kind: b.error.status, message: b.error.message };
}

const FAULTS: [Api, string, number, string][] = [
  ["chat", "429", 429, "requests"],
  ["responses", "429", 429, "requests"],
  ["responses", "500", 500, "server_error"],
  ["responses", "503", 503, "server_error"],
  ["messages", "429", 429, "rate_limit_error"],
  ["messages", "500", 500, "api_error"],
  ["messages", "503", 529, "overloaded_error"],
  ["gemini", "429", 429, "RESOURCE_EXHAUSTED"],
  ["gemini", "500", 500, "INTERNAL"],
  ["gemini", "503", 503, "UNAVAILABLE"],
];

describe("faults in each API's envelope", () => {
  test.each(FAULTS)("%s, x-mock-fault %s → %d %s, streamed or not", async (api, fault, status, kind) => {
    for (const stream of [false, true]) {
      const { res } = await send(base, api, stream, { headers: { "x-mock-fault": fault } });
      expect(res.status).toBe(status);
      // decided before the stream starts: a JSON error, not an event stream
      expect(res.headers.get("content-type")).toBe("application/json");
      if (status === 429) expect(res.headers.get("retry-after")).toBe("1");
      const e = envelope(api, status, await res.json());
      expect(e.kind).toBe(kind);
      expect(e.message).toContain("injected by gatebench mock");
    }
  });

  test("hang holds a Gemini request until the client gives up; slow holds a Messages stream's first byte", async () => {
    const t0 = performance.now();
    const hung = fetch(base + apiPath("gemini", "g", false), {
      method: "POST",
      headers: { ...API_HEADERS.gemini, "x-mock-fault": "hang" },
      body: JSON.stringify(requestBody("gemini", false)),
      signal: AbortSignal.timeout(200),
    });
    await expect(hung).rejects.toThrow();
    expect(performance.now() - t0).toBeGreaterThanOrEqual(190);
    await waitFor(() => mock.counters.snapshot().in_flight === 0, 5_000, "the hung request to be let go");
    const t1 = performance.now();
    const { res } = await send(base, "messages", true, { headers: { "x-mock-fault": "slow" } });
    expect(performance.now() - t1).toBeGreaterThanOrEqual(150);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("event: message_stop");
  });
});

type Malformed = [
  label: string,
  api: Api,
  status: number,
  kind: string,
  request: { path?: string; headers?: Record<string, string>; body: unknown; method?: string },
];
const CHAT_BODY = {
  model: "m",
  max_tokens: 9,
  messages: [
    { role: "system", content: "be brief" },
    { role: "user", content: "hi" },
  ],
  stream_options: {},
};
const MALFORMED: Malformed[] = [
  ["Responses: no input", "responses", 400, "invalid_request_error", { body: { model: "m" } }],
  ["Responses: a chat body", "responses", 400, "invalid_request_error", { body: { model: "m", messages: [{ role: "user", content: "hi" }] } }],
  [
    "Responses: a chat content part",
    "responses",
    400,
    "invalid_request_error",
    { body: { input: [{ role: "user", content: [{ type: "text", text: "hi" }] }] } },
  ],
  ["Responses: max_output_tokens 0", "responses", 400, "invalid_request_error", { body: { input: "hi", max_output_tokens: 0 } }],
  ["Responses: not JSON", "responses", 400, "invalid_request_error", { body: "{nope" }],
  ["Messages: no anthropic-version", "messages", 400, "invalid_request_error", { headers: { "x-api-key": "k" }, body: requestBody("messages", false) }],
  ["Messages: no key", "messages", 401, "authentication_error", { headers: { "anthropic-version": "2023-06-01" }, body: requestBody("messages", false) }],
  ["Messages: no max_tokens", "messages", 400, "invalid_request_error", { body: { model: "m", messages: [{ role: "user", content: "hi" }] } }],
  ["Messages: no messages", "messages", 400, "invalid_request_error", { body: { model: "m", max_tokens: 9 } }],
  ["Messages: no model", "messages", 400, "invalid_request_error", { body: { max_tokens: 9, messages: [{ role: "user", content: "hi" }] } }],
  ["Messages: a chat body (a system turn)", "messages", 400, "invalid_request_error", { body: { ...CHAT_BODY, stream_options: undefined } }],
  ["Messages: a chat body (stream_options)", "messages", 400, "invalid_request_error", { body: CHAT_BODY }],
  ["Messages: GET", "messages", 405, "invalid_request_error", { method: "GET", body: undefined }],
  ["Gemini: no contents", "gemini", 400, "INVALID_ARGUMENT", { body: { generationConfig: {} } }],
  [
    "Gemini: a chat body",
    "gemini",
    400,
    "INVALID_ARGUMENT",
    { body: { messages: [{ role: "user", content: "hi" }], contents: [{ parts: [{ text: "hi" }] }] } },
  ],
  ["Gemini: empty parts", "gemini", 400, "INVALID_ARGUMENT", { body: { contents: [{ role: "user", parts: [] }] } }],
  ["Gemini: the assistant role", "gemini", 400, "INVALID_ARGUMENT", { body: { contents: [{ role: "assistant", parts: [{ text: "hi" }] }] } }],
  [
    "Gemini: maxOutputTokens 0",
    "gemini",
    400,
    "INVALID_ARGUMENT",
    { body: { contents: [{ parts: [{ text: "hi" }] }], generationConfig: { maxOutputTokens: 0 } } },
  ],
  ["Gemini: no key", "gemini", 403, "PERMISSION_DENIED", { headers: { "x-goog-api-key": "" }, body: requestBody("gemini", false) }],
  [
    "Gemini: a stream without alt=sse",
    "gemini",
    400,
    "INVALID_ARGUMENT",
    { path: "/v1beta/models/g:streamGenerateContent", body: requestBody("gemini", true) },
  ],
];

/** Sends a malformed request: the API's own headers unless the row replaces them (an empty value drops one). */
function sendRaw(api: Api, r: Malformed[4]): Promise<Response> {
  const headers: Record<string, string> = { ...(r.headers ?? API_HEADERS[api]) };
  for (const [k, v] of Object.entries(headers)) if (v === "") delete headers[k];
  const body = r.body === undefined ? undefined : typeof r.body === "string" ? r.body : JSON.stringify(r.body);
  return fetch(base + (r.path ?? apiPath(api, "g", false)), { method: r.method ?? "POST", headers, body });
}

describe("requests that do not match their API: its 400 (401, 403) envelope, counted as rejected", () => {
  test.each(MALFORMED)("%s → %d %s", async (_label, api, status, kind, r) => {
    const before = mock.counters.snapshot().by_api[api]!;
    const res = await sendRaw(api, r);
    expect(res.status).toBe(api === "gemini" && status === 405 ? 404 : status);
    const e = envelope(api, res.status, await res.json());
    expect(e.kind).toBe(kind);
    expect(e.message.length).toBeGreaterThan(10);
    const after = mock.counters.snapshot().by_api[api]!;
    expect([after.requests - before.requests, after.rejected - before.rejected]).toEqual([1, 1]);
  });

  test.each(APIS)("%s: a bad x-mock-* header is the API's 400 too, but not a rejected request", async (api) => {
    const before = mock.counters.snapshot().by_api[api]!;
    const { res } = await send(base, api, false, { headers: { "x-mock-latency-ms": "soon" } });
    expect(res.status).toBe(400);
    expect(envelope(api, 400, await res.json()).message).toContain("x-mock-latency-ms");
    const after = mock.counters.snapshot().by_api[api]!;
    expect([after.requests - before.requests, after.rejected - before.rejected]).toEqual([1, 0]);
  });

  test("a Gemini method the mock has not: Google's 404, not counted", async () => {
    const before = mock.counters.snapshot().by_api.gemini!;
    const res = await fetch(`${base}/v1beta/models/g:countTokens`, { method: "POST", headers: API_HEADERS.gemini, body: "{}" });
    expect(res.status).toBe(404);
    expect(envelope("gemini", 404, await res.json()).kind).toBe("NOT_FOUND");
    expect(mock.counters.snapshot().by_api.gemini).toEqual(before);
  });
});

/** Sends `n` requests of each API (one streamed, one malformed among them), over connections of their own; returns what by_api should say. */
async function mix(at: string, n: number): Promise<Record<string, { requests: number; rejected: number }>> {
  const want: Record<string, { requests: number; rejected: number }> = Object.fromEntries(STAT_APIS.map((a) => [a, { requests: 0, rejected: 0 }]));
  const close = { connection: "close" };
  for (const api of APIS) {
    for (let i = 0; i < n; i++) await (await send(at, api, i === 1, { headers: close })).res.text();
    await (await fetch(at + apiPath(api, "g", false), { method: "POST", headers: { ...API_HEADERS[api], ...close }, body: "[]" })).text();
    want[api] = { requests: n + 1, rejected: 1 };
  }
  await (await fetch(`${at}/v1/completions`, { method: "POST", headers: close, body: JSON.stringify({ model: "m", prompt: "hi" }) })).text();
  await (await fetch(`${at}/v1/embeddings`, { method: "POST", headers: close, body: JSON.stringify({ model: "m" }) })).text();
  await (await fetch(`${at}/v1/models`, { headers: close })).text(); // not an API /__stats counts
  want.completions = { requests: 1, rejected: 0 };
  want.embeddings = { requests: 1, rejected: 1 };
  return want;
}

describe("/__stats by_api", () => {
  test("every API by name, zeros included: requests received and rejected, exactly; /__reset clears them", async () => {
    const m = startMock({ host: "127.0.0.1", port: 0, ...MOCK_DEFAULTS, latencyMs: 0, ttftMs: 0, itlMs: 0, tokens: 2, seed: 1 });
    try {
      const at = `http://127.0.0.1:${m.server.port}`;
      const want = await mix(at, 3);
      const st: J = await (await fetch(`${at}/__stats`)).json();
      expect(st.by_api).toEqual(want);
      expect(Object.keys(st.by_api)).toEqual([...STAT_APIS]);
      await fetch(`${at}/__reset`, { method: "POST" });
      const zero: J = await (await fetch(`${at}/__stats`)).json();
      expect(Object.values(zero.by_api)).toEqual(STAT_APIS.map(() => ({ requests: 0, rejected: 0 })));
    } finally {
      m.server.stop(true);
    }
  });

  test.skipIf(!CAN_SHARE_PORT)(
    "two processes on one port: by_api adds up across them",
    async () => {
      await using run = startCli(["mock", "--port", "0", "--procs", "2", "--latency", "0", "--ttft", "0", "--itl", "0", "--tokens", "2"], {
        tag,
        timeoutMs: 60_000,
      });
      const port = await waitFor(() => /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(run.out.stderr)?.[1], 15_000, "the mock's two processes to listen");
      const at = `http://127.0.0.1:${port}`;
      const want = await mix(at, 6);
      const st: J = await (await fetch(`${at}/__stats`, { headers: { connection: "close" } })).json();
      expect(st.processes).toHaveLength(2);
      for (const p of st.processes) expect(p.requests).toBeGreaterThan(0); // connections of their own: both processes had some
      expect(st.by_api).toEqual(want);
      run.proc.kill("SIGINT");
      expect(await run.proc.exited).toBe(0);
    },
    60_000,
  );
});
