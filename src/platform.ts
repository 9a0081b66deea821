// Facts about the machine gatebench runs on that several layers need.
import { readFileSync } from "node:fs";

export const WINDOWS = process.platform === "win32";

/** This process's open-file limit (ulimit -n: from /proc on Linux, from a child shell on macOS and the BSDs), or undefined. */
export function openFileLimit(): number | undefined {
  try {
    const m = /^Max open files\s+(\d+)/m.exec(readFileSync("/proc/self/limits", "utf8"));
    return m ? Number(m[1]) : undefined;
  } catch {
    // no /proc
  }
  if (WINDOWS) return undefined; // no such limit on sockets there
  try {
    // a child inherits this process's limits
    const r = Bun.spawnSync(["sh", "-c", "ulimit -n"], { stdin: "ignore", stderr: "ignore" });
    const n = Number(r.stdout.toString().trim());
    return r.success && Number.isInteger(n) && n > 0 ? n : undefined; // "unlimited" reads as NaN
  } catch {
    return undefined;
  }
}

/** Several processes may share a listening port and get its connections spread over them (SO_REUSEPORT balances only on Linux). */
export const CAN_SHARE_PORT = process.platform === "linux";

/** CPUs this process may use. */
export const cpuCount = (): number => navigator.hardwareConcurrency || 1;

/**
 * The mock's processes by default: a quarter of the CPUs (the gateway and
 * the load generator need the rest), at least 1 and at most 4; 1 where a
 * port cannot be shared. On 2 CPUs, one process (see docs/development.md).
 */
export function defaultMockProcs(): number {
  if (!CAN_SHARE_PORT) return 1;
  return Math.max(1, Math.min(4, Math.floor(cpuCount() / 4)));
}
