// Ground truth for the load engine: servers whose timing the test controls,
// and figures that must follow from it. Bounds from the server's own delays
// are hard (a response cannot come before it is sent); upper bounds are
// generous so a busy machine does not make the test flaky.
import { afterEach, describe, expect, test } from "bun:test";
import { CLIENT_KINDS, type ClientKind, type PreparedRequest } from "../../src/load/client.ts";
import { ClosedLoop } from "../../src/load/closed-loop.ts";
import { OpenLoop } from "../../src/load/open-loop.ts";
import { constantShape, Schedule } from "../../src/load/pacer.ts";
import { statsOf } from "../../src/metrics/histogram.ts";
import { ErrorKind } from "../../src/metrics/outcome.ts";
import { Recorder } from "../../src/metrics/recorder.ts";

type Handler = (req: Request, arrivedMs: number) => Response | Promise<Response>;

const servers: { stop(force?: boolean): unknown }[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.stop(true);
});

function serve(handler: Handler) {
  const state = { received: 0 };
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    idleTimeout: 0,
    fetch(req) {
      state.received++;
      return handler(req, performance.now());
    },
  });
  servers.push(server);
  return { url: `http://127.0.0.1:${server.port}/`, state };
}

/** An OpenAI-style stream: `tokens` content events, the first `ttftMs` after the request arrived, then one every `itlMs`; a finish chunk, a usage chunk, [DONE]. */
function streamingServer(ttftMs: number, itlMs: number, tokens: number) {
  const enc = new TextEncoder();
  return serve((_req, t) => {
    const body = new ReadableStream({
      type: "direct",
      async pull(c) {
        for (let i = 0; i < tokens; i++) {
          await sleepUntil(t + ttftMs + i * itlMs);
          c.write(enc.encode(`data: {"choices":[{"delta":{"content":"t${i} "}}]}\n\n`));
          c.flush();
        }
        c.write(
          enc.encode(
            `data: {"choices":[{"delta":{},"finish_reason":"stop"}]}\n\ndata: {"choices":[],"usage":{"completion_tokens":${tokens}}}\n\ndata: [DONE]\n\n`,
          ),
        );
        c.close();
      },
    });
    return new Response(body, { headers: { "content-type": "text/event-stream" } });
  });
}

function request(client: ClientKind, url: string, stream = false, timeoutMs = 10_000): PreparedRequest {
  return { url, method: "POST", headers: { "content-type": "application/json" }, bodies: [new TextEncoder().encode("{}")], stream, timeoutMs, client };
}

/** A closed loop of `concurrency` connections sending `requests` in all. */
async function closedWith(client: ClientKind, url: string, concurrency: number, requests: number) {
  const recorder = new Recorder();
  const run = new ClosedLoop({
    request: request(client, url),
    recorder,
    concurrency,
    requests,
    durationMs: Number.POSITIVE_INFINITY,
    stopSending: new AbortController().signal,
    abortInFlight: new AbortController().signal,
  });
  await run.run();
  recorder.close();
  return { recorder, h: recorder.histograms };
}

type DriveOptions = { stream?: boolean; maxInFlight?: number; during?: (startMs: number) => void };

async function driveWith(client: ClientKind, url: string, rate: number, durationMs: number, opts: DriveOptions = {}) {
  const recorder = new Recorder();
  const run = new OpenLoop({
    schedule: new Schedule(constantShape(rate, durationMs)),
    request: request(client, url, opts.stream),
    recorder,
    maxInFlight: opts.maxInFlight ?? 10_000,
    stopSending: new AbortController().signal,
    abortInFlight: new AbortController().signal,
  });
  const done = run.run();
  opts.during?.(performance.now());
  await done;
  recorder.close();
  return { recorder, progress: run.progress, h: recorder.histograms };
}

const sleepUntil = async (t: number) => {
  while (performance.now() < t) await Bun.sleep(Math.max(0, Math.floor(t - performance.now())));
};

// every truth test runs with each client: both must agree with the truth
for (const client of CLIENT_KINDS) suite(client);

function suite(client: ClientKind): void {
  const drive = (url: string, rate: number, durationMs: number, opts: DriveOptions = {}) => driveWith(client, url, rate, durationMs, opts);
  const closed = (url: string, concurrency: number, requests: number) => closedWith(client, url, concurrency, requests);

  describe(`--client ${client}: open-loop engine against servers with known timing`, () => {
    test("a 25 ms server: every request counted on both sides, latency never below 25 ms", async () => {
      const srv = serve(async (_req, t) => {
        await sleepUntil(t + 25);
        return new Response("ok");
      });
      const { recorder, h } = await drive(srv.url, 100, 1000);
      expect(recorder.total).toBe(100);
      expect(recorder.ok).toBe(100);
      expect(srv.state.received).toBe(100);
      const lat = statsOf(h.latency)!;
      const svc = statsOf(h.service_time)!;
      expect(lat.min).toBeGreaterThanOrEqual(25);
      expect(svc.min).toBeGreaterThanOrEqual(25);
      expect(lat.p50).toBeLessThan(25 + 50);
      expect(lat.min).toBeGreaterThanOrEqual(svc.min);
    });

    test("a server stall shows in latency for every request due during it (no coordinated omission)", async () => {
      // Requests that arrive between 300 and 600 ms into the run are held until 600 ms.
      let t0 = 0;
      const srv = serve(async (_req, t) => {
        if (t - t0 >= 300 && t - t0 < 600) await sleepUntil(t0 + 600);
        return new Response("ok");
      });
      const { recorder, h } = await drive(srv.url, 100, 1000, { during: (s) => (t0 = s) });
      expect(recorder.total).toBe(100);
      expect(srv.state.received).toBe(100);
      const lat = statsOf(h.latency)!;
      // 30 of 100 requests waited for the stall's end: 300 ms for the first, ~10 ms for the last.
      expect(lat.max).toBeGreaterThanOrEqual(280);
      expect(lat.p90).toBeGreaterThanOrEqual(150);
      // The sends themselves kept to the schedule during the stall.
      expect(statsOf(h.schedule_lag)!.p90).toBeLessThan(50);
    });

    test("a generator stall is caught up in a burst, and the lag is charged to latency", async () => {
      const srv = serve(() => new Response("ok"));
      const { recorder, h } = await drive(srv.url, 100, 1000, {
        during: (start) => {
          setTimeout(
            () => {
              const until = performance.now() + 200;
              while (performance.now() < until) {
                // Block the event loop for 200 ms, as a long GC pause would.
              }
            },
            300 - (performance.now() - start),
          );
        },
      });
      expect(recorder.total).toBe(100);
      expect(srv.state.received).toBe(100);
      expect(statsOf(h.schedule_lag)!.max).toBeGreaterThanOrEqual(180);
      expect(statsOf(h.latency)!.max).toBeGreaterThanOrEqual(180);
      // No drift: the last send is still near its 990 ms deadline, not 200 ms later.
      expect(recorder.lastSentMs - recorder.firstSentMs).toBeLessThan(1100);
    });

    test("arrivals beyond --max-in-flight are dropped and counted, never delayed", async () => {
      const srv = serve(async (_req, t) => {
        await sleepUntil(t + 400);
        return new Response("ok");
      });
      const { recorder, progress } = await drive(srv.url, 100, 300, { maxInFlight: 5 });
      expect(progress.sent + recorder.dropped).toBe(30);
      expect(progress.sent).toBe(5);
      expect(recorder.dropped).toBe(25);
      expect(srv.state.received).toBe(5);
    });

    test("streams: TTFT, ITL and latency bounded below by the server's schedule", async () => {
      const tokens = 5;
      const srv = streamingServer(50, 20, tokens);
      const { recorder, h } = await drive(srv.url, 20, 500, { stream: true });
      expect(recorder.total).toBe(10);
      expect(recorder.ok).toBe(10);
      expect(recorder.outputTokens).toBe(50);
      expect(statsOf(h.ttft)!.min).toBeGreaterThanOrEqual(50);
      expect(statsOf(h.latency)!.min).toBeGreaterThanOrEqual(50 + (tokens - 1) * 20);
      expect(statsOf(h.itl)!.count).toBe(10 * (tokens - 1));
      expect(statsOf(h.itl)!.p50).toBeGreaterThan(10);
      expect(statsOf(h.itl)!.p50).toBeLessThan(40);
    });

    test("failures are classified: refused connection, bad status, cut stream", async () => {
      const cut = serve(() => new Response('data: {"choices":[{"delta":{"content":"x"}}]}\n\n', { headers: { "content-type": "text/event-stream" } }));
      const r1 = await drive(cut.url, 20, 100, { stream: true });
      expect(r1.recorder.errorCounts[ErrorKind.StreamIncomplete]).toBe(2);

      const e503 = serve(() => new Response("busy", { status: 503 }));
      const r2 = await drive(e503.url, 20, 100);
      expect(r2.recorder.statusCounts[503]).toBe(2);
      expect(r2.recorder.ok).toBe(0);

      const gone = serve(() => new Response("x"));
      servers.pop()!.stop(true);
      const r3 = await drive(gone.url, 20, 100);
      expect(r3.recorder.errorCounts[ErrorKind.Connect]).toBe(2);
    });

    test("a fixed 20 ms server: percentiles sit just above 20 ms", async () => {
      const srv = serve(async (_req, t) => {
        await sleepUntil(t + 20);
        return new Response("ok");
      });
      const { recorder, h } = await drive(srv.url, 200, 1000);
      expect(srv.state.received).toBe(recorder.total);
      const lat = statsOf(h.latency)!;
      expect(lat.min).toBeGreaterThanOrEqual(20);
      // loopback and the client add well under a few ms; the bound is loose for a busy machine
      expect(lat.p50).toBeLessThan(20 + 8);
      expect(lat.p90).toBeLessThan(20 + 15);
    });

    test("a server that freezes 100 ms of every 400: open-loop percentiles follow the analytic distribution; a closed loop hides the freezes", async () => {
      // Requests arriving in a freeze are held until it ends: a quarter of an
      // open-loop schedule waits a uniform (0, 100] ms, so latency at
      // percentile q > 75 is about base + 100 (q - 75) / 25: p90 ≈ +60 ms, p99 ≈ +96 ms.
      const periodMs = 400;
      const freezeMs = 100;
      let t0 = -1;
      const srv = serve(async (_req, t) => {
        if (t0 < 0) t0 = t;
        const phase = (t - t0) % periodMs;
        if (phase < freezeMs) await sleepUntil(t + (freezeMs - phase));
        return new Response("ok");
      });
      const open = await drive(srv.url, 200, 2000);
      const lat = statsOf(open.h.latency)!;
      expect(open.recorder.total).toBe(400);
      expect(lat.p50).toBeLessThan(15);
      expect(lat.p90).toBeGreaterThan(60 - 20);
      expect(lat.p90).toBeLessThan(60 + 25);
      expect(lat.p99).toBeGreaterThan(96 - 20);
      expect(lat.p99).toBeLessThan(96 + 25);

      // One connection, back to back: each freeze holds one request, the others are simply not sent meanwhile.
      t0 = -1;
      const c = await closed(srv.url, 1, 400);
      const svc = statsOf(c.h.service_time)!;
      expect(c.recorder.total).toBe(400);
      expect(svc.p90).toBeLessThan(15);
      // the freezes still show at the very top: at most one request per freeze
      expect(svc.max).toBeGreaterThan(20);
    });

    test("a streaming server with known timing: TTFT, ITL and tokens as scheduled", async () => {
      const ttft = 40;
      const itl = 15;
      const tokens = 8;
      const srv = streamingServer(ttft, itl, tokens);
      const { recorder, h } = await drive(srv.url, 20, 1000, { stream: true });
      expect(recorder.ok).toBe(20);
      expect(recorder.outputTokens).toBe(20 * tokens);
      const t = statsOf(h.ttft)!;
      expect(t.min).toBeGreaterThanOrEqual(ttft);
      expect(t.p50).toBeLessThan(ttft + 10);
      const gaps = statsOf(h.itl)!;
      expect(gaps.count).toBe(20 * (tokens - 1));
      expect(gaps.p50).toBeGreaterThan(itl - 5);
      expect(gaps.p50).toBeLessThan(itl + 5);
      const tpot = statsOf(h.tpot)!;
      expect(tpot.p50).toBeGreaterThan(itl - 3);
      expect(tpot.p50).toBeLessThan(itl + 3);
    });

    test("a server that resets connections: counted as reset, and the server saw every request", async () => {
      let accepted = 0;
      const raw = Bun.listen({
        hostname: "127.0.0.1",
        port: 0,
        socket: {
          data(socket) {
            accepted++;
            // close the connection with the request unanswered
            socket.terminate();
          },
        },
      });
      servers.push(raw);
      const { recorder } = await drive(`http://127.0.0.1:${raw.port}/`, 20, 250);
      expect(recorder.total).toBe(5);
      expect(accepted).toBeGreaterThanOrEqual(5);
      expect(recorder.errorCounts[ErrorKind.Reset]).toBe(5);
    });

    test("streams that are not OpenAI event streams are malformed, with the reason kept", async () => {
      const json = serve(() => Response.json({ choices: [{ message: { content: "x" } }] }));
      const r1 = await drive(json.url, 20, 100, { stream: true });
      expect(r1.recorder.errorCounts[ErrorKind.StreamMalformed]).toBe(2);
      expect(r1.recorder.errorSamples[ErrorKind.StreamMalformed]).toContain("not text/event-stream");
      const text = serve(() => new Response("data: hello\n\ndata: [DONE]\n\n", { headers: { "content-type": "text/event-stream" } }));
      const r2 = await drive(text.url, 20, 100, { stream: true });
      expect(r2.recorder.errorCounts[ErrorKind.StreamMalformed]).toBe(2);
      expect(r2.recorder.errorSamples[ErrorKind.StreamMalformed]).toContain('not a JSON object: "hello"');
    });
  });

  describe(`--client ${client}: the mock's timing, read by the client`, () => {
    const epochUs = (): number => Math.round((performance.timeOrigin + performance.now()) * 1000);

    test("request path and response path from a server whose hold before and after is known", async () => {
      // receives, holds 20 ms, stamps "received" = arrival and "sent" = now, then 0 ms to the client
      const srv = serve(async () => {
        const received = epochUs();
        await Bun.sleep(20);
        return new Response("{}", { headers: { "x-mock-received-us": String(received), "x-mock-sent-us": String(epochUs()) } });
      });
      const { recorder } = await closed(srv.url, 1, 20);
      const req = statsOf(recorder.histograms.request_path)!;
      const res = statsOf(recorder.histograms.response_path)!;
      const lat = statsOf(recorder.histograms.latency)!;
      expect(req.count).toBe(20);
      // loopback both ways: well under the 20 ms hold, never negative; the hold is neither
      expect(req.p50).toBeGreaterThanOrEqual(0);
      expect(req.p50).toBeLessThan(3);
      expect(res.p50).toBeLessThan(3);
      expect(lat.p50 - req.p50 - res.p50).toBeGreaterThanOrEqual(19.5);
    });

    test("timing that cannot be this request's (stale, empty, not a number) is left out, not recorded as 0", async () => {
      const answers = ["1", "", "soon", String(Date.now() * 1000 - 60_000_000)];
      let i = 0;
      const srv = serve(() => {
        const v = answers[i++ % answers.length]!;
        return new Response("{}", { headers: { "x-mock-received-us": v, "x-mock-sent-us": v } });
      });
      const { recorder } = await closed(srv.url, 1, 8);
      expect(recorder.ok).toBe(8);
      expect(recorder.histograms.request_path.totalCount).toBe(0);
      expect(recorder.histograms.response_path.totalCount).toBe(0);
    });
  });
}
