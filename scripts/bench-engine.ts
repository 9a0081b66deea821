// Benchmark of the load engine itself, against the mock (its own process)
// with a known fixed latency: how closely the engine keeps to its schedule,
// how much it adds to the latency it reports, and what it costs in CPU, at
// increasing rates. Prints one row per rate.
//
//   bun scripts/bench-engine.ts [--latency-ms 5] [--seconds 3] [--rates 100,500,1000,2000]
import { selfArgv, startChild, stopChild } from "../src/process/children.ts";
import { defaultChatBody } from "../src/run/workload.ts";
import { drive, flag } from "./drive.ts";

const latencyMs = Number(flag("latency-ms", "5"));
const seconds = Number(flag("seconds", "3"));
const rates = flag("rates", "100,500,1000,2000").split(",").map(Number);
const stream = process.argv.includes("--stream");

// The entry point is src/main.ts, not this script.
const self = selfArgv();
const argv = self.length === 2 ? [self[0]!, `${import.meta.dir}/../src/main.ts`] : self;
const mock = await startChild("mock", [...argv, "__mock", "--port", "0", "--latency", `${latencyMs}ms`], 10_000);
const url = `http://127.0.0.1:${mock.port}/v1/chat/completions`;
const body = defaultChatBody(stream);

console.log(`mock latency ${latencyMs} ms, ${seconds} s per rate, ${stream ? "streaming" : "unary"}, bun ${Bun.version}`);
console.log("rate_rps  sent   ok     achieved  lat_p50  lat_p99  excess_p50  svc_p50  lag_p50  lag_p99  lag_max  gen_cpu");
try {
  for (const rate of rates) {
    const r = await drive(url, rate, seconds, body, stream);
    const { recorder, lat, svc, lag } = r;
    const f = (x: number, w = 8) => x.toFixed(3).padStart(w);
    console.log(
      `${String(rate).padStart(8)}  ${String(recorder.total).padStart(5)}  ${String(recorder.ok).padStart(5)}  ${r.achievedRps.toFixed(1).padStart(8)}  ${f(lat.p50)} ${f(lat.p99)}  ${f(lat.p50 - latencyMs, 10)}  ${f(svc.p50, 7)} ${f(lag.p50)} ${f(lag.p99)} ${f(lag.max)}  ${r.cpuPct.toFixed(1).padStart(6)} %`,
    );
  }
} finally {
  await stopChild(mock, 2000);
}
