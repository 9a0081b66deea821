// Finding a gateway's processes without /proc (macOS, the BSDs): `ps` must
// see the same tree as /proc does here, so the fallback is tested on Linux.
import { afterAll, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { descendants, fromPs } from "../../src/process/tree.ts";

const started: Bun.Subprocess[] = [];
afterAll(() => {
  for (const p of started) p.kill("SIGKILL");
});

test("ps lists this process with its parent and group, as /proc does", async () => {
  const listing = await fromPs();
  expect(listing).toBeDefined();
  const me = listing!.find((p) => p.pid === process.pid);
  expect(me?.ppid).toBe(process.ppid);
  const stat = readFileSync(`/proc/${process.pid}/stat`, "utf8");
  const pgrp = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]);
  expect(me?.pgrp).toBe(pgrp);
});

test("a shell's child is a descendant, and ps agrees with /proc on the tree", async () => {
  // sh starts sleep as its child (sh stays, waiting on it)
  const sh = Bun.spawn(["sh", "-c", "sleep 30; true"], { stdin: "ignore", stdout: "ignore", stderr: "ignore" });
  started.push(sh);
  const deadline = performance.now() + 5000;
  let tree: number[] = [];
  while (performance.now() < deadline) {
    tree = await descendants(sh.pid);
    if (tree.length > 0) break;
    await Bun.sleep(20);
  }
  expect(tree.length).toBe(1);
  const child = (await fromPs())!.find((p) => p.pid === tree[0]);
  expect(child?.ppid).toBe(sh.pid);
}, 10_000);
