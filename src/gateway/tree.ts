// Processes from /proc (Linux): a gateway started through npm, a shell or
// a supervisor has children, found again at every sample, by process group
// (a gateway gatebench started) or by parentage (one it attached to).
import { readdirSync, readFileSync } from "node:fs";

interface ProcEntry {
  pid: number;
  ppid: number;
  pgrp: number;
}

/** Every live (not zombie) process, or undefined where there is no /proc. */
function processes(): ProcEntry[] | undefined {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return undefined;
  }
  const out: ProcEntry[] = [];
  for (const d of entries) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      // pid (comm) state ppid pgrp …: comm may hold spaces and parentheses, so read after the last ")"
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (f[0] !== "Z") out.push({ pid: Number(d), ppid: Number(f[1]), pgrp: Number(f[2]) });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Live processes of the group `pgid`; undefined where there is no /proc. */
export function groupMembers(pgid: number): number[] | undefined {
  return processes()
    ?.filter((p) => p.pgrp === pgid)
    .map((p) => p.pid);
}

/** Every live descendant of `pid` (children, their children, …); empty where /proc cannot tell. */
export function descendants(pid: number): number[] {
  const all = processes();
  if (!all) return [];
  const children = new Map<number, number[]>();
  for (const { pid: p, ppid } of all) {
    const list = children.get(ppid);
    if (list) list.push(p);
    else children.set(ppid, [p]);
  }
  const out: number[] = [];
  const stack = [...(children.get(pid) ?? [])];
  while (stack.length > 0) {
    const p = stack.pop()!;
    out.push(p);
    stack.push(...(children.get(p) ?? []));
  }
  return out;
}

/** Whether `pid` names a live process this user may signal. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** This process's open-file limit (ulimit -n, from /proc), or undefined. */
export function openFileLimit(): number | undefined {
  try {
    const m = /^Max open files\s+(\d+)/m.exec(readFileSync("/proc/self/limits", "utf8"));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}
