// Process trees from /proc (Linux): a gateway started through npm, a shell
// or a supervisor has children, found again at every sample.
import { readdirSync, readFileSync } from "node:fs";

/** [pid, ppid] of every process, or undefined where there is no /proc. */
function parents(): [number, number][] | undefined {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return undefined;
  }
  const out: [number, number][] = [];
  for (const d of entries) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      // pid (comm) state ppid …: comm may hold spaces and parentheses, so read after the last ")"
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (f[0] !== "Z") out.push([Number(d), Number(f[1])]);
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Every live descendant of `pid` (children, their children, …); empty where /proc cannot tell. */
export function descendants(pid: number): number[] {
  const all = parents();
  if (!all) return [];
  const children = new Map<number, number[]>();
  for (const [p, pp] of all) {
    const list = children.get(pp);
    if (list) list.push(p);
    else children.set(pp, [p]);
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
