// --gateway-cpus and --harness-cpus against the kernel: a gateway that
// reads /proc/self/status (and that of the child it forks, of gatebench
// and of the mock) must find the CPUs asked for, and the JSON must record
// the same; overlapping sets warn; bad lists are refused before anything
// starts. This machine has 2 CPUs or more: 0 and 1 are used.
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { allowedCpus, onlineCpus } from "../../src/process/affinity.ts";
import { cli, processesWithTag, ROOT, scratch } from "./helpers.ts";

const { dir, tagged } = scratch("gatebench-pin-");
const twoCpus = process.platform === "linux" && onlineCpus().includes(1);

// biome-ignore lint: the JSON result and the gateway's report are checked field by field
type Doc = any;

/** A run through the affinity gateway; its report (what it read in /proc) and the result. */
async function pinnedRun(name: string, flags: string[]) {
  const tag = tagged();
  const json = join(dir, `${name}.json`);
  const report = join(dir, `${name}.report.json`);
  const gateway = `${process.execPath} ${join(ROOT, "tests", "e2e", "fixtures", "affinity-gateway.ts")} --port {{PORT}} --upstream http://{{MOCK_HOST}}:{{MOCK_PORT}} --mock-port {{MOCK_PORT}} --report ${report}`;
  const r = await cli(["run", "--gateway", gateway, "--rate", "20", "--duration", "1s", "--json", json, ...flags], { tag, timeoutMs: 60_000 });
  const doc: Doc = existsSync(json) ? JSON.parse(readFileSync(json, "utf8")) : undefined;
  const seen: Doc = existsSync(report) ? JSON.parse(readFileSync(report, "utf8")) : undefined;
  expect(processesWithTag(tag)).toEqual([]);
  return { r, doc, seen };
}

/** What the JSON says each named process got: name → its distinct lists. */
function recorded(doc: Doc): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const p of doc.run.cpu_pinning.processes as { name: string; cpus_allowed: string }[])
    out[p.name] = [...new Set([...(out[p.name] ?? []), p.cpus_allowed])];
  return out;
}

describe.concurrent.skipIf(!twoCpus)("pinned cores", () => {
  test("--gateway-cpus 0 --harness-cpus 1: the gateway and the child it forked on 0; gatebench and the mock on 1; the JSON and the report say so", async () => {
    const { r, doc, seen } = await pinnedRun("apart", ["--gateway-cpus", "0", "--harness-cpus", "1"]);
    expect(r.code).toBe(0);
    expect(doc.summary.requests.success_ratio).toBe(1);
    // what the processes read of themselves in /proc
    expect(seen.self.cpus).toBe("0");
    expect(seen.child.cpus).toBe("0");
    expect(seen.gatebench.cpus).toBe("1");
    expect(seen.mock.cpus).toBe("1");
    // the same in the result, with the lists asked for
    expect(doc.config.gatewayCpus).toEqual([0]);
    expect(doc.config.harnessCpus).toEqual([1]);
    expect(doc.run.cpu_pinning).toMatchObject({ gateway_cpus: "0", harness_cpus: "1", overlap: null });
    expect(recorded(doc)).toEqual({ gateway: ["0"], mock: ["1"], gatebench: ["1"] });
    const pids = doc.run.cpu_pinning.processes.map((p: { pid: number }) => p.pid);
    expect(pids).toContain(seen.self.pid);
    expect(pids).toContain(seen.child.pid);
    expect(pids).toContain(seen.gatebench.pid);
    expect(pids).toContain(seen.mock.pid);
    expect(r.stdout).toContain("cpus      gateway on 0 (--gateway-cpus 0) · mock, gatebench on 1 (--harness-cpus 1)");
    expect(r.stderr).not.toContain("share CPU");
  }, 60_000);

  test("--gateway-cpus 0-1 --harness-cpus 1: both sets hold CPU 1, which is warned about on stderr, in the report and in the JSON", async () => {
    const { r, doc, seen } = await pinnedRun("overlap", ["--gateway-cpus", "0-1", "--harness-cpus", "1"]);
    expect(r.code).toBe(0);
    expect(seen.self.cpus).toBe("0-1");
    expect(seen.child.cpus).toBe("0-1");
    expect(seen.gatebench.cpus).toBe("1");
    expect(doc.run.cpu_pinning.overlap).toBe("1");
    expect(r.stderr).toContain("warning: --gateway-cpus 0-1 and --harness-cpus 1 share CPU 1");
    expect(doc.summary.warnings.some((w: string) => w.startsWith("--gateway-cpus 0-1 and --harness-cpus 1 share CPU 1"))).toBe(true);
    expect(r.stdout).toContain("WARNING: --gateway-cpus 0-1 and --harness-cpus 1 share CPU 1");
    expect(r.stdout).toContain("both sets share 1");
  }, 60_000);

  test("--harness-cpus 0 alone: the gateway does not inherit gatebench's set, it gets back what gatebench had before", async () => {
    const before = allowedCpus(process.pid);
    const { r, doc, seen } = await pinnedRun("harness-only", ["--harness-cpus", "0"]);
    expect(r.code).toBe(0);
    expect(seen.gatebench.cpus).toBe("0");
    expect(seen.mock.cpus).toBe("0");
    expect(seen.self.cpus).toBe(before);
    expect(doc.run.cpu_pinning).toMatchObject({ gateway_cpus: null, harness_cpus: "0", overlap: null });
    expect(r.stdout).toContain(`gateway on ${before} (not pinned)`);
  }, 60_000);

  test("the built-in proxy is the gateway: it leaves gatebench's CPU for its own", async () => {
    const tag = tagged();
    const json = join(dir, "proxy.json");
    const r = await cli(["run", "--rate", "20", "--duration", "1s", "--gateway-cpus", "1", "--harness-cpus", "0", "--json", json], { tag });
    expect(r.code).toBe(0);
    const doc: Doc = JSON.parse(readFileSync(json, "utf8"));
    expect(doc.run.gateway.kind).toBe("built-in proxy");
    expect(recorded(doc)).toEqual({ gateway: ["1"], mock: ["0"], gatebench: ["0"] });
    expect(doc.run.cpu_pinning.processes.find((p: { name: string }) => p.name === "gateway").pid).toBe(doc.run.gateway.pid);
    expect(processesWithTag(tag)).toEqual([]);
  }, 60_000);
});

describe.concurrent.skipIf(process.platform !== "linux")("bad lists: one line, exit 2, nothing started", () => {
  const cpus = onlineCpus();
  const beyond = cpus.at(-1)! + 1;
  test.each([
    [["--gateway-cpus", "0-"], '--gateway-cpus "0-": "0-" is neither a CPU number nor a range like 2-3'],
    [["--harness-cpus", "1-0"], '--harness-cpus "1-0": the range 1-0 runs backwards'],
    [["--gateway-cpus", "0,0"], "CPU 0 is listed twice"],
    [["--gateway-cpus", "0,,1"], "an empty item between commas"],
    [["--harness-cpus", `0-${beyond}`], `this machine has ${cpus.length} CPU${cpus.length === 1 ? "" : "s"}`],
    [["--gateway-cpus", "0", "--target", "http://127.0.0.1:9/v1"], "--gateway-cpus pins a gateway gatebench starts"],
  ])("run %p", async (flags, message) => {
    const tag = tagged();
    const r = await cli(["run", ...flags], { tag });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stdout).toBe("");
    expect(processesWithTag(tag)).toEqual([]);
  });

  test.skipIf(!twoCpus)(
    "frontier: every rung pinned, and its report and JSON say what the processes got",
    async () => {
      const tag = tagged();
      const json = join(dir, "frontier.json");
      const r = await cli(
        [
          "frontier",
          "--gateway-cpus",
          "0",
          "--harness-cpus",
          "1",
          "-c",
          "1,2",
          "--rung-duration",
          "0.5s",
          "--warmup",
          "0.2s",
          "--only",
          "ladder",
          "--json",
          json,
        ],
        { tag, timeoutMs: 60_000 },
      );
      expect(processesWithTag(tag)).toEqual([]);
      if (r.code !== 0) throw new Error(`gatebench exited with ${r.code}\n${r.stderr}`);
      const doc: Doc = JSON.parse(readFileSync(json, "utf8"));
      expect(doc.cpu_pinning).toMatchObject({ gateway_cpus: "0", harness_cpus: "1", overlap: null });
      expect(recorded({ run: { cpu_pinning: doc.cpu_pinning } })).toEqual({ gateway: ["0"], mock: ["1"], gatebench: ["1"] });
      expect(r.stdout).toContain("cpus      gateway on 0 (--gateway-cpus 0) · mock, gatebench on 1 (--harness-cpus 1)");
    },
    60_000,
  );

  test("sweep takes the flags from run, checked the same way", async () => {
    const r = await cli(["sweep", "--slo", "success >= 99%", "--gateway-cpus", String(beyond)]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--gateway-cpus "${beyond}": this machine has ${cpus.length} CPU`);
  });
});
