// The load engine's own benchmark (`bun run selfbench`), figures measured in
// one run on one machine:
//
// 1. max rate: closed loop against the mock at zero latency, the same
//    number of connections for gatebench (1 and 2 workers), wrk and hey;
// 2. precision: 10,000 req/s for 10 s against the mock at 10 ms: requests
//    sent against the schedule's 100,000, schedule lag p50/p99/max;
// 3. memory: RSS after 100,000 and after 1,000,000 requests (closed loop).
//
//   bun run selfbench [--only rate,precision,memory] [--seconds 5] [--connections 64] [--rounds 3]
//                     [--precision-rate 10000] [--precision-workers 1] [--memory-requests 1000000]
// wrk and hey come from Debian's packages: apt-get install wrk hey
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startChild, stopChild, type ChildProcess } from "../src/gateway/process.ts";
import type { PreparedRequest } from "../src/load/client.ts";
import { constantShape } from "../src/load/pacer.ts";
import { startLoad, type LoadMode, type LoadOutcome } from "../src/load/run.ts";
import { statsOf } from "../src/metrics/histogram.ts";
import { defaultChatBody } from "../src/run/workload.ts";
import { flag, raiseFetchLimit } from "./drive.ts";

await raiseFetchLimit();

const only = new Set(flag("only", "rate,precision,memory").split(","));
const seconds = Number(flag("seconds", "5"));
const connections = Number(flag("connections", "64"));
const rounds = Number(flag("rounds", "3"));
const precisionRate = Number(flag("precision-rate", "10000"));
const memoryRequests = Number(flag("memory-requests", "1000000"));
const precisionWorkers = Number(flag("precision-workers", "1"));
const main = join(import.meta.dir, "..", "src", "main.ts");
const dir = mkdtempSync(join(tmpdir(), "gatebench-selfbench-"));
const BODY = defaultChatBody(false);
const BODY_TEXT = new TextDecoder().decode(BODY);

const mock = (latency: string): Promise<ChildProcess> => startChild("mock", [process.execPath, main, "__mock", "--port", "0", "--seed", "1", "--latency", latency], 10_000);
const urlOf = (m: ChildProcess): string => `http://127.0.0.1:${m.port}/v1/chat/completions`;
const request = (url: string): PreparedRequest => ({ url, method: "POST", headers: { "content-type": "application/json" }, bodies: [BODY], stream: false, timeoutMs: 30_000 });

function have(tool: string): boolean {
  return Bun.spawnSync(["sh", "-c", `command -v ${tool}`]).success;
}

function wrk(url: string, c: number, s: number): number {
  const lua = join(dir, "post.lua");
  writeFileSync(lua, `wrk.method = "POST"\nwrk.body = ${JSON.stringify(BODY_TEXT)}\nwrk.headers["Content-Type"] = "application/json"\n`);
  const r = Bun.spawnSync(["wrk", "-t1", `-c${c}`, `-d${s}s`, "-s", lua, url]);
  return Number(/Requests\/sec:\s+([\d.]+)/.exec(r.stdout.toString())?.[1]);
}

function hey(url: string, c: number, s: number): number {
  const r = Bun.spawnSync(["hey", "-z", `${s}s`, "-c", String(c), "-m", "POST", "-T", "application/json", "-d", BODY_TEXT, url]);
  return Number(/Requests\/sec:\s+([\d.]+)/.exec(r.stdout.toString())?.[1]);
}

async function load(url: string, mode: LoadMode, workers: number): Promise<{ out: LoadOutcome; wallMs: number; cpuPct: number }> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const handle = startLoad({ request: request(url), mode, warmupMs: 0, workers }, { stopSending: new AbortController().signal, abortInFlight: new AbortController().signal, workerArgv: [process.execPath, main, "__load"] });
  const out = await handle.done;
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { out, wallMs, cpuPct: ((cpu.user + cpu.system) / 1000 / wallMs) * 100 };
}

async function gatebenchMax(url: string, c: number, s: number, workers: number): Promise<number> {
  const { out } = await load(url, { kind: "closed", concurrency: c, requests: Number.POSITIVE_INFINITY, durationMs: s * 1000 }, workers);
  return out.recorder.ok / ((out.sendingDoneMs - out.startedMs) / 1000);
}

const rssMb = (): number => {
  Bun.gc(true);
  return process.memoryUsage().rss / 1024 / 1024;
};

console.log(`# gatebench selfbench · bun ${Bun.version} · ${navigator.hardwareConcurrency} cpus\n`);
const children: ChildProcess[] = [];
try {
  if (only.has("rate")) {
    const m = await mock("0");
    children.push(m);
    const url = urlOf(m);
    console.log(`## 1. max rate: closed loop, ${connections} connections, ${seconds} s each, mock at zero latency\n`);
    // a short warm-up so the first tool does not pay for cold caches; then
    // rounds that take the tools in turn, so drift hits them all; medians
    await gatebenchMax(url, connections, 1, 1);
    const runs: Record<string, number[]> = { g1: [], g2: [], wrk: [], hey: [] };
    for (let round = 0; round < rounds; round++) {
      runs.g1!.push(await gatebenchMax(url, connections, seconds, 1));
      runs.g2!.push(await gatebenchMax(url, connections, seconds, 2));
      runs.wrk!.push(have("wrk") ? wrk(url, connections, seconds) : Number.NaN);
      runs.hey!.push(have("hey") ? hey(url, connections, seconds) : Number.NaN);
    }
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const [g1, g2, w, h] = [runs.g1!, runs.g2!, runs.wrk!, runs.hey!].map(median) as [number, number, number, number];
    console.log(`medians of ${rounds} rounds; every run: ${Object.entries(runs).map(([k, xs]) => `${k} ${xs.map((x) => x.toFixed(0)).join("/")}`).join(", ")}\n`);
    const row = (name: string, rps: number): string => `${name.padEnd(26)} ${Number.isNaN(rps) ? "      - (not installed: apt-get install wrk hey)" : `${rps.toFixed(0).padStart(7)} req/s`}`;
    console.log(row("gatebench (1 worker)", g1));
    console.log(row("gatebench (2 workers)", g2));
    console.log(row(`wrk -t1 -c${connections}`, w));
    console.log(row(`hey -c${connections}`, h));
    const best = Math.max(g1, g2);
    console.log(`\ngatebench / wrk = ${(best / w).toFixed(2)}×   gatebench / hey = ${(best / h).toFixed(2)}×\n`);
  }

  if (only.has("precision")) {
    const m = await mock("10ms");
    children.push(m);
    const expected = (precisionRate * 10_000) / 1000;
    console.log(`## 2. precision: ${precisionRate} req/s for 10 s against the mock at 10 ms (schedule: ${expected} requests), ${precisionWorkers} worker(s)\n`);
    const { out, cpuPct } = await load(urlOf(m), { kind: "open", segments: constantShape(precisionRate, 10_000).segments.slice(), arrival: "constant", seed: 1, maxInFlight: 100_000 }, precisionWorkers);
    const r = out.recorder;
    const lag = statsOf(r.histograms.schedule_lag)!;
    const lat = statsOf(r.histograms.latency)!;
    const sentOff = (Math.abs(r.total + r.dropped - expected) / expected) * 100;
    console.log(`sent ${r.total} (ok ${r.ok}, dropped ${r.dropped}): ${sentOff.toFixed(3)} % off the schedule   [target ≤ 0.1 %]`);
    console.log(`schedule lag p50 ${lag.p50} ms, p90 ${lag.p90}, p95 ${lag.p95}, p99 ${lag.p99} ms, max ${lag.max} ms   [target p99 ≤ 0.5 ms]`);
    console.log(`latency p50 ${lat.p50} ms, p99 ${lat.p99} ms; gatebench CPU ${cpuPct.toFixed(0)} % of a core\n`);
  }

  if (only.has("memory")) {
    const m = await mock("0");
    children.push(m);
    const url = urlOf(m);
    const first = memoryRequests / 10;
    console.log(`## 3. memory: RSS after ${first} and after ${memoryRequests} requests (closed loop, ${connections} connections)\n`);
    const before = rssMb();
    // one run; RSS read (after a full GC) once 100,000 have completed, and at the end
    const handle = startLoad(
      { request: request(url), mode: { kind: "closed", concurrency: connections, requests: memoryRequests, durationMs: Number.POSITIVE_INFINITY }, warmupMs: 0, workers: 1 },
      { stopSending: new AbortController().signal, abortInFlight: new AbortController().signal },
    );
    let afterFirst = 0;
    let doneAtFirst = 0;
    const probe = setInterval(() => {
      const l = handle.live();
      if (afterFirst === 0 && l.ok + l.failed >= first) {
        doneAtFirst = l.ok + l.failed;
        afterFirst = rssMb();
      }
    }, 20);
    const out = await handle.done;
    clearInterval(probe);
    const afterAll = rssMb();
    console.log(`RSS before ${before.toFixed(1)} MB, after ${doneAtFirst} requests ${afterFirst.toFixed(1)} MB, after ${out.recorder.total} ${afterAll.toFixed(1)} MB`);
    console.log(`growth ${(((afterAll - afterFirst) / afterFirst) * 100).toFixed(1)} %   [target ≤ 10 %]\n`);
  }
} finally {
  for (const c of children) await stopChild(c, 2000);
  rmSync(dir, { recursive: true, force: true });
}
