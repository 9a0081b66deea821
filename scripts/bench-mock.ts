// Benchmarks of the mock upstream, each in one run on one machine:
//
// 1. capacity: unary, zero latency, wrk -c64 against the mock, a bare
//    Bun.serve hello-world, and a Bun.serve that only reads and parses the
//    body (each its own process);
// 2. timers: 10 ms unary at --timer-rate req/s (default 5000), the mock's own
//    lateness (from /__stats) and the client's service time;
// 3. streams: --streams concurrent streams (default 10000) with ITL 50 ms,
//    the ITL the client sees, the mock's chunk lateness and its peak RSS.
//
//   bun scripts/bench-mock.ts [--streams 10000] [--timer-rate 5000] [--rounds 3] [--skip capacity,timers,streams]
import pidusage from "pidusage";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startChild, stopChild, type ChildProcess } from "../src/process/children.ts";
import { statsOf } from "../src/metrics/histogram.ts";
import { ERROR_KIND_NAMES } from "../src/metrics/outcome.ts";
import { defaultChatBody } from "../src/run/workload.ts";
import { drive, flag, raiseFetchLimit } from "./drive.ts";

await raiseFetchLimit();

const skip = new Set(flag("skip", "").split(","));
const main = join(import.meta.dir, "..", "src", "main.ts");
const dir = mkdtempSync(join(tmpdir(), "gatebench-mockbench-"));
const unaryBody = defaultChatBody(false);
const streamBody = defaultChatBody(true);

async function mock(args: string[]): Promise<ChildProcess> {
  return startChild("mock", [process.execPath, main, "__mock", "--port", "0", "--seed", "1", ...args], 10_000);
}

function wrk(url: string, seconds: number): number {
  const lua = join(dir, "post.lua");
  writeFileSync(
    lua,
    `wrk.method = "POST"\nwrk.body = ${JSON.stringify(new TextDecoder().decode(unaryBody))}\nwrk.headers["Content-Type"] = "application/json"\n`,
  );
  const r = Bun.spawnSync(["wrk", "-t1", "-c64", `-d${seconds}s`, "-s", lua, url]);
  if (!r.success) throw new Error(`wrk failed (apt-get install wrk): ${r.stderr.toString()}`);
  return Number(/Requests\/sec:\s+([\d.]+)/.exec(r.stdout.toString())?.[1]);
}

const stats = async (m: ChildProcess) => (await fetch(`http://127.0.0.1:${m.port}/__stats`)).json() as Promise<Record<string, any>>;

console.log(`# bun ${Bun.version}, ${navigator.hardwareConcurrency} cpus\n`);
try {
  if (!skip.has("capacity")) {
    // two references: the issue's bare hello-world, which never reads the
    // request, and the least any mock must do: read the body and parse it
    const server = (name: string, handler: string) => {
      writeFileSync(
        join(dir, `${name}.ts`),
        `const s = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: ${handler} });\nconsole.log(\`GATEBENCH_READY {"port":\${s.port}}\`);\nfor await (const _ of Bun.stdin.stream()) {}\n`,
      );
      return startChild(name, [process.execPath, join(dir, `${name}.ts`)], 10_000);
    };
    const hello = await server("hello", '() => new Response("hello")');
    const parse = await server("parse", 'async (req) => { JSON.parse(await req.text()); return new Response("hello"); }');
    const m = await mock(["--latency", "0"]);
    const rounds = Number(flag("rounds", "3"));
    const seen: Record<string, number[]> = { hello: [], parse: [], mock: [] };
    try {
      // interleaved rounds, medians: a busy moment of the machine hits all three alike
      for (let i = 0; i < rounds; i++) {
        seen.hello!.push(wrk(`http://127.0.0.1:${hello.port}/v1/chat/completions`, 3));
        seen.parse!.push(wrk(`http://127.0.0.1:${parse.port}/v1/chat/completions`, 3));
        seen.mock!.push(wrk(`http://127.0.0.1:${m.port}/v1/chat/completions`, 3));
      }
      const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
      const [h, p, k] = [med(seen.hello!), med(seen.parse!), med(seen.mock!)];
      console.log(`## capacity (wrk -t1 -c64, POST chat body, median of ${rounds} interleaved 3 s rounds)\n`);
      console.log(`bare Bun.serve hello-world               ${h.toFixed(0)} req/s  (${seen.hello!.map((x) => x.toFixed(0)).join(", ")})`);
      console.log(
        `Bun.serve reading and parsing the body   ${p.toFixed(0)} req/s  = ${(p / h).toFixed(2)}x hello  (${seen.parse!.map((x) => x.toFixed(0)).join(", ")})`,
      );
      console.log(
        `gatebench mock, latency 0                ${k.toFixed(0)} req/s  = ${(k / h).toFixed(2)}x hello, ${(k / p).toFixed(2)}x parsing  (${seen.mock!.map((x) => x.toFixed(0)).join(", ")})\n`,
      );
    } finally {
      await stopChild(m, 2000);
      await stopChild(parse, 2000);
      await stopChild(hello, 2000);
    }
  }

  if (!skip.has("timers")) {
    const rate = Number(flag("timer-rate", "5000"));
    const m = await mock(["--latency", "10ms"]);
    try {
      const r = await drive(`http://127.0.0.1:${m.port}/v1/chat/completions`, rate, 5, unaryBody);
      const late = (await stats(m)).lateness_ms.unary;
      console.log(`## timers (10 ms unary at ${rate} req/s for 5 s)\n`);
      console.log(`sent ${r.recorder.total}, ok ${r.recorder.ok}`);
      console.log(`mock's own lateness   p50 ${late.p50} ms  p99 ${late.p99} ms  max ${late.max} ms`);
      console.log(`client service time   p50 ${r.svc.p50} ms  p99 ${r.svc.p99} ms (loopback and client included)\n`);
    } finally {
      await stopChild(m, 2000);
    }
  }

  if (!skip.has("streams")) {
    const n = Number(flag("streams", "10000"));
    const openSeconds = 5;
    // each stream lasts ~10 s: all n are open together from 5 s to 10 s
    const m = await mock(["--ttft", "50ms", "--itl", "50ms", "--tokens", "200"]);
    let peakRss = 0;
    let peakCpu = 0;
    const sampler = setInterval(async () => {
      try {
        const u = await pidusage(m.pid);
        peakRss = Math.max(peakRss, u.memory);
        peakCpu = Math.max(peakCpu, u.cpu);
      } catch {
        // the mock is stopping
      }
    }, 500);
    try {
      const r = await drive(`http://127.0.0.1:${m.port}/v1/chat/completions`, n / openSeconds, openSeconds, streamBody, true);
      clearInterval(sampler);
      const st = await stats(m);
      const itl = statsOf(r.recorder.histograms.itl)!;
      console.log(`## ${n} concurrent streams (ITL 50 ms, 200 tokens, opened over ${openSeconds} s)\n`);
      const failed = [...r.recorder.errorCounts].flatMap((c, i) => (c > 0 ? [`${ERROR_KIND_NAMES[i]} ${c}`] : []));
      console.log(
        `ok ${r.recorder.ok} of ${r.recorder.total}${failed.length > 0 ? ` (failed: ${failed.join(", ")})` : ""}; the mock had ${st.in_flight_peak} open at once`,
      );
      console.log(`client ITL            p50 ${itl.p50} ms  p99 ${itl.p99} ms  max ${itl.max} ms`);
      console.log(`mock chunk lateness   p50 ${st.lateness_ms.chunk.p50} ms  p99 ${st.lateness_ms.chunk.p99} ms`);
      console.log(`mock peak RSS         ${(peakRss / 1024 / 1024).toFixed(0)} MB`);
      // with all n open, n × 20 chunks are due each second; while the mock keeps up (lateness p50 well under
      // a millisecond), its CPU per chunk tells how many streams one core could keep on time
      const chunksPerS = n * (1000 / 50);
      const keptUp = st.lateness_ms.chunk.p50 < 1;
      console.log(
        `mock peak CPU         ${peakCpu.toFixed(0)} % of a core, ${chunksPerS} chunks/s due${keptUp ? `: ${(((peakCpu / 100) * 1e6) / chunksPerS).toFixed(1)} µs per chunk` : " (not kept up: no per-chunk cost)"}`,
      );
      console.log(`client CPU            ${r.cpuPct.toFixed(0)} % of a core`);
    } finally {
      clearInterval(sampler);
      await stopChild(m, 2000);
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
