import { describe, expect, test } from "bun:test";
import { placeholderEnv, render, splitCommand, TemplateError, type PlaceholderValues } from "../../src/gateway/template.ts";

const V: PlaceholderValues = {
  PORT: "8081",
  HOST: "127.0.0.1",
  MOCK_URL: "http://127.0.0.1:9091/v1",
  MOCK_ORIGIN: "http://127.0.0.1:9091",
  MOCK_HOST: "127.0.0.1",
  MOCK_PORT: "9091",
  UPSTREAM_API: "chat",
  CONFIG: "/tmp/x/config.yaml",
};

describe("render", () => {
  test.each([
    ["listen {{HOST}}:{{PORT}};", "listen 127.0.0.1:8081;"],
    ["api_base: {{MOCK_URL}}", "api_base: http://127.0.0.1:9091/v1"],
    ["server {{ MOCK_HOST }}:{{MOCK_PORT}}", "server 127.0.0.1:9091"],
    ["-c {{CONFIG}}", "-c /tmp/x/config.yaml"],
    ["url: {{MOCK_ORIGIN}}/v1/messages api: {{UPSTREAM_API}}", "url: http://127.0.0.1:9091/v1/messages api: chat"],
    ["key: {{env.GATEBENCH_TEST_KEY}}", "key: sk-123"],
    ["no placeholders {single} braces", "no placeholders {single} braces"],
  ])("%p → %p", (tmpl, want) => {
    expect(render(tmpl, V, { GATEBENCH_TEST_KEY: "sk-123" }, "t")).toBe(want);
  });

  test("an unknown placeholder is an error naming it, the file and the line", () => {
    expect(() => render("a\nb\nport: {{PROT}}\n", V, {}, "gw.yaml")).toThrow(TemplateError);
    expect(() => render("a\nb\nport: {{PROT}}\n", V, {}, "gw.yaml")).toThrow(/^gw\.yaml:3: unknown placeholder \{\{PROT\}\}; known: \{\{PORT\}\}/);
  });

  test("an unset environment variable is an error too", () => {
    expect(() => render("key: {{env.NOPE_NOT_SET}}", V, {}, "t")).toThrow(/t:1: \{\{env\.NOPE_NOT_SET\}\} names an environment variable that is not set/);
  });

  test("the values as environment variables", () => {
    expect(placeholderEnv(V)).toEqual({
      GATEWAY_PORT: "8081",
      GATEWAY_HOST: "127.0.0.1",
      MOCK_URL: "http://127.0.0.1:9091/v1",
      MOCK_ORIGIN: "http://127.0.0.1:9091",
      MOCK_HOST: "127.0.0.1",
      MOCK_PORT: "9091",
      UPSTREAM_API: "chat",
      GATEWAY_CONFIG: "/tmp/x/config.yaml",
    });
  });
});

describe("splitCommand", () => {
  test.each([
    ["nginx -p /tmp -c /x.conf", ["nginx", "-p", "/tmp", "-c", "/x.conf"]],
    ["  litellm   --port 4000 ", ["litellm", "--port", "4000"]],
    [`node server.js --name 'my gateway' --x "a \\"b\\" c"`, ["node", "server.js", "--name", "my gateway", "--x", 'a "b" c']],
    [`a\\ b c`, ["a b", "c"]],
    [`echo ''`, ["echo", ""]],
    [`FOO=1 cmd | tee log`, ["FOO=1", "cmd", "|", "tee", "log"]],
  ])("%p", (line, argv) => {
    expect(splitCommand(line)).toEqual(argv);
  });

  test("unterminated quotes are errors", () => {
    expect(() => splitCommand(`a 'b`)).toThrow(/unterminated '/);
    expect(() => splitCommand(`a "b`)).toThrow(/unterminated "/);
  });
});
