// gatebench's load engine beside wrk and hey, in one run on one machine:
//
// 1. ceiling: the highest open-loop rate gatebench sends on schedule to a
//    fast server (nginx returning a fixed body), against the closed-loop
//    maximum wrk and hey reach on the same server;
// 2. accuracy: latency against a server whose delay is known (the mock at
//    5 ms, its own process), gatebench vs wrk vs hey, as excess over 5 ms.
//
//   bun scripts/bench-peers.ts        (needs wrk, hey, nginx: apt-get install wrk hey nginx-light)
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../src/process/ports.ts";
import { startChild, stopChild } from "../src/process/children.ts";
import { defaultChatBody } from "../src/run/workload.ts";
import { drive } from "./drive.ts";

const SECONDS = 4;
const BODY = new TextDecoder().decode(defaultChatBody(false));
const dir = mkdtempSync(join(tmpdir(), "gatebench-peers-"));

function run(argv: string[]): string {
  const r = Bun.spawnSync(argv, { stdout: "pipe", stderr: "pipe" });
  if (!r.success) throw new Error(`${argv.join(" ")} failed: ${r.stderr.toString()}`);
  return r.stdout.toString();
}

/** wrk with a POST body; returns requests/s and p50 (ms). */
function wrk(url: string, connections: number, seconds: number): { rps: number; p50: number } {
  const lua = join(dir, "post.lua");
  writeFileSync(lua, `wrk.method = "POST"\nwrk.body = ${JSON.stringify(BODY)}\nwrk.headers["Content-Type"] = "application/json"\n`);
  const out = run(["wrk", "-t1", `-c${connections}`, `-d${seconds}s`, "--latency", "-s", lua, url]);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const m = /50%\s+([\d.]+)(us|ms|s)/.exec(out);
  const p50 = m ? Number(m[1]) * (m[2] === "us" ? 0.001 : m[2] === "s" ? 1000 : 1) : Number.NaN;
  return { rps, p50 };
}

/** hey with a POST body; returns requests/s and p50 (ms). */
function hey(url: string, connections: number, seconds: number): { rps: number; p50: number } {
  const out = run(["hey", "-z", `${seconds}s`, "-c", String(connections), "-m", "POST", "-T", "application/json", "-d", BODY, url]);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const p50 = Number(/50%+ in ([\d.]+) secs/.exec(out)?.[1]) * 1000;
  return { rps, p50 };
}

const engine = (url: string, rate: number, seconds: number) => drive(url, rate, seconds, new TextEncoder().encode(BODY));

const nginxPort = freePort("127.0.0.1");
writeFileSync(
  join(dir, "nginx.conf"),
  `worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server {
    listen 127.0.0.1:${nginxPort};
    location / { default_type application/json; return 200 '{"id":"x","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}]}'; }
  }
}
`,
);
const nginx = Bun.spawn(["nginx", "-c", join(dir, "nginx.conf")], { stdout: "ignore", stderr: "pipe" });
const main = join(import.meta.dir, "..", "src", "main.ts");
let mock: Awaited<ReturnType<typeof startChild>> | undefined;
try {
  const nginxUrl = `http://127.0.0.1:${nginxPort}/v1/chat/completions`;
  const deadline = performance.now() + 5000;
  for (;;) {
    try {
      if ((await fetch(nginxUrl, { method: "POST", body: "{}" })).ok) break;
    } catch {
      if (performance.now() > deadline) throw new Error("nginx did not start");
      await Bun.sleep(20);
    }
  }
  console.log(`# bun ${Bun.version}, ${navigator.hardwareConcurrency} cpus, ${SECONDS} s per step\n`);
  console.log("## 1. ceiling against nginx (fixed body)\n");
  const w = wrk(nginxUrl, 64, SECONDS);
  const h = hey(nginxUrl, 64, SECONDS);
  console.log(`wrk -t1 -c64 (closed loop): ${w.rps.toFixed(0)} req/s`);
  console.log(`hey -c64      (closed loop): ${h.rps.toFixed(0)} req/s\n`);
  console.log("gatebench open loop:  target  achieved   ok      lag_p50  lag_p99   lat_p50  lat_p99  gen_cpu");
  let best = 0;
  for (const rate of [1000, 2000, 4000, 8000, 12000, 16000, 24000, 32000, 48000]) {
    const r = await engine(nginxUrl, rate, SECONDS);
    const onSchedule = r.achievedRps >= rate * 0.99 && r.lag.p99 < 5 && r.recorder.ok === r.recorder.total;
    if (onSchedule) best = rate;
    console.log(
      `                      ${String(rate).padStart(6)}  ${r.achievedRps.toFixed(0).padStart(8)}  ${String(r.recorder.ok).padStart(6)}  ${r.lag.p50.toFixed(3).padStart(7)}  ${r.lag.p99.toFixed(3).padStart(7)}  ${r.lat.p50.toFixed(3).padStart(8)}  ${r.lat.p99.toFixed(3).padStart(7)}  ${r.cpuPct.toFixed(0).padStart(5)} %${onSchedule ? "" : "  (behind schedule)"}`,
    );
    if (!onSchedule) break;
  }
  console.log(
    `\nhighest rate sent on schedule: ${best} req/s = ${((best / w.rps) * 100).toFixed(0)} % of wrk's closed-loop max, ${((best / h.rps) * 100).toFixed(0)} % of hey's\n`,
  );

  console.log("## 2. accuracy against the mock with a known 5 ms delay\n");
  mock = await startChild("mock", [process.execPath, main, "__mock", "--port", "0", "--latency", "5ms"], 10_000);
  const mockUrl = `http://127.0.0.1:${mock.port}/v1/chat/completions`;
  const g = await engine(mockUrl, 100, SECONDS);
  const w1 = wrk(mockUrl, 1, SECONDS);
  const h1 = hey(mockUrl, 1, SECONDS);
  console.log("tool                                    p50 (ms)   excess over 5 ms");
  console.log(`gatebench 100 req/s open loop, latency  ${g.lat.p50.toFixed(3).padStart(8)}   ${(g.lat.p50 - 5).toFixed(3)}`);
  console.log(`gatebench             service time      ${g.svc.p50.toFixed(3).padStart(8)}   ${(g.svc.p50 - 5).toFixed(3)}`);
  console.log(`wrk -c1 (one request at a time)         ${w1.p50.toFixed(3).padStart(8)}   ${(w1.p50 - 5).toFixed(3)}`);
  console.log(`hey -c1 (one request at a time)         ${h1.p50.toFixed(3).padStart(8)}   ${(h1.p50 - 5).toFixed(3)}`);
} finally {
  if (mock) await stopChild(mock, 2000);
  nginx.kill("SIGTERM");
  await nginx.exited;
  rmSync(dir, { recursive: true, force: true });
}
