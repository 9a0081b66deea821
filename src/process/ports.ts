// Before a run starts anything: are the ports it needs free? If not, say
// which port, which process holds it (Linux, from /proc), and what to do.
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { ProcessFailure } from "./children.ts";

/** True when `port` can be bound on `host` right now. */
export function portIsFree(host: string, port: number): boolean {
  try {
    const probe = Bun.listen({ hostname: host, port, socket: { data() {} } });
    probe.stop(true);
    return true;
  } catch {
    return false;
  }
}

/** Socket inodes listening on `port`, from /proc/net/tcp and tcp6. */
function listeningInodes(port: number): Set<string> {
  const inodes = new Set<string>();
  const hex = port.toString(16).toUpperCase().padStart(4, "0");
  for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch {
      continue; // not Linux, or no IPv6
    }
    for (const line of text.split("\n").slice(1)) {
      const f = line.trim().split(/\s+/);
      // local_address is f[1] ("0100007F:1F91"), state f[3] ("0A" = LISTEN), inode f[9]
      if (f[1]?.endsWith(`:${hex}`) && f[3] === "0A" && f[9]) inodes.add(f[9]);
    }
  }
  return inodes;
}

/** A port that was free a moment ago (bound to 0 and released), for a gateway that needs a concrete port in its config. */
export function freePort(host: string): number {
  const probe = Bun.listen({ hostname: host, port: 0, socket: { data() {} } });
  const port = probe.port;
  probe.stop(true);
  return port;
}

/** "pid 1234 (nginx: master process …)", or undefined where /proc cannot tell. */
export function portHolder(port: number): string | undefined {
  const pid = portHolderPid(port);
  if (pid === undefined) return undefined;
  let cmd = "";
  try {
    cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean).join(" ");
  } catch {
    // the process exited between the two reads
  }
  return `pid ${pid}${cmd ? ` (${cmd.length > 120 ? `${cmd.slice(0, 117)}...` : cmd})` : ""}`;
}

/** The pid of a process listening on `port` (Linux, from /proc), or undefined. */
export function portHolderPid(port: number): number | undefined {
  const inodes = listeningInodes(port);
  if (inodes.size === 0) return undefined;
  let pids: string[];
  try {
    pids = readdirSync("/proc").filter((d) => /^\d+$/.test(d));
  } catch {
    return undefined;
  }
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue; // another user's process, or gone
    }
    for (const fd of fds) {
      let target: string;
      try {
        target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue; // closed meanwhile
      }
      const m = /^socket:\[(\d+)\]$/.exec(target);
      if (m && inodes.has(m[1]!)) return Number(pid);
    }
  }
  return undefined;
}

/** Throws a ProcessFailure that says what holds the port and how to get around it. */
export function assertPortFree(host: string, port: number, role: string, flag: string): void {
  if (port === 0 || portIsFree(host, port)) return;
  const holder = portHolder(port);
  throw new ProcessFailure(
    `port ${port} (${role}, ${flag}) is already in use on ${host}` +
      (holder ? ` by ${holder}` : "") +
      `.\n  Stop that process${holder ? ` (e.g. kill ${holder.split(" ")[1]})` : ""}, or choose another port: ${flag} ${port + 1}, or ${flag} 0 for any free port.`,
  );
}
