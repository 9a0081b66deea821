// How gatebench's own servers live: in the foreground until Ctrl-C, or as
// a child that announces its port and exits when its parent goes away.
import { READY_PREFIX } from "../../gateway/process.ts";

/** Resolves after SIGINT or SIGTERM, once `stop` has run. */
export function waitForTermination(stop: () => unknown): Promise<void> {
  return new Promise((resolve) => {
    const done = async (): Promise<void> => {
      await stop();
      resolve();
    };
    process.once("SIGINT", done);
    process.once("SIGTERM", done);
  });
}

/**
 * Announces readiness on stdout and runs until the parent stops it:
 * SIGTERM, or its stdin closing (the parent died). Ctrl-C reaches the whole
 * process group; children ignore it and let the parent decide when to stop.
 */
export async function serveAsChild(port: number, stop: () => unknown): Promise<void> {
  process.on("SIGINT", () => {
    // The parent drains and stops us; see above.
  });
  process.stdout.write(`${READY_PREFIX}${JSON.stringify({ port, pid: process.pid })}\n`);
  const stdinClosed = (async () => {
    for await (const _ of Bun.stdin.stream()) {
      // Nothing is expected on stdin; it only signals that the parent lives.
    }
  })();
  const terminated = new Promise<void>((r) => process.once("SIGTERM", () => r()));
  await Promise.race([stdinClosed, terminated]);
  await stop();
  process.exit(0);
}
