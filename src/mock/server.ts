// The mock upstream: OpenAI's chat and legacy completions (unary and
// streamed), embeddings, models; OpenAI's Responses, Anthropic's Messages
// and Gemini's generateContent (unary and streamed); health; a
// latency/token/fault model with per-request overrides in headers; its own timing in every response; and
// /__stats, the count of what it received, so a run can check its figures
// against the upstream's. Several processes can share one port (reusePort,
// Linux); `group` then gives /__stats and /__reset for all of them.
import { MockContext } from "./context.ts";
import type { MockOptions } from "./plan.ts";
import { epochUs } from "./reply.ts";
import { otherRoute, ROUTES } from "./routes.ts";
import type { MockStats } from "./stats.ts";

export { LAST_EVENT_COMMENT, MOCK_DEFAULTS, MOCK_HEADERS, type MockOptions } from "./plan.ts";
export type { MockStats } from "./stats.ts";

/** The path of an absolute request URL, without building a URL object. */
export function pathOf(url: string): string {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  if (start === -1) return "/";
  const q = url.indexOf("?", start);
  return q === -1 ? url.slice(start) : url.slice(start, q);
}

/** The figures of every process of a group, for a process's /__stats and /__reset. */
export interface MockGroupLink {
  stats(): Promise<MockStats>;
  reset(): Promise<void>;
}

export interface MockServerOptions extends MockOptions {
  /** Share the port with other processes (SO_REUSEPORT: Linux spreads connections over them). */
  reusePort?: boolean;
  /** Set when this process is one of several: /__stats and /__reset then speak for all. */
  group?: () => MockGroupLink | undefined;
}

export function startMock(o: MockServerOptions) {
  const ctx = new MockContext(o);
  const { counters, ticker } = ctx;
  const stats = async (): Promise<Response> => {
    const g = o.group?.();
    return Response.json(g ? await g.stats() : counters.snapshot());
  };
  const reset = async (): Promise<Response> => {
    const g = o.group?.();
    if (g) await g.reset();
    else counters.reset();
    return Response.json({ reset: true });
  };

  const server = Bun.serve({
    hostname: o.host,
    port: o.port,
    reusePort: o.reusePort ?? false,
    // Streams may be slow on purpose, and a hang waits for the client; never time a client out.
    idleTimeout: 0,
    fetch(req, srv) {
      const arrivedMs = performance.now();
      const receivedUs = epochUs(arrivedMs);
      // then what has come due meanwhile (after the clocks: arrival is when it came, not after that work)
      ticker.poll(arrivedMs);
      const path = pathOf(req.url);
      const route = ROUTES[path.startsWith("/v1/") ? path.slice(3) : path] ?? otherRoute(path);
      if (route === undefined) {
        if (path === "/health") return new Response("ok\n");
        if (path === "/__stats") return stats();
        if (path === "/__reset" && req.method === "POST") return reset();
      }
      const ip = srv.requestIP(req);
      if (ip) counters.connection(ip.address, ip.port);
      counters.enter();
      let res: Response | Promise<Response>;
      try {
        res = route ? route(ctx, req, path, arrivedMs, receivedUs) : ctx.replies.apiError(404, `Invalid URL (${req.method} ${path})`, receivedUs);
      } catch (err) {
        counters.leave();
        throw err;
      }
      if (res instanceof Response) return counters.answered(path, res);
      return res.then(
        (r) => counters.answered(path, r),
        (err) => {
          counters.leave();
          throw err;
        },
      );
    },
  });
  return { server, counters };
}
