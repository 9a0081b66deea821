// The load generator's own benchmark (`bun run selfbench`): gatebench with
// each client beside its peers, every figure measured in this run, on this
// machine, the tools taking turns round after round so that drift hits
// them all; medians and ranges over the rounds.
//
// 1. max rate: closed loop, 50 connections, a zero-delay server (unary and
//    a small SSE answer): gatebench --client socket and fetch, wrk -t2,
//    autocannon; with the CPU each used per request;
// 2. precision: the mock at 10 ms, 5 connections (wrk -c5 beside), and
//    500 req/s open loop: p50 and p99 against wrk's;
// 3. open loop at 10,000 req/s for 10 s against the 10 ms mock: every
//    request sent, schedule lag, CPU per request;
// 4. streams: 2,000 open at once, CPU per SSE content event read;
// 5. memory: RSS after 100,000 and after 1,000,000 requests.
//
//   bun run selfbench [--only rate,precision,open,streams,memory] [--rounds 3] [--seconds 5]
//                     [--autocannon DIR] [--streams 2000] [--memory-requests 1000000]
// wrk: apt-get install wrk; autocannon: npm i --prefix "${TMPDIR:-/tmp}/gatebench-peers" autocannon
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startChild, stopChild, type ChildProcess } from "../src/process/children.ts";
import { CLIENT_KINDS, type ClientKind } from "../src/load/client.ts";
import { startLoad } from "../src/load/load.ts";
import { defaultChatBody } from "../src/run/workload.ts";
import { SSE_CONTENT_EVENTS } from "./bench-server.ts";
import { flag, raiseFetchLimit } from "./drive.ts";
import { autocannon, autocannonDir, gatebench, spread, wrk, type PeerRun } from "./peers.ts";

// the in-process memory section may use fetch, which needs its limit raised before start-up
await raiseFetchLimit();

const only = new Set(flag("only", "rate,precision,open,streams,memory").split(","));
const rounds = Number(flag("rounds", "3"));
const seconds = Number(flag("seconds", "5"));
const streams = Number(flag("streams", "2000"));
const memoryRequests = Number(flag("memory-requests", "1000000"));
const acDir = autocannonDir(flag("autocannon", ""));
const dir = mkdtempSync(join(tmpdir(), "gatebench-selfbench-"));
const BODY = new TextDecoder().decode(defaultChatBody(false));
const self = [process.execPath, join(import.meta.dir, "..", "src", "main.ts")];
const children: ChildProcess[] = [];

const start = async (name: string, argv: string[]): Promise<string> => {
  const c = await startChild(name, argv, 10_000);
  children.push(c);
  return `http://127.0.0.1:${c.port}`;
};
let benchUrl: string | undefined;
/** The zero-delay server, started once. */
const benchServer = async (): Promise<string> => (benchUrl ??= await start("bench server", [process.execPath, join(import.meta.dir, "bench-server.ts")]));
const mock = (args: string[]): Promise<string> => start("mock", [...self, "__mock", "--port", "0", "--seed", "1", ...args]);

const f = (x: number, digits = 0, w = 8): string => (Number.isNaN(x) ? "-" : x.toFixed(digits)).padStart(w);
const k = (x: number): string => (Number.isNaN(x) ? "-" : `${(x / 1000).toFixed(1)}k`);
const signed = (x: number, digits = 3): string => (Number.isNaN(x) ? "-" : `${x >= 0 ? "+" : ""}${x.toFixed(digits)}`);

/** CPU µs gatebench spends starting and stopping (a run of one request), per client: subtracted from its CPU per request. */
const startCost: Record<string, number> = {};
async function calibrate(url: string): Promise<void> {
  for (const client of CLIENT_KINDS) {
    const runs = [];
    for (let i = 0; i < 3; i++) runs.push((await gatebench(url, ["-c", "1", "-n", "1"], { client, dir, name: "calibrate" })).cpuUs);
    startCost[client] = spread(runs).median;
  }
  console.log(
    `gatebench's own start and stop (a run of one request): ${CLIENT_KINDS.map((c) => `${c} ${(startCost[c]! / 1000).toFixed(0)} ms of CPU`).join(", ")}, subtracted from its CPU per request below\n`,
  );
}

const cpuPerRequest = (r: PeerRun): number => {
  const client = /--client (\w+)/.exec(r.tool)?.[1];
  return (r.cpuUs - (client ? (startCost[client] ?? 0) : 0)) / r.requests;
};

/** Runs every tool once per round, in turn; the runs by tool. */
async function alternate(tools: [string, () => Promise<PeerRun | undefined>][]): Promise<Map<string, PeerRun[]>> {
  const out = new Map<string, PeerRun[]>(tools.map(([name]) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    // each round starts with the next tool, so no tool always runs first
    for (let i = 0; i < tools.length; i++) {
      const [name, run] = tools[(i + round) % tools.length]!;
      const r = await run();
      if (r) out.get(name)!.push(r);
    }
  }
  return out;
}

async function maxRate(): Promise<void> {
  const base = await benchServer();
  console.log(`## 1. Max rate: closed loop, 50 connections, zero-delay server (scripts/bench-server.ts), ${seconds} s per run, ${rounds} rounds\n`);
  for (const kind of ["unary", "sse"] as const) {
    const url = `${base}/${kind}`;
    const args = ["-c", "50", "--duration", `${seconds}s`, ...(kind === "sse" ? ["--stream"] : [])];
    const runs = await alternate([
      ...CLIENT_KINDS.map((client): [string, () => Promise<PeerRun | undefined>] => [
        `gatebench --client ${client}`,
        () => gatebench(url, args, { client, dir, name: `rate-${kind}-${client}` }),
      ]),
      ["wrk -t2 -c50", () => wrk(url, { connections: 50, threads: 2, seconds, body: BODY, dir })],
      ["autocannon -c50", () => autocannon(url, { connections: 50, seconds, body: BODY, dir: acDir })],
    ]);
    const med = (name: string): number => spread((runs.get(name) ?? []).map((r) => r.rps)).median;
    const [w, ac] = [med("wrk -t2 -c50"), med("autocannon -c50")];
    console.log(kind === "unary" ? "unary: a 271-byte chat completion" : `SSE: a stream of ${SSE_CONTENT_EVENTS} content events, usage and [DONE] (1.2 kB)`);
    console.log(`${"tool".padEnd(28)}${"req/s".padStart(8)}  ${"range".padEnd(15)}${"× wrk".padStart(7)}${"× ac".padStart(7)}${"CPU µs/req".padStart(12)}`);
    for (const [name, rs] of runs) {
      if (rs.length === 0) {
        console.log(
          `${name.padEnd(28)}       - (not installed: ${name.startsWith("wrk") ? "apt-get install wrk" : `npm i --prefix ${join(tmpdir(), "gatebench-peers")} autocannon`})`,
        );
        continue;
      }
      const s = spread(rs.map((r) => r.rps));
      const cpu = spread(rs.map(cpuPerRequest));
      console.log(
        `${name.padEnd(28)}${k(s.median).padStart(8)}  ${`${k(s.min)}–${k(s.max)}`.padEnd(15)}${f(s.median / w, 2, 7)}${f(s.median / ac, 2, 7)}${f(cpu.median, 1, 12)}`,
      );
    }
    console.log("");
  }
  console.log("CPU per request: user + system time of the process and its children (getrusage at exit), over the requests it completed\n");
}

async function precision(): Promise<void> {
  const url = `${await mock(["--latency", "10ms"])}/v1/chat/completions`;
  console.log(`## 2. Precision: the mock answering after 10 ms, ${seconds} s per run, ${rounds} rounds\n`);
  const g = (client: ClientKind, args: string[], name: string) => () => gatebench(url, [...args, "--duration", `${seconds}s`], { client, dir, name });
  const runs = await alternate([
    ["wrk -t1 -c5", () => wrk(url, { connections: 5, threads: 1, seconds, body: BODY, dir })],
    ...CLIENT_KINDS.map((c): [string, () => Promise<PeerRun>] => [`gatebench -c 5 --client ${c}`, g(c, ["-c", "5"], `precision-c5-${c}`)]),
    ...CLIENT_KINDS.map((c): [string, () => Promise<PeerRun>] => [`gatebench --rate 500 --client ${c}`, g(c, ["--rate", "500"], `precision-r500-${c}`)]),
  ]);
  const w = runs.get("wrk -t1 -c5") ?? [];
  const [w50, w99] = [spread(w.map((r) => r.p50Ms)).median, spread(w.map((r) => r.p99Ms)).median];
  console.log(`${"tool".padEnd(34)}${"p50 ms".padStart(8)}${"p99 ms".padStart(9)}${"p50 − wrk".padStart(11)}${"p99 − wrk".padStart(11)}   p99 range`);
  for (const [name, rs] of runs) {
    if (rs.length === 0) continue;
    const p50 = spread(rs.map((r) => r.p50Ms));
    const p99 = spread(rs.map((r) => r.p99Ms));
    const delta = !name.startsWith("wrk");
    console.log(
      `${name.padEnd(34)}${f(p50.median, 3, 8)}${f(p99.median, 3, 9)}${(delta ? signed(p50.median - w50) : "").padStart(11)}${(delta ? signed(p99.median - w99) : "").padStart(11)}   ${p99.min.toFixed(3)}–${p99.max.toFixed(3)}`,
    );
  }
  console.log("targets: p50 within +0.05 ms of wrk's, p99 within +0.3 ms; gatebench's open-loop latency counts from each request's due time\n");
}

async function openLoop(): Promise<void> {
  const url = `${await mock(["--latency", "10ms"])}/v1/chat/completions`;
  const rate = 10_000;
  const durationS = 10;
  console.log(`## 3. Open loop: ${rate} req/s for ${durationS} s against the mock at 10 ms (${rate * durationS} requests due), ${rounds} rounds\n`);
  const runs = await alternate(
    CLIENT_KINDS.map((client): [string, () => Promise<PeerRun>] => [
      client,
      () => gatebench(url, ["--rate", String(rate), "--duration", `${durationS}s`], { client, dir, name: `open-${client}` }),
    ]),
  );
  console.log(
    `${"client".padEnd(10)}${"sent".padStart(9)}${"dropped".padStart(9)}${"lag p50".padStart(9)}${"p90".padStart(8)}${"p99".padStart(8)}${"max".padStart(8)}${"CPU µs/req".padStart(12)}   lag p99 range`,
  );
  for (const [client, rs] of runs) {
    const med = (pick: (r: PeerRun) => number) => spread(rs.map(pick));
    const lag = (k: "p50" | "p90" | "p99" | "max") => med((r) => r.doc!.summary.schedule_lag_ms![k]);
    const p99 = lag("p99");
    console.log(
      `${client.padEnd(10)}${f(med((r) => r.doc!.summary.requests.total).min, 0, 9)}${f(med((r) => r.doc!.summary.requests.dropped).max, 0, 9)}${f(lag("p50").median, 3, 9)}${f(lag("p90").median, 3, 8)}${f(p99.median, 3, 8)}${f(lag("max").median, 3, 8)}${f(med(cpuPerRequest).median, 1, 12)}   ${p99.min.toFixed(3)}–${p99.max.toFixed(3)}`,
    );
  }
  console.log("sent: the fewest of any round; dropped: the most; the rest medians. Target: every request sent, schedule lag p99 ≤ 0.5 ms\n");
}

async function manyStreams(): Promise<void> {
  // 20 tokens 50 ms apart after 50 ms: each stream is open about 1 s
  const url = `${await mock(["--ttft", "50ms", "--itl", "50ms", "--tokens", "20"])}/v1/chat/completions`;
  const durationS = 10;
  console.log(`## 4. Streams: ${streams} open at once (closed loop), the mock sending 20 tokens 50 ms apart, ${durationS} s\n`);
  console.log(
    `${"client".padEnd(10)}${"streams".padStart(9)}${"failed".padStart(8)}${"events".padStart(10)}${"CPU µs/event".padStart(14)}${"conns".padStart(8)}`,
  );
  for (const client of CLIENT_KINDS) {
    const r = await gatebench(url, ["-c", String(streams), "--stream", "--duration", `${durationS}s`], { client, dir, name: `streams-${client}` });
    const s = r.doc!.summary;
    const events = s.output_tokens?.total ?? 0;
    const failed = s.requests.total - s.requests.ok;
    console.log(
      `${client.padEnd(10)}${f(s.requests.ok, 0, 9)}${f(failed, 0, 8)}${f(events, 0, 10)}${f((r.cpuUs - startCost[client]!) / events, 2, 14)}${(r.doc!.run.client?.connections_opened ?? "-").toString().padStart(8)}`,
    );
  }
  console.log("CPU per content event read: the whole process over the events; every event is read, scanned and timed\n");
}

const rssMb = (): number => {
  Bun.gc(true);
  return process.memoryUsage().rss / 1024 / 1024;
};

async function memory(): Promise<void> {
  const url = `${await benchServer()}/unary`;
  const first = memoryRequests / 10;
  console.log(
    `## 5. Memory: RSS of the load engine (in this process, after a full GC) after ${first} and after ${memoryRequests} requests, closed loop, 50 connections\n`,
  );
  for (const client of CLIENT_KINDS) {
    const handle = startLoad(
      {
        request: {
          url,
          method: "POST",
          headers: { "content-type": "application/json" },
          bodies: [defaultChatBody(false)],
          stream: false,
          timeoutMs: 30_000,
          client,
        },
        mode: { kind: "closed", concurrency: 50, requests: memoryRequests, durationMs: Number.POSITIVE_INFINITY },
        warmupMs: 0,
        workers: 1,
      },
      { stopSending: new AbortController().signal, abortInFlight: new AbortController().signal },
    );
    let afterFirst = 0;
    const probe = setInterval(() => {
      const l = handle.live();
      if (afterFirst === 0 && l.ok + l.failed >= first) afterFirst = rssMb();
    }, 20);
    const out = await handle.done;
    clearInterval(probe);
    const afterAll = rssMb();
    console.log(
      `${client.padEnd(8)} RSS after ${first}: ${afterFirst.toFixed(1)} MB, after ${out.recorder.total}: ${afterAll.toFixed(1)} MB, growth ${signed(((afterAll - afterFirst) / afterFirst) * 100, 1)} %`,
    );
  }
  console.log("target: growth ≤ 10 %\n");
}

console.log(`# gatebench selfbench · bun ${Bun.version} · ${navigator.hardwareConcurrency} cpus · ${new Date().toISOString()}\n`);
if (!acDir && only.has("rate")) console.log(`(autocannon not found: npm i --prefix ${join(tmpdir(), "gatebench-peers")} autocannon)\n`);
try {
  if (only.has("rate") || only.has("open") || only.has("streams")) await calibrate(`${await benchServer()}/unary`);
  if (only.has("rate")) await maxRate();
  if (only.has("precision")) await precision();
  if (only.has("open")) await openLoop();
  if (only.has("streams")) await manyStreams();
  if (only.has("memory")) await memory();
} finally {
  for (const c of children) await stopChild(c, 2000);
  rmSync(dir, { recursive: true, force: true });
}
