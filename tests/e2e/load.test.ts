// The load flags end to end: the CLI drives a server started here on port 0
// (--target, --no-mock), and what the server received is the truth the
// report must match: counts, headers, bodies, concurrency, shapes.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cli, killTagged, newTag, processesWithTag } from "./helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "gatebench-load-"));
const tags: string[] = [];
// the tests run at once: every target stays up until the file is done
const servers: { stop(force?: boolean): unknown }[] = [];
afterAll(() => {
  for (const s of servers.splice(0)) s.stop(true);
  for (const t of tags) killTagged(t);
  rmSync(dir, { recursive: true, force: true });
});

interface Seen {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

/** A target that records every request and answers after `delayMs`; counts how many are open at once. */
function target(delayMs = 0, respond: (req: Request) => Response = () => Response.json({ ok: true })) {
  const state = { seen: [] as Seen[], open: 0, peak: 0, ports: new Set<number>() };
  const server: ReturnType<typeof Bun.serve> = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    idleTimeout: 0,
    async fetch(req): Promise<Response> {
      state.open++;
      state.peak = Math.max(state.peak, state.open);
      const body = await req.text();
      state.seen.push({ method: req.method, path: new URL(req.url).pathname, headers: Object.fromEntries(req.headers), body });
      const peer = server.requestIP(req);
      if (peer) state.ports.add(peer.port);
      if (delayMs > 0) await Bun.sleep(delayMs);
      state.open--;
      return respond(req);
    },
  });
  servers.push(server);
  return { url: `http://127.0.0.1:${server.port}`, state };
}

// biome-ignore lint: the JSON result is checked field by field
type Doc = any;

async function run(name: string, args: string[]) {
  const tag = newTag();
  tags.push(tag);
  const json = join(dir, `${name}.json`);
  const r = await cli(["run", "--no-mock", "--json", json, ...args], { tag });
  let doc: Doc;
  try {
    doc = JSON.parse(readFileSync(json, "utf8"));
  } catch {
    doc = undefined;
  }
  expect(processesWithTag(tag)).toEqual([]);
  return { r, doc };
}

describe.concurrent("what is sent", () => {
  test("--target with headers, a JSON body, --model and --max-tokens: the server sees them on every request", async () => {
    const t = target();
    const { r, doc } = await run("sent", [
      "--target",
      t.url,
      "--path",
      "/v1/chat/completions",
      "--rate",
      "20",
      "--duration",
      "1s",
      "-H",
      "Authorization: Bearer sk-test",
      "-H",
      "X-Tenant: acme",
      "-d",
      '{"model":"m1","messages":[{"role":"user","content":"hi"}],"temperature":0}',
      "--model",
      "m2",
      "--max-tokens",
      "7",
    ]);
    expect(r.code).toBe(0);
    expect(t.state.seen.length).toBe(20);
    expect(doc.summary.requests.total).toBe(20);
    for (const s of t.state.seen) {
      expect(s.method).toBe("POST");
      expect(s.path).toBe("/v1/chat/completions");
      expect(s.headers.authorization).toBe("Bearer sk-test");
      expect(s.headers["x-tenant"]).toBe("acme");
      expect(JSON.parse(s.body)).toEqual({ model: "m2", messages: [{ role: "user", content: "hi" }], temperature: 0, max_tokens: 7 });
    }
    expect(doc.run.gateway.kind).toBe("external");
    expect(doc.run.mock).toBeUndefined();
    expect(r.stdout).toContain("upstream  not started (--no-mock)");
  }, 30_000);

  test("--prompts cycles through a JSONL file in order; --prompt-tokens generates a prompt of that size", async () => {
    const t = target();
    const file = join(dir, "prompts.jsonl");
    writeFileSync(file, ['"first"', '{"prompt": "second"}', "", '{"model":"x","messages":[{"role":"user","content":"third"}]}'].join("\n"));
    const { r } = await run("prompts", ["--target", `${t.url}/v1/chat/completions`, "-c", "1", "-n", "6", "--prompts", file, "--stream"]);
    // the target answers with plain JSON, not a stream: every request is an incomplete stream, so none succeeded (exit 3), and all were sent
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("no request succeeded");
    const contents = t.state.seen.map((s) => JSON.parse(s.body).messages[0].content);
    expect(contents).toEqual(["first", "second", "third", "first", "second", "third"]);
    for (const s of t.state.seen) expect(JSON.parse(s.body).stream_options).toEqual({ include_usage: true });
    // the file's own model stays unless --model is given
    expect(JSON.parse(t.state.seen[2]!.body).model).toBe("x");

    const t2 = target();
    await run("prompt-tokens", ["--target", t2.url, "-c", "1", "-n", "1", "--prompt-tokens", "500"]);
    const words = JSON.parse(t2.state.seen[0]!.body).messages[0].content.split(" ");
    expect(words.length).toBe(500);
  }, 30_000);

  test("--method GET sends no body; --path with an embeddings endpoint gets an embeddings body", async () => {
    const t = target();
    await run("get", ["--target", t.url, "--path", "/health", "--method", "get", "-c", "1", "-n", "2"]);
    expect(t.state.seen.map((s) => [s.method, s.path, s.body])).toEqual([
      ["GET", "/health", ""],
      ["GET", "/health", ""],
    ]);
    const e = target();
    await run("emb", ["--target", e.url, "--path", "/v1/embeddings", "-c", "1", "-n", "1"]);
    expect(Object.keys(JSON.parse(e.state.seen[0]!.body)).sort()).toEqual(["input", "model"]);
  }, 30_000);

  test("bad input is a usage error before anything starts", async () => {
    // each flag's own checks are unit tests (tests/unit/run-config.test.ts); these need the files read as the run begins
    const cases: [string[], RegExp][] = [
      [["--target", "ftp://x"], /--target "ftp:\/\/x": expected an http/],
      [["--target", "http://127.0.0.1:1", "--prompts", join(dir, "missing.jsonl")], /--prompts .*missing.jsonl: cannot read it \(ENOENT\)/],
      [["--target", "http://127.0.0.1:1", "-d", "not json", "--stream"], /--body is not a JSON object, so --stream cannot be applied/],
    ];
    for (const [args, want] of cases) {
      const { r } = await run("bad", args);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(want);
    }
    const bad = join(dir, "bad.jsonl");
    writeFileSync(bad, '"ok"\n{"nothing": 1}\n');
    const { r } = await run("bad-prompts", ["--target", "http://127.0.0.1:1", "--prompts", bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("bad.jsonl:2: expected a request body");
  }, 60_000);
});

describe.concurrent("safety", () => {
  test("secrets in headers are redacted in the JSON; --json - puts the JSON on stdout and the report on stderr", async () => {
    const t = target();
    const { r, doc } = await run("redact", [
      "--target",
      t.url,
      "-c",
      "1",
      "-n",
      "2",
      "-H",
      "Authorization: Bearer sk-SECRET",
      "-H",
      "X-Api-Key: k-SECRET",
      "-H",
      "X-Tenant: acme",
    ]);
    expect(r.code).toBe(0);
    expect(t.state.seen[0]!.headers.authorization).toBe("Bearer sk-SECRET");
    expect(doc.config.headers).toEqual([
      ["Authorization", "Bearer [redacted]"],
      ["X-Api-Key", "[redacted]"],
      ["X-Tenant", "acme"],
    ]);
    expect(JSON.stringify(doc)).not.toContain("SECRET");

    const tag = newTag();
    tags.push(tag);
    const piped = await cli(["run", "--no-mock", "--target", t.url, "-c", "1", "-n", "2", "--json", "-"], { tag });
    expect(piped.code).toBe(0);
    expect(JSON.parse(piped.stdout).summary.requests.total).toBe(2);
    expect(piped.stderr).toContain("Latency (ms)");
  }, 30_000);

  test("--target with the mock started but never called: the report says the gateway is not pointed at it", async () => {
    const t = target();
    const tag = newTag();
    tags.push(tag);
    const json = join(dir, "unused-mock.json");
    const r = await cli(["run", "--target", t.url, "--mock-port", "0", "-c", "1", "-n", "3", "--json", json], { tag });
    expect(r.code).toBe(0);
    const doc = JSON.parse(readFileSync(json, "utf8"));
    expect(doc.run.mock.received.requests).toBe(0);
    expect(doc.summary.warnings.join(" ")).toContain("the mock received no requests");
    expect(processesWithTag(tag)).toEqual([]);
  }, 30_000);

  test("an attached target that accepts no connections: exit 3 before the load, with what to check", async () => {
    const { r } = await run("unreachable", ["--target", "http://127.0.0.1:1", "--rate", "5", "--duration", "500ms"]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("nothing accepts connections on 127.0.0.1:1");
  }, 30_000);
});

describe.concurrent("load models", () => {
  test("closed loop -c 3 -n 30: exactly 30 requests, never more than 3 open at the server", async () => {
    const t = target(20);
    const { r, doc } = await run("closed", ["--target", t.url, "-c", "3", "-n", "30"]);
    expect(r.code).toBe(0);
    expect(t.state.seen.length).toBe(30);
    expect(t.state.peak).toBeLessThanOrEqual(3);
    expect(doc.summary.requests.total).toBe(30);
    expect(doc.run.load_model).toBe("closed");
    expect(doc.summary.requests.in_flight_peak).toBe(3);
    // 3 connections, 20 ms each: at most 150 req/s
    expect(doc.summary.requests.throughput).toBeLessThanOrEqual(150);
    expect(doc.summary.latency_ms.min).toBeGreaterThanOrEqual(20);
    expect(r.stdout).toContain("closed loop");
  }, 30_000);

  test("--warmup: its requests reach the server but not the figures", async () => {
    const t = target();
    const { r, doc } = await run("warmup", ["--target", t.url, "--rate", "40", "--duration", "1s", "--warmup", "500ms"]);
    expect(r.code).toBe(0);
    expect(t.state.seen.length).toBe(60);
    expect(doc.summary.requests.total).toBe(40);
    expect(doc.run.warmup).toEqual({ duration_ms: 500, requests: 20, ok: 20 });
    expect(doc.summary.requests.rate).toBe(40);
  }, 30_000);

  // the per-second counts are exact: alone, so that no other test delays a send across a second
  test.serial(
    "a ramp 10:90 over 2 s: about 100 requests, the second second busier than the first (timeline)",
    async () => {
      const t = target();
      const { doc } = await run("ramp", ["--target", t.url, "--rate", "10:90", "--duration", "2s"]);
      expect(t.state.seen.length).toBe(100);
      const tl = doc.timeline;
      // 10→50 req/s in the first second (30 expected), 50→90 in the second (70)
      expect(tl[0].sent).toBe(30);
      expect(tl[1].sent).toBe(70);
      expect(tl.reduce((n: number, s: { completed: number }) => n + s.completed, 0)).toBe(100);
    },
    30_000,
  );

  test("steps and poisson with a seed: the same seed sends the same number of requests", async () => {
    const t = target();
    const a = await run("poisson-a", ["--target", t.url, "--steps", "20,60", "--step-duration", "500ms", "--arrival", "poisson", "--seed", "11"]);
    const first = t.state.seen.length;
    const b = await run("poisson-b", ["--target", t.url, "--steps", "20,60", "--step-duration", "500ms", "--arrival", "poisson", "--seed", "11"]);
    expect(t.state.seen.length - first).toBe(first);
    expect(a.doc.summary.requests.total).toBe(first);
    expect(b.doc.summary.requests.total).toBe(first);
    expect(first).toBeGreaterThan(20);
    expect(first).toBeLessThan(70);
    expect(a.doc.config.seed).toBe(11);
  }, 30_000);

  test("--workers 2: the schedule is split, the counts and histograms merge exactly", async () => {
    const t = target(5);
    const { r, doc } = await run("workers", ["--target", t.url, "--rate", "200", "--duration", "1s", "--workers", "2"]);
    expect(r.code).toBe(0);
    expect(t.state.seen.length).toBe(200);
    expect(doc.summary.requests.total).toBe(200);
    expect(doc.summary.latency_ms.count).toBe(200);
    expect(doc.summary.latency_ms.min).toBeGreaterThanOrEqual(5);
    const tl = doc.timeline;
    expect(tl.reduce((n: number, s: { sent: number }) => n + s.sent, 0)).toBe(200);
    expect(tl[0].sent).toBeGreaterThanOrEqual(199); // all sent in the first second
  }, 30_000);

  test("--timeout: a server that never answers gives timeout errors, not a hang; with no request answered the run exits 3", async () => {
    const t = target(0, () => new Response(new ReadableStream({ pull: () => new Promise(() => {}) })));
    const { r, doc } = await run("timeout", ["--target", t.url, "-c", "2", "-n", "2", "--timeout", "300ms"]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("no request succeeded (timeout × 2)");
    expect(doc.summary.errors).toEqual({ timeout: 2 });
    expect(doc.summary.requests.success_ratio).toBe(0);
  }, 30_000);

  test("-c 100 with the socket client: exactly 100 connections, as the server counts them and the report says", async () => {
    const t = target(1);
    const a = await run("pool-socket", ["--target", t.url, "-c", "100", "-n", "3000"]);
    expect(a.r.code).toBe(0);
    expect(t.state.seen.length).toBe(3000);
    expect(t.state.ports.size).toBe(100);
    expect(a.doc.run.client).toEqual({ kind: "socket", connections_opened: 100, requests_per_connection: 30, keepalive_retries: 0 });
    expect(a.r.stdout).toContain("client    socket: 100 connections opened, 30 requests per connection");
    expect(a.doc.summary.warnings.join(" ")).not.toContain("idle connections");
  }, 30_000);

  // alone: it takes this machine to its descriptor limit
  test.serial(
    "out of file descriptors: the requests that could not be sent are load_generator errors, apart from the target's",
    async () => {
      // answers slower than the pre-check assumes (it counts 200 ms a request): more open at once than it expected
      const t = target(500);
      const tag = newTag();
      tags.push(tag);
      const json = join(dir, "fds.json");
      const r = await cli(["run", "--no-mock", "--json", json, "--target", t.url, "--rate", "200", "--duration", "1500ms"], { tag, openFiles: 60 });
      const doc = JSON.parse(readFileSync(json, "utf8"));
      const s = doc.summary;
      expect(s.errors.load_generator).toBeGreaterThan(0);
      // never sent, never counted: what the target answered is all the report calls requests
      expect(s.requests.total).toBe(t.state.seen.length);
      expect(s.requests.total + s.errors.load_generator).toBe(300);
      expect(s.requests.success_ratio).toBe(1);
      expect(s.error_samples.load_generator).toContain("ulimit -n is 60");
      expect(s.warnings.join(" ")).toContain("could not be sent: this machine ran out of file descriptors");
      expect(r.stdout).toContain("load_generator:");
    },
    30_000,
  );

  test("--client fetch, more than 64 requests open: the report warns about Bun's fetch pool; at 60 there is no churn", async () => {
    const under = target(5);
    const a = await run("pool-60", ["--client", "fetch", "--target", under.url, "-c", "60", "-n", "1200"]);
    expect(under.state.ports.size).toBeLessThanOrEqual(60);
    expect(a.doc.run.client).toEqual({ kind: "fetch" });
    expect(a.doc.summary.warnings.join(" ")).not.toContain("idle connections");
    // beyond the pool, connections are closed when more than 64 are idle at once: how many depends on timing
    const over = target(1);
    const b = await run("pool-100", ["--client", "fetch", "--target", over.url, "-c", "100", "-n", "3000"]);
    expect(over.state.ports.size).toBeGreaterThanOrEqual(100);
    expect(b.doc.summary.warnings.join(" ")).toContain("at most 64 idle connections");
  }, 30_000);
});

describe.concurrent("https targets", () => {
  const tls = join(import.meta.dir, "..", "fixtures", "tls");
  function tlsTarget() {
    const state = { requests: 0 };
    const server = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      tls: { cert: Bun.file(join(tls, "server.pem")), key: Bun.file(join(tls, "server-key.pem")) },
      fetch: () => {
        state.requests++;
        return Response.json({ ok: true });
      },
    });
    servers.push(server);
    return { url: `https://127.0.0.1:${server.port}`, name: `https://localhost:${server.port}`, state };
  }

  test("verified against --cacert (by IP and by name), with either client", async () => {
    const t = tlsTarget();
    for (const [url, client] of [
      [t.url, "socket"],
      [t.name, "socket"],
      [t.url, "fetch"],
    ] as const) {
      const { r, doc } = await run(`tls-${client}`, ["--target", url, "--cacert", join(tls, "ca.pem"), "--client", client, "-c", "2", "-n", "20"]);
      expect(r.code).toBe(0);
      expect(doc.summary.requests.ok).toBe(20);
    }
    expect(t.state.requests).toBe(60);
  }, 30_000);

  test("a certificate that does not verify: refused before the load, in one line that names the way out; --insecure accepts it", async () => {
    const t = tlsTarget();
    const refused = await run("tls-refused", ["--target", t.url, "-c", "2", "-n", "20"]);
    expect(refused.r.code).toBe(3);
    const line = refused.r.stderr.split("\n").find((l) => l.includes("TLS handshake"))!;
    expect(line).toContain(`--target ${t.url}/: the TLS handshake with 127.0.0.1:`);
    expect(line).toContain("--cacert FILE");
    expect(line).toContain("--insecure");
    expect(t.state.requests).toBe(0);
    const insecure = await run("tls-insecure", ["--target", t.url, "--insecure", "-c", "2", "-n", "20"]);
    expect(insecure.r.code).toBe(0);
    expect(insecure.doc.summary.requests.ok).toBe(20);
  }, 30_000);

  test("--cacert and --insecure belong to an https target", async () => {
    const t = target();
    const { r } = await run("tls-http", ["--target", t.url, "--insecure", "-c", "1", "-n", "1"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--insecure is for an https:// --target");
    const missing = await run("tls-missing", ["--target", "https://127.0.0.1:1", "--cacert", "/nonexistent/ca.pem"]);
    expect(missing.r.code).toBe(2);
    expect(missing.r.stderr).toContain('--cacert "/nonexistent/ca.pem": no readable file there');
  }, 30_000);
});
