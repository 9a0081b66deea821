// CPU pinning (Linux): which CPUs a process may run on. A list such as
// "0,2-3" is read strictly; a process is pinned thread by thread, because
// sched_setaffinity changes one thread only, and a thread or child started
// afterwards inherits the mask of the thread that started it. Pinning goes
// through libc's sched_setaffinity (bun:ffi, so no util-linux is needed,
// which slim containers lack), and through `taskset -a -p` where libc
// cannot be loaded. What a process got is read back from /proc, never assumed.
import { readdirSync, readFileSync } from "node:fs";
import { cpus as osCpus } from "node:os";

/** Pinning needs Linux's sched_setaffinity and /proc. */
export const CAN_PIN = process.platform === "linux";

/** A process could not be pinned: why, in one line. */
export class AffinityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AffinityError";
  }
}

/**
 * "0-3", "4,5", "0,2-3" → the CPUs, ascending. Throws an AffinityError
 * saying what is wrong with the list (not a number, a range backwards, a
 * CPU twice); whether the CPUs exist is the caller's check (onlineCpus).
 */
export function parseCpuList(text: string): number[] {
  if (text === "") throw new AffinityError("an empty list");
  const seen = new Set<number>();
  for (const item of text.split(",")) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(item);
    if (!m) throw new AffinityError(item === "" ? "an empty item between commas" : `"${item}" is neither a CPU number nor a range like 2-3`);
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (to < from) throw new AffinityError(`the range ${item} runs backwards (write ${to}-${from})`);
    for (let c = from; c <= to; c++) {
      if (seen.has(c)) throw new AffinityError(`CPU ${c} is listed twice`);
      seen.add(c);
    }
  }
  return [...seen].sort((a, b) => a - b);
}

/** [0, 2, 3] → "0,2-3", the kernel's own way of writing a list. */
export function formatCpuList(cpus: readonly number[]): string {
  const sorted = [...cpus].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(i === j ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(",");
}

/** The CPUs this machine has online (/sys lists them; CPUs can be offline or numbered with gaps), else 0 … n−1. */
export function onlineCpus(): number[] {
  try {
    return parseCpuList(readFileSync("/sys/devices/system/cpu/online", "utf8").trim());
  } catch {
    return osCpus().map((_, i) => i);
  }
}

/** The CPUs a process may run on, as /proc/PID/status says (Cpus_allowed_list, its main thread's), or null when it cannot be read. */
export function allowedCpus(pid: number): string | null {
  try {
    const m = /^Cpus_allowed_list:\s*(\S+)/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? m[1]! : null;
  } catch {
    return null; // gone, or no /proc
  }
}

/** What gatebench was allowed before it pinned itself: a gateway not pinned gets it back (a child would otherwise inherit the harness's set). */
let initial: number[] | undefined;
export function initialCpus(): number[] {
  if (initial === undefined) {
    const own = allowedCpus(process.pid);
    initial = own === null ? onlineCpus() : parseCpuList(own);
  }
  return initial;
}

/** libc's sched_setaffinity and errno, or undefined where libc cannot be loaded (then taskset). */
type SetAffinity = (tid: number, mask: Uint8Array) => number | undefined;
let ffi: SetAffinity | null | undefined;

async function libcAffinity(): Promise<SetAffinity | null> {
  if (ffi !== undefined) return ffi;
  ffi = null;
  try {
    const { dlopen, FFIType, read } = await import("bun:ffi");
    // glibc's name, then musl's (Alpine), which holds libc in its loader
    for (const name of ["libc.so.6", `/lib/ld-musl-${process.arch === "arm64" ? "aarch64" : "x86_64"}.so.1`]) {
      try {
        const lib = dlopen(name, {
          sched_setaffinity: { args: [FFIType.i32, FFIType.u64, FFIType.ptr], returns: FFIType.i32 },
          __errno_location: { args: [], returns: FFIType.ptr },
        });
        const s = lib.symbols;
        ffi = (tid, mask) => (s.sched_setaffinity(tid, mask.byteLength, mask) === 0 ? undefined : read.i32(s.__errno_location()!, 0));
        break;
      } catch {
        // not this libc; try the next
      }
    }
  } catch {
    // no bun:ffi here: taskset does it
  }
  return ffi;
}

/** A cpu_set_t with these CPUs: at least the 1024 bits glibc's has, more when a CPU number needs them. */
function maskOf(cpus: readonly number[]): Uint8Array {
  const mask = new Uint8Array(Math.max(128, Math.ceil((Math.max(...cpus) + 1) / 64) * 8));
  for (const c of cpus) mask[c >> 3]! |= 1 << (c & 7);
  return mask;
}

const ERRNO: Record<number, string> = {
  1: "not permitted (another user's process)",
  3: "no such process",
  22: "the kernel refused these CPUs (none of them is online, or they are outside this container's cpuset)",
};

/** The threads of a process, from /proc. */
function threadsOf(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).map(Number);
  } catch {
    throw new AffinityError(`process ${pid} is gone (no /proc/${pid}/task)`);
  }
}

/**
 * Pins every thread of `pid` to `cpus`. Threads are listed until a pass
 * finds none that was not pinned yet: one started during the first pass
 * may have inherited the old mask. Throws an AffinityError naming the cause.
 */
export async function pinProcess(pid: number, cpus: readonly number[]): Promise<void> {
  if (!CAN_PIN) throw new AffinityError(`pinning CPUs needs Linux (sched_setaffinity); this is ${process.platform}`);
  const set = await libcAffinity();
  if (!set) return pinWithTaskset(pid, cpus);
  const mask = maskOf(cpus);
  const done = new Set<number>();
  for (let fresh = threadsOf(pid); fresh.length > 0; fresh = threadsOf(pid).filter((t) => !done.has(t))) {
    for (const tid of fresh) {
      const errno = set(tid, mask);
      // a thread that ended between the listing and the call is no failure
      if (errno !== undefined && !(errno === 3 && tid !== pid)) throw new AffinityError(`sched_setaffinity: ${ERRNO[errno] ?? `errno ${errno}`}`);
      done.add(tid);
    }
  }
}

/** `taskset -a -p -c LIST PID` (util-linux), for a system whose libc bun:ffi cannot load. */
async function pinWithTaskset(pid: number, cpus: readonly number[]): Promise<void> {
  let proc: ReturnType<typeof Bun.spawn>;
  try {
    proc = Bun.spawn(["taskset", "-a", "-p", "-c", formatCpuList(cpus), String(pid)], { stdin: "ignore", stdout: "ignore", stderr: "pipe" });
  } catch {
    throw new AffinityError("libc's sched_setaffinity could not be loaded, and taskset (util-linux) is not on PATH: install util-linux");
  }
  const [err, code] = await Promise.all([new Response(proc.stderr as ReadableStream).text(), proc.exited]);
  if (code !== 0) throw new AffinityError(`taskset exited with code ${code}${err.trim() ? `: ${err.trim().split("\n")[0]}` : ""}`);
}
