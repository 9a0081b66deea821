// The processes of a gateway: one started through npm, a shell or a
// supervisor has children, found again at every sample, by process group
// (a gateway gatebench started) or by parentage (one it attached to).
// Linux reads /proc; macOS and the BSDs ask `ps`; Windows, which has no
// process groups, asks its process table and goes by parentage alone. Those
// two start a process to ask, so the listing is asynchronous: the load,
// which may run on this thread, never waits for it.
import { readdirSync, readFileSync } from "node:fs";
import { WINDOWS } from "../platform.ts";

interface ProcEntry {
  pid: number;
  ppid: number;
  pgrp: number;
}

/** Every live (not zombie) process from /proc, or undefined where there is no /proc. */
function fromProc(): ProcEntry[] | undefined {
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
  return out.length > 0 ? out : undefined;
}

/** What a listing command prints, or undefined when it cannot be run or fails. */
async function outputOf(argv: string[]): Promise<string | undefined> {
  try {
    const proc = Bun.spawn(argv, { stdin: "ignore", stdout: "pipe", stderr: "ignore", windowsHide: true });
    const [text, code] = await Promise.all([proc.stdout.text(), proc.exited]);
    return code === 0 ? text : undefined;
  } catch {
    return undefined; // no such command here
  }
}

/** Every live process from `ps` (POSIX: macOS, the BSDs, Linux without /proc), or undefined. */
export async function fromPs(): Promise<ProcEntry[] | undefined> {
  const text = await outputOf(["ps", "-A", "-o", "pid=,ppid=,pgid=,stat="]);
  if (text === undefined) return undefined;
  const out: ProcEntry[] = [];
  for (const line of text.split("\n")) {
    const f = line.trim().split(/\s+/);
    if (f.length < 4 || f[3]!.startsWith("Z")) continue;
    out.push({ pid: Number(f[0]), ppid: Number(f[1]), pgrp: Number(f[2]) });
  }
  return out.length > 0 ? out : undefined;
}

/** Windows' process table (pid and parent; each process its own "group"), or undefined. */
async function fromWindows(): Promise<ProcEntry[] | undefined> {
  const text = await outputOf([
    "powershell.exe",
    "-NoProfile",
    "-NonInteractive",
    "-Command",
    'Get-CimInstance Win32_Process | ForEach-Object { "$($_.ProcessId) $($_.ParentProcessId)" }',
  ]);
  if (text === undefined) return undefined;
  const out: ProcEntry[] = [];
  for (const line of text.split(/\r?\n/)) {
    const [pid, ppid] = line.trim().split(/\s+/).map(Number);
    if (pid && ppid !== undefined && !Number.isNaN(ppid)) out.push({ pid, ppid, pgrp: pid });
  }
  return out.length > 0 ? out : undefined;
}

/** Every live (not zombie) process, or undefined where this platform cannot tell. */
async function processes(): Promise<ProcEntry[] | undefined> {
  return fromProc() ?? (WINDOWS ? fromWindows() : fromPs());
}

/**
 * Live processes of the group `pgid`; undefined where this platform cannot
 * tell. On Windows, which has no process groups, the leader and its
 * descendants.
 */
export async function groupMembers(pgid: number): Promise<number[] | undefined> {
  const all = await processes();
  if (!all) return undefined;
  if (WINDOWS) return all.some((p) => p.pid === pgid) ? [pgid, ...descendantsIn(all, pgid)] : [];
  return all.filter((p) => p.pgrp === pgid).map((p) => p.pid);
}

/** Every live descendant of `pid` (children, their children, …); empty where this platform cannot tell. */
export async function descendants(pid: number): Promise<number[]> {
  const all = await processes();
  return all ? descendantsIn(all, pid) : [];
}

function descendantsIn(all: ProcEntry[], pid: number): number[] {
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
