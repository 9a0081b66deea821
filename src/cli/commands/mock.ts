// `gatebench mock`: the mock OpenAI upstream in the foreground, for trying a
// gateway by hand. The hidden `__mock` runs the same server as a child of
// `gatebench run`.
import { defineCommand } from "citty";
import { MOCK_DEFAULTS, startMock, type MockOptions } from "../../mock/server.ts";
import { log } from "../log.ts";
import { durationFlag, portFlag, wholeNumberFlag } from "../values.ts";
import { assertPortFree } from "../../gateway/ports.ts";
import { listenOrFail, serveAsChild, waitForTermination } from "./serve.ts";

export const mockArgs = {
  port: { type: "string", description: "Port to listen on (0 picks a free one)", default: "9091", valueHint: "port" },
  host: { type: "string", description: "Address to bind", default: "127.0.0.1", valueHint: "addr" },
  latency: { type: "string", description: "Unary response delay", default: `${MOCK_DEFAULTS.latencyMs}ms`, valueHint: "duration" },
  ttft: { type: "string", description: "Streams: delay before the first token", default: `${MOCK_DEFAULTS.ttftMs}ms`, valueHint: "duration" },
  itl: { type: "string", description: "Streams: gap between tokens", default: `${MOCK_DEFAULTS.itlMs}ms`, valueHint: "duration" },
  tokens: { type: "string", description: "Output tokens per response (max_tokens can ask for fewer)", default: String(MOCK_DEFAULTS.tokens), valueHint: "n" },
} as const;

type MockArgValues = { [K in keyof typeof mockArgs]: string };

export function mockOptions(a: MockArgValues): MockOptions {
  return {
    host: a.host,
    port: portFlag("port", a.port),
    latencyMs: durationFlag("latency", a.latency, { allowZero: true, example: "10ms" }),
    ttftMs: durationFlag("ttft", a.ttft, { allowZero: true, example: "80ms" }),
    itlMs: durationFlag("itl", a.itl, { allowZero: true, example: "30ms" }),
    tokens: wholeNumberFlag("tokens", a.tokens, "25"),
  };
}

export const mockCommand = defineCommand({
  meta: { name: "mock", description: "Run the mock OpenAI-compatible upstream in the foreground" },
  args: mockArgs,
  async run({ args }) {
    const o = mockOptions(args as MockArgValues);
    assertPortFree(o.host, o.port, "mock upstream", "--port");
    const { server, stats } = listenOrFail("mock upstream", o.host, o.port, () => startMock(o));
    log.info(`mock upstream listening on http://${o.host}:${server.port} (POST /v1/chat/completions, GET /v1/models, /health, /__stats); Ctrl-C to stop`);
    await waitForTermination(
      (force) => server.stop(force),
      () => log.info(`stopping: finishing ${stats.in_flight} requests in flight (Ctrl-C again to cut them)`),
    );
  },
});

export const mockChildCommand = defineCommand({
  meta: { name: "__mock", description: "internal: the mock as a child of gatebench run", hidden: true },
  args: mockArgs,
  async run({ args }) {
    const o = mockOptions(args as MockArgValues);
    const { server } = listenOrFail("mock upstream", o.host, o.port, () => startMock(o));
    await serveAsChild(server.port ?? 0, () => server.stop(true));
  },
});
