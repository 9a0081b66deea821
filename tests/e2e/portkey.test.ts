// The Portkey AI Gateway recipe (examples/portkey.md), its documented
// commands run as written, with only the load shortened and the mock's
// fixed port swapped for a free one:
// - the x-portkey-* headers the recipe documents are what gatebench sends,
//   checked against a server that records them (no Portkey needed);
// - the real gateway, fetched from the npm registry and run under Bun
//   (`bunx --bun`), unary and streaming. It is fetched once per machine into
//   Bun's install cache; where the registry cannot be reached the test is
//   skipped, except in CI, where it must run.
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "../../src/process/ports.ts";
import { fetchPackage } from "./fixtures/registry.ts";
import { documentedRun, flagValues, withFlag, withoutFlag } from "./fixtures/documented.ts";
import { cli, expectStreamedThrough, processesWithTag, ROOT, scratch } from "./helpers.ts";

const VERSION = "1.15.2";
const PACKAGE = `@portkey-ai/gateway@${VERSION}`;
const inCi = process.env.CI === "true" || process.env.CI === "1";
const recipe = readFileSync(join(ROOT, "examples", "portkey.md"), "utf8");
const { dir, tagged } = scratch("gatebench-portkey-");

const unavailable = await fetchPackage("@portkey-ai/gateway", VERSION);
if (unavailable && !inCi) console.warn(`portkey.test.ts: the live tests are skipped: ${unavailable}`);

// biome-ignore lint: the JSON result is checked field by field
type Doc = any;

/** The recipe's `which`-th command on a free mock port, with a short load, the JSON result written; `edit` adjusts the argv. */
async function runDocumented(name: string, which: number, extra: string[], edit: (argv: string[]) => string[] = (a) => a): Promise<Doc> {
  const mockPort = freePort("127.0.0.1");
  let argv = documentedRun(recipe, which).map((a) => a.replaceAll("127.0.0.1:9091", `127.0.0.1:${mockPort}`));
  argv = withFlag(argv, ["--mock-port"], String(mockPort));
  argv = withFlag(argv, ["--port"], "0");
  argv = withFlag(argv, ["-rate", "--rate"], "10");
  argv = withFlag(argv, ["-duration", "--duration"], "1s");
  const tag = tagged();
  const json = join(dir, `${name}.json`);
  const r = await cli([...edit(argv), ...extra, "--json", json], { tag, timeoutMs: 80_000 });
  expect(r.stderr).not.toContain("    at ");
  if (r.code !== 0) throw new Error(`gatebench exited with ${r.code}\n${r.stderr}`);
  expect(processesWithTag(tag)).toEqual([]);
  return JSON.parse(readFileSync(json, "utf8"));
}

test("the recipe's commands send the routing headers Portkey reads, naming the mock's URL", async () => {
  const seen: Record<string, string | null>[] = [];
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(req) {
      seen.push({ provider: req.headers.get("x-portkey-provider"), host: req.headers.get("x-portkey-custom-host"), auth: req.headers.get("authorization") });
      return Response.json({
        id: "x",
        object: "chat.completion",
        choices: [{ index: 0, message: { role: "assistant", content: "ok" }, finish_reason: "stop" }],
      });
    },
  });
  let doc: Doc;
  try {
    // the same flags, sent to this recording server instead of a started Portkey
    doc = await runDocumented("headers", 0, ["--target", `http://127.0.0.1:${server.port}`], (a) => withoutFlag(a, ["--gateway", "--ready-timeout"]));
  } finally {
    server.stop(true);
  }
  expect(doc.summary.requests.success_ratio).toBe(1);
  expect(seen.length).toBe(10);
  for (const h of seen) expect(h).toEqual({ provider: "openai", host: doc.run.mock.url, auth: "Bearer sk-mock" });
  // both documented commands route the same way
  const headers = (which: number) => flagValues(documentedRun(recipe, which), ["-H", "--header"]);
  expect(headers(1)).toEqual(headers(0));
  // and start the version the live tests below fetch
  for (const which of [0, 1]) expect(flagValues(documentedRun(recipe, which), ["--gateway"])[0]).toContain(` ${PACKAGE} `);
}, 60_000);

describe.skipIf(unavailable !== "" && !inCi)(`${PACKAGE} started by gatebench under Bun`, () => {
  // the recipe's `bunx`, as this Bun runs it (bunx may not be on PATH)
  const underThisBun = (argv: string[]): string[] =>
    withFlag(argv, ["--gateway"], flagValues(argv, ["--gateway"])[0]!.replace(/^bunx\b/, `'${process.execPath}' x`));

  test("unary: every request succeeds and reaches the mock", async () => {
    expect(unavailable).toBe("");
    const doc = await runDocumented("unary", 0, [], underThisBun);
    expect(doc.summary.requests.total).toBe(10);
    expect(doc.summary.requests.success_ratio).toBe(1);
    expect(doc.run.mock.received.requests).toBe(10);
    expect(doc.run.gateway.kind).toBe("command");
    expect(doc.summary.resources.gateway.load.rss_mb_max).toBeGreaterThan(5);
  }, 90_000);

  test("streaming: chunks pass through as the mock sends them", async () => {
    expect(unavailable).toBe("");
    const doc = await runDocumented("stream", 1, ["--mock-itl", "50ms", "--mock-tokens", "10"], underThisBun);
    expectStreamedThrough(doc, 10);
  }, 90_000);
});
