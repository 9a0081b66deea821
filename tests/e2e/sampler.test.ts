// Resource figures against the kernel's own: the sampler's RSS for a process
// and for a process group must match /proc/<pid>/status VmRSS of the same
// processes within 5 %.
import { afterEach, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { groupMembers } from "../../src/process/tree.ts";
import { ResourceSampler } from "../../src/process/sampler.ts";
import { waitFor } from "./helpers.ts";

const procs: ReturnType<typeof Bun.spawn>[] = [];
afterEach(async () => {
  for (const p of procs.splice(0)) {
    try {
      process.kill(-p.pid, "SIGKILL");
    } catch {
      p.kill("SIGKILL");
    }
    await p.exited;
  }
});

const vmRssMb = (pid: number): number => Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) / 1024;

describe.skipIf(process.platform !== "linux")("sampler against /proc", () => {
  test("one process holding 64 MB: RSS within 5 % of VmRSS", async () => {
    // a process that touches 64 MB and then idles
    const p = Bun.spawn(
      [process.execPath, "-e", "const b = new Uint8Array(64 * 1024 * 1024).fill(1); console.log('ready'); setInterval(() => b[0]++, 1000);"],
      { stdout: "pipe", stderr: "ignore", detached: true },
    );
    procs.push(p);
    const reader = p.stdout.getReader();
    await reader.read();
    const sampler = new ResourceSampler([{ name: "p", pid: p.pid }], 100);
    await sampler.start("idle");
    await sampler.mark("load");
    const truth = vmRssMb(p.pid);
    await sampler.stop();
    const got = sampler.acc.summary().p!.load!.rss_mb_max;
    expect(truth).toBeGreaterThan(64);
    expect(Math.abs(got - truth) / truth).toBeLessThan(0.05);
  });

  test("a process group started through sh -c with two children: the group's RSS is the sum of its members'", async () => {
    const p = Bun.spawn(
      [
        "sh",
        "-c",
        `${process.execPath} -e "const b = new Uint8Array(32 << 20).fill(1); setInterval(() => b[0]++, 1000)" & ${process.execPath} -e "const b = new Uint8Array(16 << 20).fill(1); setInterval(() => b[0]++, 1000)" & wait`,
      ],
      { stdout: "ignore", stderr: "ignore", detached: true },
    );
    procs.push(p);
    const members = await waitFor(
      async () => {
        const m = (await groupMembers(p.pid)) ?? [];
        return m.length === 3 && m.every((pid) => vmRssMb(pid) > 0) && m.reduce((s, pid) => s + vmRssMb(pid), 0) > 48 ? m : undefined;
      },
      10_000,
      "the group's members",
    );
    const sampler = new ResourceSampler([{ name: "gw", pid: p.pid, helpers: async () => ((await groupMembers(p.pid)) ?? []).filter((x) => x !== p.pid) }], 100);
    await sampler.start("idle");
    await sampler.mark("load");
    const truth = members!.reduce((s, pid) => s + vmRssMb(pid), 0);
    await sampler.stop();
    const got = sampler.acc.summary().gw!.load!.rss_mb_max;
    expect(Math.abs(got - truth) / truth).toBeLessThan(0.05);
  });
});
