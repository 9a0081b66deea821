// Several mock processes on one port: each answers the connections the
// kernel gives it (SO_REUSEPORT), and keeps its own counts. Each also
// listens on a private loopback port, its control, where the others read
// its counts. The first process (the leader) knows every other's control;
// the others know the leader's. So /__stats and /__reset asked of any
// process speak for all of them:
//   leader:   its own counts + each follower's, merged (mergeWire);
//   follower: the leader's answer.
import type { MockGroupLink } from "./server.ts";
import { mergeWire, type MockCounters, type MockStats, type MockWire } from "./stats.ts";

const CONTROL_HOST = "127.0.0.1";

/** How long a process waits for another's counts before /__stats fails. */
const CONTROL_TIMEOUT_MS = 5000;

async function call<T>(port: number, path: string, method = "GET", timeoutMs = CONTROL_TIMEOUT_MS): Promise<T> {
  const res = await fetch(`http://${CONTROL_HOST}:${port}${path}`, { method, signal: AbortSignal.timeout(timeoutMs) });
  if (!res.ok) throw new Error(`mock control ${path} on port ${port}: HTTP ${res.status}`);
  return (await res.json()) as T;
}

/**
 * A process's control: GET /local (its counts), POST /local/reset, POST
 * /local/stop (its server stops, after the requests in flight unless
 * ?force=1; its counts stay readable); and, for the leader, GET /stats and
 * POST /reset (the group's).
 */
export function startControl(counters: MockCounters, group: () => MockGroupLink | undefined, stop?: (force: boolean) => Promise<void>) {
  return Bun.serve({
    hostname: CONTROL_HOST,
    port: 0,
    // a graceful stop answers once the slowest stream in flight has ended: never time it out
    idleTimeout: 0,
    async fetch(req) {
      const path = new URL(req.url).pathname;
      if (path === "/local") return Response.json(counters.toWire());
      if (path === "/local/reset" && req.method === "POST") {
        counters.reset();
        return Response.json({ reset: true });
      }
      if (path === "/local/stop" && req.method === "POST" && stop) {
        await stop(new URL(req.url).searchParams.get("force") === "1");
        return Response.json({ stopped: true });
      }
      const g = group();
      if (g && path === "/stats") return Response.json(await g.stats());
      if (g && path === "/reset" && req.method === "POST") {
        await g.reset();
        return Response.json({ reset: true });
      }
      return new Response("not found\n", { status: 404 });
    },
  });
}

/** The leader's view of the group: its own counters and the followers' controls. */
export function leaderLink(counters: MockCounters, followerControls: number[]): MockGroupLink {
  return {
    async stats(): Promise<MockStats> {
      const others = await Promise.all(followerControls.map((p) => call<MockWire>(p, "/local")));
      return mergeWire([counters.toWire(), ...others]);
    },
    async reset(): Promise<void> {
      counters.reset();
      await Promise.all(followerControls.map((p) => call(p, "/local/reset", "POST")));
    },
  };
}

/** Stops a follower's server (its control stays up): after its requests in flight, unless `force`. */
export async function stopFollower(control: number, force: boolean): Promise<void> {
  // a graceful stop waits for the slowest stream in flight: no time limit but the caller's
  await call(control, `/local/stop?force=${force ? 1 : 0}`, "POST", 2 ** 31 - 1);
}

/** A follower asks the leader, which speaks for the group. */
export function followerLink(leaderControl: number): MockGroupLink {
  return {
    stats: () => call<MockStats>(leaderControl, "/stats"),
    reset: async () => {
      await call(leaderControl, "/reset", "POST");
    },
  };
}
