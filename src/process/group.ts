// A process group as one thing to stop: the user's gateway and a --setup
// command each run in a group of their own (so a shell, npm or a supervisor
// and everything they start go together). On Windows, which has no
// groups, the group is the leader's process tree.
import { WINDOWS } from "../platform.ts";
import { groupMembers } from "./tree.ts";

/** Whether any process of the group led by `pgid` is alive (zombies waiting to be reaped do not count). */
export async function groupAlive(pgid: number): Promise<boolean> {
  const members = await groupMembers(pgid);
  if (members) return members.length > 0;
  try {
    process.kill(WINDOWS ? pgid : -pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Asks the group led by `pgid` to stop (SIGTERM), or makes it (SIGKILL). On
 * Windows, which has neither groups nor SIGTERM, and where a console
 * process (a gateway has no window) cannot be asked to close, taskkill /T /F
 * ends the whole tree at once, whichever is asked.
 */
export async function signalGroup(pgid: number, signal: "SIGTERM" | "SIGKILL"): Promise<void> {
  try {
    if (WINDOWS)
      await Bun.spawn(["taskkill", "/PID", String(pgid), "/T", "/F"], { stdin: "ignore", stdout: "ignore", stderr: "ignore", windowsHide: true }).exited;
    else process.kill(-pgid, signal);
  } catch {
    // gone meanwhile
  }
}

/** SIGTERM to the group, up to `graceMs` for it to go, then SIGKILL. Resolves once no process of it is left (or 5 s after the SIGKILL). */
export async function stopGroup(pgid: number, graceMs: number): Promise<void> {
  if (!(await groupAlive(pgid))) return;
  await signalGroup(pgid, "SIGTERM");
  const deadline = performance.now() + graceMs;
  while ((await groupAlive(pgid)) && performance.now() < deadline) await Bun.sleep(20);
  if (!(await groupAlive(pgid))) return;
  await signalGroup(pgid, "SIGKILL");
  const hard = performance.now() + 5000;
  while ((await groupAlive(pgid)) && performance.now() < hard) await Bun.sleep(20);
}
