// Benchmark of the load engine itself, against the mock (its own process)
// with a known fixed latency: how closely the engine keeps to its schedule,
// how much it adds to the latency it reports, and what it costs in CPU, at
// increasing rates. Prints one row per rate.
//
//   bun scripts/bench-engine.ts [--latency-ms 5] [--seconds 3] [--rates 100,500,1000,2000]
import { selfArgv, startChild, stopChild } from "../src/gateway/process.ts";
import { LoadRun } from "../src/load/engine.ts";
import { constantPacer } from "../src/load/pacer.ts";
import { statsOf } from "../src/metrics/histogram.ts";
import { Recorder } from "../src/metrics/recorder.ts";
import { requestBody } from "../src/run/config.ts";

function flag(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i !== -1 && process.argv[i + 1] ? process.argv[i + 1]! : dflt;
}

const latencyMs = Number(flag("latency-ms", "5"));
const seconds = Number(flag("seconds", "3"));
const rates = flag("rates", "100,500,1000,2000").split(",").map(Number);
const stream = process.argv.includes("--stream");

// The entry point is src/main.ts, not this script.
const self = selfArgv();
const argv = self.length === 2 ? [self[0]!, `${import.meta.dir}/../src/main.ts`] : self;
const mock = await startChild("mock", [...argv, "__mock", "--port", "0", "--latency", `${latencyMs}ms`], 10_000);
const url = `http://127.0.0.1:${mock.port}/v1/chat/completions`;
const body = requestBody({ model: "gpt-4o-mini", stream });

console.log(`mock latency ${latencyMs} ms, ${seconds} s per rate, ${stream ? "streaming" : "unary"}, bun ${Bun.version}`);
console.log("rate_rps  sent   ok     achieved  lat_p50  lat_p99  excess_p50  svc_p50  lag_p50  lag_p99  lag_max  gen_cpu");
try {
  for (const rate of rates) {
    const recorder = new Recorder();
    const run = new LoadRun({
      pacer: constantPacer(rate, seconds * 1000),
      request: { url, method: "POST", headers: { "content-type": "application/json" }, body, stream, timeoutMs: 30_000 },
      recorder,
      maxInFlight: 100_000,
      stopSending: new AbortController().signal,
      abortInFlight: new AbortController().signal,
    });
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await run.run();
    const wallMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const lat = statsOf(recorder.histograms.latency)!;
    const svc = statsOf(recorder.histograms.service_time)!;
    const lag = statsOf(recorder.histograms.schedule_lag)!;
    const achieved = recorder.total / ((recorder.lastSentMs - recorder.firstSentMs) / 1000) * ((recorder.total - 1) / recorder.total);
    const f = (x: number, w = 8) => x.toFixed(3).padStart(w);
    console.log(
      `${String(rate).padStart(8)}  ${String(recorder.total).padStart(5)}  ${String(recorder.ok).padStart(5)}  ${achieved.toFixed(1).padStart(8)}  ${f(lat.p50)} ${f(lat.p99)}  ${f(lat.p50 - latencyMs, 10)}  ${f(svc.p50, 7)} ${f(lag.p50)} ${f(lag.p99)} ${f(lag.max)}  ${(((cpu.user + cpu.system) / 1000 / wallMs) * 100).toFixed(1).padStart(6)} %`,
    );
  }
} finally {
  await stopChild(mock, 2000);
}
