// The socket client against raw TCP servers written here, byte for byte:
// framings sent whole and one byte at a time, bodies longer and shorter
// than announced, garbage, connections counted on both sides, idle
// connections closed by the server, and TLS with a test CA.
import { afterEach, describe, expect, test } from "bun:test";
import type { Socket } from "bun";
import { join } from "node:path";
import type { PreparedRequest } from "../../src/load/client.ts";
import { ClosedLoop } from "../../src/load/closed-loop.ts";
import { OpenLoop } from "../../src/load/open-loop.ts";
import { probe } from "../../src/load/http1/probe.ts";
import { constantShape, Schedule } from "../../src/load/pacer.ts";
import { ERROR_KIND_NAMES, ErrorKind } from "../../src/metrics/outcome.ts";
import { Recorder } from "../../src/metrics/recorder.ts";

const stops: (() => void)[] = [];
afterEach(() => {
  for (const s of stops.splice(0)) s();
});

const enc = new TextEncoder();
const dec = new TextDecoder();

interface Conn {
  /** Request bytes not yet answered. */
  pending: string;
  /** Requests seen on this connection. */
  requests: number;
  idleTimer?: Timer;
}

type Answer = (socket: Socket<Conn>, request: string, nth: number) => void | Promise<void>;

/**
 * A raw HTTP/1.1 server: `answer` is called once per complete request (head
 * and content-length body), with how many came before on the connection.
 */
function rawServer(answer: Answer, opts: { closeIdleAfterMs?: number } = {}) {
  const state = { connections: 0, requests: 0 };
  const listener = Bun.listen<Conn>({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open(s) {
        state.connections++;
        s.data = { pending: "", requests: 0 };
      },
      async data(s, chunk) {
        const c = s.data;
        clearTimeout(c.idleTimer);
        c.pending += dec.decode(chunk);
        for (;;) {
          const end = c.pending.indexOf("\r\n\r\n");
          if (end === -1) return;
          const length = Number(/content-length: *(\d+)/i.exec(c.pending.slice(0, end))?.[1] ?? 0);
          if (c.pending.length < end + 4 + length) return;
          const request = c.pending.slice(0, end + 4 + length);
          c.pending = c.pending.slice(end + 4 + length);
          state.requests++;
          await answer(s, request, c.requests++);
          if (opts.closeIdleAfterMs !== undefined) c.idleTimer = setTimeout(() => s.end(), opts.closeIdleAfterMs);
        }
      },
      close(s) {
        clearTimeout(s.data?.idleTimer);
      },
    },
  });
  stops.push(() => listener.stop(true));
  return { url: `http://127.0.0.1:${listener.port}/v1/chat/completions`, state };
}

/** Writes all of `text` in one write. */
const whole = (s: Socket<Conn>, text: string): void => void s.write(text);

/** Writes `text` one byte at a time, yielding between bytes so that each goes out on its own. */
async function bytewise(s: Socket<Conn>, text: string): Promise<void> {
  const b = enc.encode(text);
  for (let i = 0; i < b.length; i++) {
    s.write(b.subarray(i, i + 1));
    s.flush();
    await Bun.sleep(0);
  }
}

function request(url: string, extra: Partial<PreparedRequest> = {}): PreparedRequest {
  return {
    url,
    method: "POST",
    headers: { "content-type": "application/json" },
    bodies: [enc.encode("{}")],
    stream: false,
    timeoutMs: 5000,
    client: "socket",
    ...extra,
  };
}

/** A closed loop of one connection sending `n` requests. */
async function closed(req: PreparedRequest, n: number, concurrency = 1) {
  const recorder = new Recorder();
  await new ClosedLoop({
    request: req,
    recorder,
    concurrency,
    requests: n,
    durationMs: Number.POSITIVE_INFINITY,
    maxConnections: concurrency,
    stopSending: new AbortController().signal,
    abortInFlight: new AbortController().signal,
  }).run();
  recorder.close();
  return recorder;
}

async function open(req: PreparedRequest, rateRps: number, durationMs: number) {
  const recorder = new Recorder();
  await new OpenLoop({
    schedule: new Schedule(constantShape(rateRps, durationMs)),
    request: req,
    recorder,
    maxInFlight: 10_000,
    stopSending: new AbortController().signal,
    abortInFlight: new AbortController().signal,
  }).run();
  recorder.close();
  return recorder;
}

const errorsOf = (r: Recorder): Record<string, number> =>
  Object.fromEntries(ERROR_KIND_NAMES.map((k, i) => [k, r.errorCounts[i]!]).filter(([, n]) => (n as number) > 0));

describe("framings, whole and one byte at a time", () => {
  const chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: done\r\n\r\n";
  const cases: { name: string; response: string; method?: string; bytes: number; connections: number; status?: number; close?: boolean }[] = [
    { name: "content-length", response: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", bytes: 5, connections: 1 },
    { name: "chunked with extensions and trailers", response: chunked, bytes: 11, connections: 1 },
    { name: "a body ended by the close", response: "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil close", bytes: 11, connections: 3, close: true },
    { name: "connection: close", response: "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok", bytes: 2, connections: 3, close: true },
    {
      name: "interim 100 and 103 first",
      response: "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
      bytes: 2,
      connections: 1,
    },
    { name: "204 without a body", response: "HTTP/1.1 204 No Content\r\n\r\n", bytes: 0, connections: 1, status: 204 },
    {
      name: "HEAD: no body, whatever content-length says",
      response: "HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n",
      method: "HEAD",
      bytes: 0,
      connections: 1,
    },
  ];
  for (const c of cases) {
    for (const [how, write] of [
      ["whole", whole],
      ["one byte at a time", bytewise],
    ] as const) {
      test(`${c.name}, ${how}`, async () => {
        const srv = rawServer(async (s) => {
          await write(s, c.response);
          if (c.close) s.end();
        });
        const rec = await closed(request(srv.url, c.method === "HEAD" ? { method: "HEAD", bodies: [] } : {}), 3);
        expect(errorsOf(rec)).toEqual({});
        expect(rec.ok).toBe(3);
        expect(rec.statusCounts[c.status ?? 200]).toBe(3);
        expect(rec.bytesIn).toBe(3 * c.bytes);
        expect(srv.state.requests).toBe(3);
        expect(srv.state.connections).toBe(c.connections);
        expect(rec.connectionsOpened).toBe(c.connections);
      });
    }
  }
});

describe("broken responses are error kinds, never a crash", () => {
  test("a body longer than its content-length: protocol error", async () => {
    const srv = rawServer((s) => whole(s, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA"));
    const rec = await closed(request(srv.url), 3);
    expect(errorsOf(rec)).toEqual({ protocol: 3 });
    expect(rec.errorSamples[ErrorKind.Protocol]).toContain("5 bytes came after the end of the response");
    // the connection that carried garbage is never reused
    expect(srv.state.connections).toBe(3);
  });

  test("a body longer than its content-length, one byte at a time: the extra bytes are never read as the next answer", async () => {
    const srv = rawServer((s) => bytewise(s, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA"));
    const rec = await closed(request(srv.url), 4);
    expect(rec.total).toBe(4);
    expect(rec.errorCounts[ErrorKind.Protocol]).toBeGreaterThan(0);
    expect(rec.ok + rec.errorCounts[ErrorKind.Protocol]!).toBe(4);
  });

  test("a body shorter than its content-length, then the close: reset, saying how much came", async () => {
    const srv = rawServer((s) => {
      s.write("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello");
      s.end();
    });
    const rec = await closed(request(srv.url), 2);
    expect(errorsOf(rec)).toEqual({ reset: 2 });
    expect(srv.state.requests).toBe(2);
  });

  test("a body shorter than its content-length on a connection left open: a timeout", async () => {
    const srv = rawServer((s) => whole(s, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello"));
    const t0 = performance.now();
    const rec = await closed(request(srv.url, { timeoutMs: 300 }), 1);
    expect(errorsOf(rec)).toEqual({ timeout: 1 });
    // a sweep every tenth of the timeout: within 300 to 300 + 30 ms, and a loose bound for a busy machine
    expect(performance.now() - t0).toBeGreaterThanOrEqual(300);
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  test("garbage instead of a status line: protocol error with what came", async () => {
    const srv = rawServer((s) => whole(s, "SSH-2.0-OpenSSH_9.2\r\n\r\n"));
    const rec = await closed(request(srv.url), 2);
    expect(errorsOf(rec)).toEqual({ protocol: 2 });
    expect(rec.errorSamples[ErrorKind.Protocol]).toContain('not an HTTP/1.x status line: "SSH-2.0-OpenSSH_9.2"');
  });

  test("a chunked stream cut before its last chunk: an incomplete stream", async () => {
    const event = 'data: {"choices":[{"delta":{"content":"partial"}}]}\n\n';
    const srv = rawServer((s) => {
      s.write(`HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n${event.length.toString(16)}\r\n${event}\r\n`);
      s.end();
    });
    const rec = await closed(request(srv.url, { stream: true }), 2);
    expect(errorsOf(rec)).toEqual({ stream_incomplete: 2 });
  });

  test("a refused connection: connect error", async () => {
    const srv = rawServer(() => {});
    stops.pop()!();
    const rec = await closed(request(srv.url), 2);
    expect(errorsOf(rec)).toEqual({ connect: 2 });
    expect(rec.errorSamples[ErrorKind.Connect]).toContain("ECONNREFUSED");
  });
});

describe("keep-alive", () => {
  test("the connections the server counts are the ones the client reports", async () => {
    const srv = rawServer(async (s) => {
      await Bun.sleep(5);
      s.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    });
    const rec = await open(request(srv.url), 200, 1000);
    expect(rec.ok).toBe(200);
    expect(rec.connectionsOpened).toBe(srv.state.connections);
    // about one request in flight at a time, a few at most: connections are reused, not opened per request
    expect(srv.state.connections).toBeLessThan(20);
  });

  test("a server that closes idle connections after 100 ms: no request lost at gaps of 250 ms", async () => {
    const srv = rawServer((s) => whole(s, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"), { closeIdleAfterMs: 100 });
    const rec = await open(request(srv.url), 4, 2000);
    expect(errorsOf(rec)).toEqual({});
    expect(rec.ok).toBe(8);
    // each request found its connection closed by the server, and opened a new one
    expect(srv.state.connections).toBe(8);
    expect(rec.connectionsOpened).toBe(8);
    expect(rec.keepAliveRetries).toBe(0);
  });

  test("the race lost: a kept-alive connection closed as the request was written is retried once, on a new connection", async () => {
    // answers the first request of each connection; closes the connection on the second, unanswered
    const srv = rawServer((s, _req, nth) => {
      if (nth === 0) s.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
      else s.end();
    });
    const rec = await closed(request(srv.url), 5);
    expect(errorsOf(rec)).toEqual({});
    expect(rec.ok).toBe(5);
    expect(rec.keepAliveRetries).toBe(4);
    expect(srv.state.connections).toBe(5);
    expect(srv.state.requests).toBe(9);
  });

  test("a new connection closed before any answer is not retried: reset", async () => {
    const srv = rawServer((s) => void s.end());
    const rec = await closed(request(srv.url), 3);
    expect(errorsOf(rec)).toEqual({ reset: 3 });
    expect(rec.keepAliveRetries).toBe(0);
    expect(srv.state.requests).toBe(3);
  });
});

describe("TLS", () => {
  const dir = join(import.meta.dir, "..", "fixtures", "tls");
  function tlsServer() {
    let requests = 0;
    const server = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      tls: { cert: Bun.file(join(dir, "server.pem")), key: Bun.file(join(dir, "server-key.pem")) },
      fetch: () => {
        requests++;
        return Response.json({ ok: true });
      },
    });
    stops.push(() => server.stop(true));
    return { port: server.port, requests: () => requests };
  }

  test("verified with the test CA (--cacert), by IP and by name (SNI)", async () => {
    const srv = tlsServer();
    const caPem = await Bun.file(join(dir, "ca.pem")).text();
    for (const host of ["127.0.0.1", "localhost"]) {
      const req = request(`https://${host}:${srv.port}/v1/chat/completions`, { caPem });
      expect(await probe(req)).toBeUndefined();
      const rec = await closed(req, 10, 2);
      expect(errorsOf(rec)).toEqual({});
      expect(rec.ok).toBe(10);
      expect(rec.connectionsOpened).toBe(2);
    }
    expect(srv.requests()).toBe(20);
  });

  test("refused without the CA: one clear line, and no request reaches the server", async () => {
    const srv = tlsServer();
    const req = request(`https://127.0.0.1:${srv.port}/`);
    const problem = await probe(req);
    expect(problem).toContain(`the TLS handshake with 127.0.0.1:${srv.port} failed`);
    expect(problem).toContain("--cacert FILE");
    expect(problem).toContain("--insecure");
    expect(problem).not.toContain("\n");
    const rec = await closed(req, 3);
    expect(errorsOf(rec)).toEqual({ connect: 3 });
    expect(rec.errorSamples[ErrorKind.Connect]).toContain("unable to verify the first certificate");
    expect(srv.requests()).toBe(0);
  });

  test("accepted with --insecure", async () => {
    const srv = tlsServer();
    const req = request(`https://127.0.0.1:${srv.port}/`, { insecure: true });
    expect(await probe(req)).toBeUndefined();
    const rec = await closed(req, 5);
    expect(errorsOf(rec)).toEqual({});
    expect(rec.ok).toBe(5);
  });
});
