// The load generators the benchmarks compare, each run as its own process
// against the same URL, each reported the same way: requests per second,
// latency p50/p99, and the CPU the process (and its children) used, from
// the kernel's accounting when it exits (getrusage, as /proc counts it).
//
// gatebench runs as users run it (the CLI, its JSON result read back); wrk
// and hey come from Debian's packages; autocannon from the npm registry
// into a folder of its own (npm i --prefix DIR autocannon), found through
// --autocannon DIR, $AUTOCANNON_DIR, or $TMPDIR/gatebench-peers.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface PeerRun {
  tool: string;
  /** Successful responses per second. */
  rps: number;
  requests: number;
  p50Ms: number;
  p99Ms: number;
  /** CPU of the process and its children, µs. */
  cpuUs: number;
  /** gatebench's own figures from its JSON result, when it was gatebench. */
  doc?: GatebenchDoc;
}

/** The parts of gatebench's JSON result the benchmarks read. */
export interface GatebenchDoc {
  summary: {
    requests: { total: number; ok: number; dropped: number; throughput: number; rate: number };
    latency_ms?: { p50: number; p99: number; max: number };
    schedule_lag_ms?: { p50: number; p90: number; p99: number; max: number };
    output_tokens?: { total: number };
    errors: Record<string, number>;
  };
  run: { client?: { connections_opened?: number } };
}

const main = join(import.meta.dir, "..", "src", "main.ts");

async function timed(argv: string[], env?: Record<string, string>): Promise<{ out: string; err: string; cpuUs: number; code: number }> {
  const p = Bun.spawn(argv, { stdout: "pipe", stderr: "pipe", ...(env ? { env: { ...process.env, ...env } } : {}) });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  const u = p.resourceUsage();
  return { out, err, code, cpuUs: u ? Number(u.cpuTime.user + u.cpuTime.system) : Number.NaN };
}

const have = (tool: string): boolean => Bun.spawnSync(["sh", "-c", `command -v ${tool}`]).success;

/** wrk's duration with its unit → ms. */
function wrkMs(v: string | undefined, unit: string | undefined): number {
  if (v === undefined) return Number.NaN;
  return Number(v) * (unit === "us" ? 0.001 : unit === "s" ? 1000 : 1);
}

/** wrk, closed loop with `connections` connections and `threads` threads, POSTing `body`. */
export async function wrk(url: string, o: { connections: number; threads: number; seconds: number; body: string; dir: string }): Promise<PeerRun | undefined> {
  if (!have("wrk")) return undefined;
  const lua = join(o.dir, "post.lua");
  writeFileSync(lua, `wrk.method = "POST"\nwrk.body = ${JSON.stringify(o.body)}\nwrk.headers["Content-Type"] = "application/json"\n`);
  const r = await timed(["wrk", `-t${o.threads}`, `-c${o.connections}`, `-d${o.seconds}s`, "--latency", "-s", lua, url]);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(r.out)?.[1]);
  const total = Number(/(\d+) requests in/.exec(r.out)?.[1]);
  const p50 = /\n\s+50%\s+([\d.]+)(us|ms|s)/.exec(r.out);
  const p99 = /\n\s+99%\s+([\d.]+)(us|ms|s)/.exec(r.out);
  return {
    tool: `wrk -t${o.threads} -c${o.connections}`,
    rps,
    requests: total,
    p50Ms: wrkMs(p50?.[1], p50?.[2]),
    p99Ms: wrkMs(p99?.[1], p99?.[2]),
    cpuUs: r.cpuUs,
  };
}

/** The folder autocannon was installed into, if any. */
export function autocannonDir(given?: string): string | undefined {
  for (const d of [given, process.env.AUTOCANNON_DIR, join(tmpdir(), "gatebench-peers")]) {
    if (d && existsSync(join(d, "node_modules", "autocannon", "autocannon.js"))) return d;
  }
  return undefined;
}

/** autocannon (Node.js, raw sockets), closed loop with `connections` connections. */
export async function autocannon(url: string, o: { connections: number; seconds: number; body: string; dir?: string }): Promise<PeerRun | undefined> {
  const d = o.dir;
  if (!d || !have("node")) return undefined;
  const r = await timed([
    "node",
    join(d, "node_modules", "autocannon", "autocannon.js"),
    "--json",
    "-c",
    String(o.connections),
    "-d",
    String(o.seconds),
    "-m",
    "POST",
    "-H",
    "content-type=application/json",
    "-b",
    o.body,
    url,
  ]);
  const j = JSON.parse(r.out) as { requests: { total: number }; duration: number; latency: { p50: number; p99: number }; non2xx: number; errors: number };
  return {
    tool: `autocannon -c${o.connections}`,
    rps: (j.requests.total - j.non2xx - j.errors) / j.duration,
    requests: j.requests.total,
    p50Ms: j.latency.p50,
    p99Ms: j.latency.p99,
    cpuUs: r.cpuUs,
  };
}

/** gatebench run against `url` (nothing started: --no-mock), with `args` for the load; its JSON result read back. */
export async function gatebench(url: string, args: string[], o: { client: string; dir: string; name: string }): Promise<PeerRun> {
  const json = join(o.dir, `${o.name}.json`);
  const r = await timed([
    process.execPath,
    main,
    "run",
    "--target",
    url,
    "--no-mock",
    "--idle",
    "0",
    "--cooldown",
    "0",
    "--targets",
    "none",
    "--client",
    o.client,
    "--json",
    json,
    ...args,
  ]);
  if (r.code !== 0) throw new Error(`gatebench ${args.join(" ")} exited with ${r.code}: ${r.err.split("\n").slice(-5).join(" / ")}`);
  const doc = JSON.parse(readFileSync(json, "utf8")) as GatebenchDoc;
  const s = doc.summary;
  return {
    tool: `gatebench --client ${o.client}`,
    rps: s.requests.throughput,
    requests: s.requests.total,
    p50Ms: s.latency_ms?.p50 ?? Number.NaN,
    p99Ms: s.latency_ms?.p99 ?? Number.NaN,
    cpuUs: r.cpuUs,
    doc,
  };
}

/** The median of some figures, and their range. */
export function spread(xs: number[]): { median: number; min: number; max: number } {
  const s = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  if (s.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN };
  return { median: s[Math.floor((s.length - 1) / 2)]!, min: s[0]!, max: s[s.length - 1]! };
}
