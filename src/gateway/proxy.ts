// The built-in pass-through gateway: forwards every request to the upstream
// and streams the response back as it arrives, the way a minimal AI gateway
// does. It is what `gatebench run` benchmarks when no gateway is given.

export interface ProxyOptions {
  host: string;
  port: number;
  /** Base URL of the upstream, without a trailing slash (e.g. http://127.0.0.1:9091). */
  upstream: string;
}

/** Headers that describe one hop, not the message (RFC 9110 §7.6.1), plus those fetch recomputes. */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade", "host", "content-length"]);

function forwardHeaders(from: Headers): Headers {
  const out = new Headers();
  from.forEach((value, key) => {
    if (!HOP_BY_HOP.has(key)) out.set(key, value);
  });
  return out;
}

export function startProxy(o: ProxyOptions) {
  const upstream = o.upstream.replace(/\/+$/, "");
  const server = Bun.serve({
    hostname: o.host,
    port: o.port,
    // Streams can be quiet for a long time; do not cut them.
    idleTimeout: 0,
    async fetch(req) {
      const url = new URL(req.url);
      const target = upstream + url.pathname + url.search;
      const hasBody = req.method !== "GET" && req.method !== "HEAD";
      try {
        const res = await fetch(target, {
          method: req.method,
          headers: forwardHeaders(req.headers),
          body: hasBody ? await req.arrayBuffer() : undefined,
          signal: req.signal,
          decompress: false,
        });
        return new Response(res.body, { status: res.status, statusText: res.statusText, headers: forwardHeaders(res.headers) });
      } catch (err) {
        const message = `gateway: upstream ${target} failed: ${(err as Error).message}`;
        return Response.json({ error: { message, type: "upstream_error", param: null, code: null } }, { status: 502 });
      }
    },
  });
  return server;
}
