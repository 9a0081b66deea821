// Bun's fetch sends at most BUN_CONFIG_MAX_HTTP_REQUESTS requests at once
// (256 unless set) and queues the rest inside the client, where the wait
// would be charged to the gateway. The variable is read once at start-up,
// so a load-generating command with --client fetch and without it is run
// again, as a child, with it set (the socket client has no such limit). This launcher only relays signals and the exit code. On Windows,
// where a signal sent to a process ends it at once, the launcher writes the
// signal's name on the child's stdin instead, and the child raises it there.
import { constants } from "node:os";
import { selfArgv } from "../process/children.ts";
import { WINDOWS } from "../platform.ts";
import { FETCH_LIMIT, FETCH_LIMIT_VAR } from "../load/fetch.ts";

/** Set in the relaunched child: its stdin is a pipe from the launcher. */
export const RELAUNCHED_VAR = "GATEBENCH_RELAUNCHED";

/** `args`: the command's flags, normalized to --name=value. */
export function needsRelaunch(args: string[]): boolean {
  return args.includes("--client=fetch") && !process.env[FETCH_LIMIT_VAR] && !process.env[RELAUNCHED_VAR];
}

/** Runs gatebench again with the fetch limit raised; resolves to its exit code. */
export async function relaunch(argv: string[]): Promise<number> {
  const child = Bun.spawn([...selfArgv(), ...argv], {
    env: { ...process.env, [FETCH_LIMIT_VAR]: FETCH_LIMIT, [RELAUNCHED_VAR]: "1" },
    // stdin is the child's lifeline: it closes if this launcher is killed.
    stdin: "pipe",
    stdout: "inherit",
    stderr: "inherit",
    // Its own session: a terminal's Ctrl-C reaches this launcher only, which
    // passes each signal on exactly once.
    detached: true,
  });
  const forward = (sig: NodeJS.Signals) => () => {
    if (WINDOWS) {
      child.stdin.write(`${sig}\n`);
      child.stdin.flush();
    } else child.kill(sig);
  };
  const handlers: [NodeJS.Signals, () => void][] = [
    ["SIGINT", forward("SIGINT")],
    ["SIGTERM", forward("SIGTERM")],
    ["SIGHUP", forward("SIGHUP")],
  ];
  for (const [sig, h] of handlers) process.on(sig, h);
  const code = await child.exited;
  for (const [sig, h] of handlers) process.off(sig, h);
  const sig = child.signalCode;
  if (sig) return 128 + (typeof sig === "number" ? sig : ((constants.signals as Record<string, number>)[sig] ?? 1));
  return code;
}

/**
 * In a relaunched child: resolves when the launcher is gone (stdin closed).
 * A signal's name written on the pipe (Windows) is raised in this process,
 * as if the signal had come.
 */
export async function launcherGone(): Promise<void> {
  const dec = new TextDecoder();
  let pending = "";
  for await (const chunk of Bun.stdin.stream()) {
    pending += dec.decode(chunk, { stream: true });
    let nl = pending.indexOf("\n");
    while (nl !== -1) {
      const sig = pending.slice(0, nl).trim();
      pending = pending.slice(nl + 1);
      if (sig === "SIGINT" || sig === "SIGTERM" || sig === "SIGHUP") process.emit(sig, sig);
      nl = pending.indexOf("\n");
    }
  }
}
