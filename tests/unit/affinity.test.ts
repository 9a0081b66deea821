// CPU lists read strictly and written as the kernel writes them; a real
// multi-threaded process pinned, every thread of it checked in /proc; and
// the report's line on pinning.
import { afterAll, describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { AffinityError, allowedCpus, CAN_PIN, formatCpuList, onlineCpus, parseCpuList, pinProcess } from "../../src/process/affinity.ts";
import { pinningLine } from "../../src/report/rows.ts";

describe("CPU lists", () => {
  test.each([
    ["0", [0]],
    ["0-3", [0, 1, 2, 3]],
    ["4,5", [4, 5]],
    ["0,2-3", [0, 2, 3]],
    ["7,1-2", [1, 2, 7]],
    ["3-3", [3]],
  ])("%p reads as %p", (text, cpus) => {
    expect(parseCpuList(text)).toEqual(cpus);
  });

  test.each([
    ["", "an empty list"],
    ["0,", "an empty item"],
    [",1", "an empty item"],
    ["0-", "neither a CPU number nor a range"],
    ["-1", "neither a CPU number nor a range"],
    ["a", "neither a CPU number nor a range"],
    [" 0", "neither a CPU number nor a range"],
    ["0-1-2", "neither a CPU number nor a range"],
    ["1.5", "neither a CPU number nor a range"],
    ["3-1", "runs backwards"],
    ["0,0", "CPU 0 is listed twice"],
    ["0-2,2", "CPU 2 is listed twice"],
  ])("%p is refused: %s", (text, why) => {
    expect(() => parseCpuList(text)).toThrow(AffinityError);
    expect(() => parseCpuList(text)).toThrow(why);
  });

  test.each([
    [[0], "0"],
    [[0, 1, 2, 3], "0-3"],
    [[0, 2, 3], "0,2-3"],
    [[5, 1, 0], "0-1,5"],
  ])("%p is written %p, and read back the same", (cpus, text) => {
    expect(formatCpuList(cpus)).toBe(text);
    expect(parseCpuList(text)).toEqual([...cpus].sort((a, b) => a - b));
  });

  test("this machine's CPUs are listed from 0", () => {
    const online = onlineCpus();
    expect(online.length).toBeGreaterThan(0);
    expect(online[0]).toBe(0);
  });
});

/** Processes this file started, killed by pid at its end, passed or failed. */
const started: number[] = [];
afterAll(() => {
  for (const pid of started) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
});

/** The Cpus_allowed_list of every thread of `pid`. */
const threadLists = (pid: number): string[] =>
  readdirSync(`/proc/${pid}/task`).map((t) => /^Cpus_allowed_list:\s*(\S+)/m.exec(readFileSync(`/proc/${pid}/task/${t}/status`, "utf8"))![1]!);

describe.skipIf(!CAN_PIN)("pinning a running process", () => {
  test("every thread of a Bun process gets the CPUs; a child it starts afterwards inherits them", async () => {
    const last = onlineCpus().at(-1)!;
    // a fetch gives a Bun process its HTTP thread; then, on a line from stdin, it starts a child and prints its pid
    const p = Bun.spawn(
      [
        process.execPath,
        "-e",
        "await fetch('http://127.0.0.1:1').catch(() => {}); console.log('up'); for await (const _ of console) { const c = Bun.spawn(['sleep', '30']); console.log(c.pid); }",
      ],
      { stdin: "pipe", stdout: "pipe", stderr: "ignore" },
    );
    started.push(p.pid);
    const lines = p.stdout.pipeThrough(new TextDecoderStream()).getReader();
    expect((await lines.read()).value).toContain("up");
    expect(threadLists(p.pid).length).toBeGreaterThan(1);
    await pinProcess(p.pid, [last]);
    expect(allowedCpus(p.pid)).toBe(String(last));
    expect(new Set(threadLists(p.pid))).toEqual(new Set([String(last)]));
    p.stdin.write("go\n");
    p.stdin.flush();
    const childPid = Number((await lines.read()).value!.trim());
    started.push(childPid);
    expect(allowedCpus(childPid)).toBe(String(last));
    // and back to all of them
    await pinProcess(p.pid, onlineCpus());
    expect(new Set(threadLists(p.pid))).toEqual(new Set([formatCpuList(onlineCpus())]));
  }, 15_000);

  test("a process that is gone is a clear error, not a crash", async () => {
    const p = Bun.spawn(["true"]);
    await p.exited;
    await expect(pinProcess(p.pid, [0])).rejects.toThrow(AffinityError);
    expect(allowedCpus(p.pid)).toBeNull();
  });
});

describe("the report's line on pinning", () => {
  test("each side's processes by the CPUs they got, the overlap named, ? for a list that could not be read", () => {
    const line = pinningLine({
      gateway_cpus: "0-1",
      harness_cpus: "1",
      overlap: "1",
      processes: [
        { name: "gateway", pid: 10, cpus_allowed: "0-1" },
        { name: "gateway", pid: 11, cpus_allowed: null },
        { name: "mock", pid: 12, cpus_allowed: "1" },
        { name: "gatebench", pid: 13, cpus_allowed: "1" },
      ],
    });
    expect(line).toBe("gateway on 0-1, gateway on ? (--gateway-cpus 0-1) · mock, gatebench on 1 (--harness-cpus 1) · both sets share 1");
  });

  test("a side not pinned says so", () => {
    const line = pinningLine({ gateway_cpus: null, harness_cpus: "1", overlap: null, processes: [{ name: "gateway", pid: 1, cpus_allowed: "0-1" }] });
    expect(line).toBe("gateway on 0-1 (not pinned)");
  });
});
