// Benchmarks of the mock upstream, each in one run on one machine:
//
// 1. capacity: unary, zero latency, wrk -t1 -c64, POST chat body, rounds
//    taking turns: a bare Bun.serve hello-world; a Bun.serve that reads and
//    parses the body (the fair reference); the same answering with the
//    mock's own answer bytes; the mock with 1 process, with 2, and --fixed.
//    Each: req/s and the server's CPU per request (its processes' user +
//    system time from /proc over the requests wrk completed);
// 2. chunks: --chunk-streams (default 2,000) streams open at once, ITL 50 ms:
//    the mock's CPU per chunk written (its CPU time over its chunk count);
// 3. streams: --streams (default 5,000) open at once, ITL 50 ms, driven by
//    the load engine: how many complete, the client's ITL p50/p99;
// 4. timers: 10 ms unary at --timer-rate req/s (default 5000), the mock's
//    own lateness (from /__stats).
//
//   bun scripts/bench-mock.ts [--rounds 3] [--streams 5000] [--chunk-streams 2000] [--stream-procs 1] [--timer-rate 5000]
//                             [--skip capacity,chunks,streams,timers]
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { statsOf } from "../src/metrics/histogram.ts";
import { ERROR_KIND_NAMES } from "../src/metrics/outcome.ts";
import { startChild, stopChild, type ChildProcess } from "../src/process/children.ts";
import { descendants } from "../src/process/tree.ts";
import { defaultChatBody } from "../src/run/workload.ts";
import { drive, flag, raiseFetchLimit } from "./drive.ts";

await raiseFetchLimit();

const skip = new Set(flag("skip", "").split(","));
const rounds = Number(flag("rounds", "3"));
const main = join(import.meta.dir, "..", "src", "main.ts");
const dir = mkdtempSync(join(tmpdir(), "gatebench-mockbench-"));
const unaryBody = defaultChatBody(false);
const streamBody = defaultChatBody(true);
const CHAT = "/v1/chat/completions";

const mock = (args: string[]): Promise<ChildProcess> => startChild("mock", [process.execPath, main, "__mock", "--port", "0", "--seed", "1", ...args], 15_000);
const stats = async (m: ChildProcess) => (await fetch(`http://127.0.0.1:${m.port}/__stats`)).json() as Promise<Record<string, any>>;
const med = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** CPU seconds (user + system) of a process and its descendants (a mock's other processes), from /proc. */
async function cpuSeconds(pid: number): Promise<number> {
  const own = (p: number): number => {
    const f = readFileSync(`/proc/${p}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(f[11]) + Number(f[12])) / 100;
  };
  return [pid, ...(await descendants(pid))].reduce((a, p) => a + own(p), 0);
}

function wrk(url: string, seconds: number): { rps: number; requests: number } {
  const lua = join(dir, "post.lua");
  writeFileSync(
    lua,
    `wrk.method = "POST"\nwrk.body = ${JSON.stringify(new TextDecoder().decode(unaryBody))}\nwrk.headers["Content-Type"] = "application/json"\n`,
  );
  const r = Bun.spawnSync(["wrk", "-t1", "-c64", `-d${seconds}s`, "-s", lua, url]);
  if (!r.success) throw new Error(`wrk failed (apt-get install wrk): ${r.stderr.toString()}`);
  const out = r.stdout.toString();
  return { rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]), requests: Number(/(\d+) requests in/.exec(out)?.[1]) };
}

/** A Bun.serve of its own process, `handler` its fetch. */
function server(name: string, handler: string, prelude = ""): Promise<ChildProcess> {
  writeFileSync(
    join(dir, `${name}.ts`),
    `${prelude}\nconst s = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: ${handler} });\nconsole.log(\`GATEBENCH_READY {"port":\${s.port}}\`);\nfor await (const _ of Bun.stdin.stream()) {}\n`,
  );
  return startChild(name, [process.execPath, join(dir, `${name}.ts`)], 10_000);
}

async function capacity(): Promise<void> {
  // the mock's own answer, captured once, for the reference that sends the same bytes
  const probe = await mock(["--latency", "0", "--fixed"]);
  const answer = await (await fetch(`http://127.0.0.1:${probe.port}${CHAT}`, { method: "POST", body: unaryBody })).text();
  await stopChild(probe, 2000);
  const servers: [string, ChildProcess][] = [
    ["bare Bun.serve hello-world", await server("hello", '() => new Response("hello")')],
    ["Bun.serve reading and parsing the body", await server("parse", 'async (req) => { JSON.parse(await req.text()); return new Response("hello"); }')],
    [
      "… and answering with the mock's bytes",
      await server(
        "answer",
        'async (req) => { JSON.parse(await req.text()); return new Response(ANSWER, { headers: { "content-type": "application/json" } }); }',
        `const ANSWER = ${JSON.stringify(answer)};`,
      ),
    ],
    ["gatebench mock, 1 process", await mock(["--latency", "0", "--procs", "1"])],
    ["gatebench mock, 2 processes", await mock(["--latency", "0", "--procs", "2"])],
    ["gatebench mock --fixed, 1 process", await mock(["--latency", "0", "--procs", "1", "--fixed"])],
  ];
  const seen = servers.map(() => ({ rps: [] as number[], us: [] as number[] }));
  try {
    // interleaved rounds, medians: a busy moment of the machine hits all alike
    for (let i = 0; i < rounds; i++) {
      for (const [k, [, p]] of servers.entries()) {
        const cpu0 = await cpuSeconds(p.pid);
        const w = wrk(`http://127.0.0.1:${p.port}${CHAT}`, 3);
        seen[k]!.rps.push(w.rps);
        seen[k]!.us.push((((await cpuSeconds(p.pid)) - cpu0) * 1e6) / w.requests);
      }
    }
  } finally {
    for (const [, p] of servers) await stopChild(p, 2000);
  }
  const parse = med(seen[1]!.rps);
  console.log(`## capacity (wrk -t1 -c64, POST chat body, latency 0, median of ${rounds} interleaved 3 s rounds)\n`);
  servers.forEach(([name], k) => {
    const s = seen[k]!;
    const rps = med(s.rps);
    console.log(
      `${name.padEnd(42)} ${rps.toFixed(0).padStart(7)} req/s = ${(rps / parse).toFixed(2)}x parsing  ${med(s.us).toFixed(1).padStart(5)} µs CPU/req  (${s.rps.map((x) => x.toFixed(0)).join(", ")})`,
    );
  });
  console.log("");
}

/** `n` streams (ITL 50 ms, 200 tokens: 10 s each) opened over `openS` seconds, straight to a mock; what the client and the mock saw. */
async function streams(n: number, openS: number, args: string[] = []) {
  const m = await mock(["--ttft", "50ms", "--itl", "50ms", "--tokens", "200", "--procs", flag("stream-procs", "1"), ...args]);
  try {
    const cpu0 = await cpuSeconds(m.pid);
    const chunks0 = (await stats(m)).lateness_ms.chunk?.count ?? 0;
    const r = await drive(`http://127.0.0.1:${m.port}${CHAT}`, n / openS, openS, streamBody, true);
    const st = await stats(m);
    const chunks = (st.lateness_ms.chunk?.count ?? 0) - chunks0;
    return { r, st, chunks, usPerChunk: (((await cpuSeconds(m.pid)) - cpu0) * 1e6) / chunks };
  } finally {
    await stopChild(m, 2000);
  }
}

async function chunkCost(): Promise<void> {
  const n = Number(flag("chunk-streams", "2000"));
  const { r, st, chunks, usPerChunk } = await streams(n, 2);
  console.log(`## CPU per chunk (${n} streams open at once, ITL 50 ms, 200 tokens)\n`);
  console.log(`ok ${r.recorder.ok} of ${r.recorder.total}, the mock had ${st.in_flight_peak} open at once`);
  console.log(`mock CPU per chunk    ${usPerChunk.toFixed(2)} µs (its CPU time over ${chunks} chunks, every part of the request included)`);
  console.log(`mock chunk lateness   p50 ${st.lateness_ms.chunk.p50} ms  p99 ${st.lateness_ms.chunk.p99} ms\n`);
}

async function manyStreams(): Promise<void> {
  const n = Number(flag("streams", "5000"));
  const { r, st, usPerChunk } = await streams(n, 5);
  const itl = statsOf(r.recorder.histograms.itl)!;
  const failed = [...r.recorder.errorCounts].flatMap((c, i) => (c > 0 ? [`${ERROR_KIND_NAMES[i]} ${c}`] : []));
  console.log(
    `## ${n} concurrent streams (ITL 50 ms, 200 tokens, opened over 5 s), the load engine straight to the mock (${flag("stream-procs", "1")} process)\n`,
  );
  console.log(
    `ok ${r.recorder.ok} of ${r.recorder.total}${failed.length > 0 ? ` (failed: ${failed.join(", ")})` : ""}; the mock had ${st.in_flight_peak} open at once`,
  );
  console.log(`client ITL            p50 ${itl.p50} ms  p99 ${itl.p99} ms  max ${itl.max} ms`);
  console.log(`mock chunk lateness   p50 ${st.lateness_ms.chunk.p50} ms  p99 ${st.lateness_ms.chunk.p99} ms; ${usPerChunk.toFixed(2)} µs CPU per chunk`);
  console.log(`client CPU            ${r.cpuPct.toFixed(0)} % of a core\n`);
}

async function timers(): Promise<void> {
  const rate = Number(flag("timer-rate", "5000"));
  const m = await mock(["--latency", "10ms"]);
  try {
    const r = await drive(`http://127.0.0.1:${m.port}${CHAT}`, rate, 5, unaryBody);
    const late = (await stats(m)).lateness_ms.unary;
    console.log(`## timers (10 ms unary at ${rate} req/s for 5 s)\n`);
    console.log(`sent ${r.recorder.total}, ok ${r.recorder.ok}`);
    console.log(`mock's own lateness   p50 ${late.p50} ms  p99 ${late.p99} ms  max ${late.max} ms`);
    console.log(`client service time   p50 ${r.svc.p50} ms  p99 ${r.svc.p99} ms (loopback and client included)\n`);
  } finally {
    await stopChild(m, 2000);
  }
}

console.log(`# bun ${Bun.version}, ${navigator.hardwareConcurrency} cpus\n`);
try {
  if (!skip.has("capacity")) await capacity();
  if (!skip.has("chunks")) await chunkCost();
  if (!skip.has("streams")) await manyStreams();
  if (!skip.has("timers")) await timers();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
