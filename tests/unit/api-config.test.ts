// --api from the command line to what is sent, without a process: the
// default path, the URL built from a --target, the baseline's URL on the
// mock, the headers, generated bodies and the prompts of a JSONL file in
// each API's shape.
import { describe, expect, test } from "bun:test";
import { parseArgs } from "citty";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Api } from "../../src/apis.ts";
import { normalizeArgv } from "../../src/cli/argv.ts";
import { runConfigFrom } from "../../src/cli/run/config.ts";
import { runArgs, type RunArgValues } from "../../src/cli/run/flags.ts";
import { settingDifferences } from "../../src/report/compare.ts";
import { textReport } from "../../src/report/text.ts";
import { directUrl, targetUrl } from "../../src/run/start.ts";
import { promptBodies, requestBodies, requestHeaders } from "../../src/run/workload.ts";
import { smallResult } from "./result-fixture.ts";

function configOf(args: string[]) {
  const raw = normalizeArgv(args, runArgs, "gatebench run");
  return runConfigFrom(parseArgs(raw, runArgs) as unknown as RunArgValues, raw);
}

const T = ["--target", "http://127.0.0.1:1"];
const bodyOf = async (args: string[]) => JSON.parse(new TextDecoder().decode((await requestBodies(configOf([...T, ...args])))[0]));

describe("--api: the path", () => {
  test.each([
    [[], "chat", "/v1/chat/completions"],
    [["--api", "responses"], "responses", "/v1/responses"],
    [["--api", "messages", "--stream"], "messages", "/v1/messages"],
    [["--api", "gemini"], "gemini", "/v1beta/models/gpt-4o-mini:generateContent"],
    [["--api", "gemini", "--stream", "--model", "gemini-2.5-flash"], "gemini", "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse"],
    [["--api", "messages", "--path", "/anthropic/v1/messages"], "messages", "/anthropic/v1/messages"],
  ])("%p → %s at %s", (args, api, path) => {
    const cfg = configOf([...T, ...(args as string[])]);
    expect(cfg.api).toBe(api as Api);
    expect(cfg.path).toBe(path);
  });

  test("a --target's base gets the API's path; Gemini's query joins the target's", () => {
    const url = (target: string, args: string[]) => {
      const cfg = configOf(["--target", target, ...args]);
      return targetUrl(cfg, false, 0);
    };
    expect(url("http://h:4000", ["--api", "messages"])).toBe("http://h:4000/v1/messages");
    expect(url("http://h:4000/v1", ["--api", "responses"])).toBe("http://h:4000/v1/responses");
    expect(url("http://h:4000/v1beta", ["--api", "gemini", "--stream", "--model", "g"])).toBe("http://h:4000/v1beta/models/g:streamGenerateContent?alt=sse");
    expect(url("http://h:4000/?key=k", ["--api", "gemini", "--stream", "--model", "g"])).toBe(
      "http://h:4000/v1beta/models/g:streamGenerateContent?alt=sse&key=k",
    );
  });

  test("the baseline goes to the mock's path of the same API, the chat baseline as before", () => {
    const gw = "http://127.0.0.1:8081/gw/v1beta/models/g:streamGenerateContent?alt=sse";
    expect(directUrl(gw, "127.0.0.1", 9, { api: "gemini", model: "g", stream: true })).toBe("http://127.0.0.1:9/v1beta/models/g:streamGenerateContent?alt=sse");
    expect(directUrl("http://x/anthropic/v1/messages", "127.0.0.1", 9, { api: "messages", model: "m", stream: false })).toBe("http://127.0.0.1:9/v1/messages");
    expect(directUrl("http://x/openai/v1/chat/completions", "127.0.0.1", 9, { api: "chat", model: "m", stream: false })).toBe(
      "http://127.0.0.1:9/v1/chat/completions",
    );
  });
});

describe("--api: headers and bodies", () => {
  test("each API's placeholder key; -H replaces it", () => {
    const h = (args: string[]) => requestHeaders(configOf([...T, ...args]));
    expect(h([])).toEqual({ "content-type": "application/json", authorization: "Bearer gatebench" });
    expect(h(["--api", "responses"])).toEqual({ "content-type": "application/json", authorization: "Bearer gatebench" });
    expect(h(["--api", "messages"])).toEqual({ "content-type": "application/json", "x-api-key": "gatebench", "anthropic-version": "2023-06-01" });
    expect(h(["--api", "gemini", "-H", "X-Goog-Api-Key: real"])).toEqual({ "content-type": "application/json", "x-goog-api-key": "real" });
  });

  test("generated bodies, with --max-tokens and --stream in the API's own fields", async () => {
    const p = "Write one sentence about gateways.";
    expect(await bodyOf(["--api", "responses", "--max-tokens", "9", "--stream"])).toEqual({
      model: "gpt-4o-mini",
      input: p,
      max_output_tokens: 9,
      stream: true,
    });
    expect(await bodyOf(["--api", "messages"])).toEqual({ model: "gpt-4o-mini", max_tokens: 256, messages: [{ role: "user", content: p }] });
    expect(await bodyOf(["--api", "messages", "--max-tokens", "9", "--stream"])).toEqual({
      model: "gpt-4o-mini",
      max_tokens: 9,
      messages: [{ role: "user", content: p }],
      stream: true,
    });
    expect(await bodyOf(["--api", "gemini", "--max-tokens", "9", "--stream", "--model", "g"])).toEqual({
      contents: [{ role: "user", parts: [{ text: p }] }],
      generationConfig: { maxOutputTokens: 9 },
    });
    const words = (await bodyOf(["--api", "gemini", "--prompt-tokens", "40"])).contents[0].parts[0].text.split(" ");
    expect(words.length).toBe(40);
  });

  test("a user's body gets the flags in its API's fields, its own fields kept", async () => {
    const b = await bodyOf(["--api", "gemini", "-d", '{"contents":[],"generationConfig":{"temperature":0}}', "--max-tokens", "5"]);
    expect(b).toEqual({ contents: [], generationConfig: { temperature: 0, maxOutputTokens: 5 } });
  });

  test("a user's body that is not its API's is refused; Anthropic's required max_tokens is added when neither the body nor --max-tokens gives it", async () => {
    await expect(bodyOf(["--api", "responses", "-d", '{"model":"x","messages":[]}'])).rejects.toThrow(
      /^--body is not a request body of OpenAI Responses: it has no "input" \(a chat body\? Responses takes "input"\)/,
    );
    await expect(bodyOf(["--api", "messages", "-d", '{"model":"x","input":"hi"}'])).rejects.toThrow(/it has no "messages"/);
    expect(await bodyOf(["--api", "messages", "-d", '{"model":"x","messages":[]}'])).toEqual({ model: "x", messages: [], max_tokens: 256 });
    expect(await bodyOf(["--api", "messages", "-d", '{"model":"x","max_tokens":9,"messages":[]}'])).toEqual({ model: "x", max_tokens: 9, messages: [] });
  });

  test("--prompts: strings and {prompt} become the API's bodies; a line that is already one is sent as it is; another API's is refused", () => {
    const dir = mkdtempSync(join(tmpdir(), "gatebench-api-prompts-"));
    try {
      const file = join(dir, "p.jsonl");
      writeFileSync(file, "");
      const lines = ['"a"', '{"prompt":"b"}', '{"contents":[{"parts":[{"text":"c"}]}]}'].join("\n");
      const cfg = configOf([...T, "--api", "gemini"]);
      expect(promptBodies(cfg, lines, file)).toEqual([
        { contents: [{ role: "user", parts: [{ text: "a" }] }] },
        { contents: [{ role: "user", parts: [{ text: "b" }] }] },
        { contents: [{ parts: [{ text: "c" }] }] },
      ]);
      const messages = configOf([...T, "--api", "messages"]);
      expect(promptBodies(messages, '{"model":"x","max_tokens":9,"messages":[]}', file)).toEqual([{ model: "x", max_tokens: 9, messages: [] }]);
      expect(() => promptBodies(configOf([...T, "--api", "responses"]), '{"messages":[]}', file)).toThrow(
        `--prompts ${file}:1: expected a request body of OpenAI Responses with "input", an object with "prompt", or a string`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("--api: bad values", () => {
  test.each([
    ["anthropic", /^--api "anthropic": expected chat, responses, messages or gemini, e\.g\. --api messages for Anthropic Messages$/],
    ["Gemini", /^--api "Gemini": expected chat, responses, messages or gemini \(did you mean gemini\?\), e\.g\. --api messages/],
  ])("--api %p", (value, message) => {
    expect(() => configOf([...T, "--api", value])).toThrow(message);
  });

  test.each([
    [
      ["--api", "gemini", "--path", "/v1/chat/completions"],
      /^--path \/v1\/chat\/completions is the endpoint of OpenAI Chat Completions, and --api gemini sends Gemini/,
    ],
    [
      ["--api", "chat", "--path", "/anthropic/v1/messages"],
      /is the endpoint of Anthropic Messages, and --api chat sends .*: give --api messages, or drop --path/,
    ],
    [["--api", "messages", "--path", "/v1beta/models/m:streamGenerateContent?alt=sse"], /is the endpoint of Gemini generateContent/],
  ])("--path of another API: %p", (args, message) => {
    expect(() => configOf([...T, ...args])).toThrow(message);
  });

  test("--path under a prefix of the same API, or of no API, is taken", () => {
    expect(configOf([...T, "--api", "messages", "--path", "/anthropic/v1/messages"]).path).toBe("/anthropic/v1/messages");
    expect(configOf([...T, "--api", "responses", "--path", "/v1/embeddings"]).path).toBe("/v1/embeddings");
  });
});

describe("--api in a result", () => {
  test("the report's header names it; a result from before --api spoke chat; compare notes runs of different APIs", () => {
    const old = smallResult("x");
    const messages = { ...smallResult("x"), config: { ...old.config, api: "messages" } };
    expect(textReport(old).split("\n")).toContain("api       chat (OpenAI Chat Completions)");
    expect(textReport(messages).split("\n")).toContain("api       messages (Anthropic Messages)");
    expect(settingDifferences(old, messages)).toEqual(["api: chat → messages"]);
  });
});
