// Shared by the benchmark scripts: their flags, the fetch limit, and one
// open-loop run of the engine against a URL, with what it cost this process
// in CPU.
import { OpenLoop } from "../src/load/open-loop.ts";
import { constantShape, Schedule } from "../src/load/pacer.ts";
import { statsOf, type Stats } from "../src/metrics/histogram.ts";
import { Recorder } from "../src/metrics/recorder.ts";

/** `--name value` from the script's command line, or `dflt`. */
export function flag(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i !== -1 && process.argv[i + 1] ? process.argv[i + 1]! : dflt;
}

/**
 * Many open fetches need BUN_CONFIG_MAX_HTTP_REQUESTS raised, which Bun
 * reads at start-up (gatebench run does the same): without it, the script
 * runs itself again with it set, and exits with its exit code.
 */
export async function raiseFetchLimit(): Promise<void> {
  if (process.env.BUN_CONFIG_MAX_HTTP_REQUESTS) return;
  const p = Bun.spawn([process.execPath, ...process.argv.slice(1)], {
    env: { ...process.env, BUN_CONFIG_MAX_HTTP_REQUESTS: "65535" },
    stdio: ["inherit", "inherit", "inherit"],
  });
  process.exit(await p.exited);
}

export interface DriveResult {
  recorder: Recorder;
  /** Send rate actually achieved between the first and the last send. */
  achievedRps: number;
  lat: Stats;
  svc: Stats;
  lag: Stats;
  /** CPU of this process over the run, in % of one core. */
  cpuPct: number;
}

export async function drive(url: string, rateRps: number, seconds: number, body: Uint8Array, stream = false): Promise<DriveResult> {
  const recorder = new Recorder();
  const load = new OpenLoop({
    schedule: new Schedule(constantShape(rateRps, seconds * 1000)),
    request: { url, method: "POST", headers: { "content-type": "application/json" }, bodies: [body], stream, timeoutMs: 30_000 },
    recorder,
    maxInFlight: 100_000,
    stopSending: new AbortController().signal,
    abortInFlight: new AbortController().signal,
  });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await load.run();
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  recorder.close();
  const h = recorder.histograms;
  return {
    recorder,
    achievedRps: (recorder.total - 1) / ((recorder.lastSentMs - recorder.firstSentMs) / 1000),
    lat: statsOf(h.latency)!,
    svc: statsOf(h.service_time)!,
    lag: statsOf(h.schedule_lag)!,
    cpuPct: ((cpu.user + cpu.system) / 1000 / wallMs) * 100,
  };
}
