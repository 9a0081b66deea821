// --target and --path → the URL loaded: a base URL (no path, or an API's base
// path such as /v1, as OpenAI SDKs take it) gets the endpoint appended; a URL
// with another path is loaded as it is unless --path is given.
import { expect, test } from "bun:test";
import { targetUrl } from "../../src/run/start.ts";

const P = "/v1/chat/completions";

test.each([
  ["http://h:4000", P, false, "http://h:4000/v1/chat/completions"],
  ["http://h:4000/", P, false, "http://h:4000/v1/chat/completions"],
  ["http://h:4000/v1", P, false, "http://h:4000/v1/chat/completions"],
  ["http://h:4000/v1/", P, false, "http://h:4000/v1/chat/completions"],
  ["http://h:4000/v1", "/v1/embeddings", true, "http://h:4000/v1/embeddings"],
  ["http://h:4000/v1", "/chat/completions", true, "http://h:4000/v1/chat/completions"],
  ["https://api.groq.com/openai/v1", P, false, "https://api.groq.com/openai/v1/chat/completions"],
  ["https://g.example/v1beta/openai", P, false, "https://g.example/v1beta/openai/chat/completions"],
  ["http://h:4000/api/v2", P, false, "http://h:4000/api/v2/chat/completions"],
  ["http://h:4000/v1/chat/completions", P, false, "http://h:4000/v1/chat/completions"],
  ["http://h:4000/custom/route", P, false, "http://h:4000/custom/route"],
  ["http://h:4000/prefix", P, true, "http://h:4000/prefix/v1/chat/completions"],
  ["http://h:4000/v1?key=1", P, false, "http://h:4000/v1/chat/completions?key=1"],
])("--target %s --path %s (given: %p) → %s", (target, path, pathGiven, url) => {
  expect(targetUrl({ target, path, host: "127.0.0.1" }, pathGiven, 0)).toBe(url);
});

test("no target: the started gateway's address and --path", () => {
  expect(targetUrl({ target: undefined, path: P, host: "127.0.0.1" }, false, 8081)).toBe("http://127.0.0.1:8081/v1/chat/completions");
});
