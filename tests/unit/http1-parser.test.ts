// The HTTP/1.1 response parser, from tables: every response is fed whole,
// cut at every byte position, and one byte at a time, and must give the
// same status, body and verdict each way.
import { describe, expect, test } from "bun:test";
import { Framing, ResponseParser } from "../../src/load/http1/parser.ts";

interface Parsed {
  status: number;
  body: string;
  ended: boolean;
  keepAlive: boolean;
  framing: Framing;
  failure: string;
  /** Where the response ended in the input (bytes beyond it belong to no response). */
  usedBytes: number;
  heads: number;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Feeds `raw` in the pieces given by `cuts` (offsets), then the close when `eof`. */
function parse(raw: string, cuts: number[] = [], opts: { head?: boolean; eof?: boolean; wantContentType?: boolean } = {}): Parsed & { parser: ResponseParser } {
  const bytes = enc.encode(raw);
  const body: number[] = [];
  let ended = false;
  let heads = 0;
  const p = new ResponseParser({
    head: () => heads++,
    body: (buf, from, to) => body.push(...buf.subarray(from, to)),
    end: () => (ended = true),
  });
  p.wantContentType = opts.wantContentType ?? false;
  p.reset(opts.head ?? false);
  let used = bytes.length;
  const points = [0, ...cuts, bytes.length];
  for (let i = 0; i + 1 < points.length; i++) {
    // each piece in a buffer of its own, as a socket hands them over
    const piece = bytes.slice(points[i], points[i + 1]);
    const at = p.feed(piece, 0, piece.length, i);
    if (at < piece.length && (p.done || p.failed)) {
      used = points[i]! + at;
      break;
    }
  }
  if (opts.eof && !p.done && !p.failed) p.eof(99);
  return {
    status: p.status,
    body: dec.decode(new Uint8Array(body)),
    ended,
    keepAlive: p.keepAlive,
    framing: p.framing,
    failure: p.failure,
    usedBytes: used,
    heads,
    parser: p,
  };
}

/** The same response parsed whole, at every cut, and byte by byte must agree. */
function everyWay(raw: string, opts: { head?: boolean; eof?: boolean } = {}): Parsed {
  const whole = parse(raw, [], opts);
  const n = enc.encode(raw).length;
  const pick = ({ parser: _, ...rest }: Parsed & { parser: ResponseParser }) => rest;
  for (let cut = 1; cut < n; cut++) expect(pick(parse(raw, [cut], opts))).toEqual(pick(whole));
  expect(
    pick(
      parse(
        raw,
        Array.from({ length: n - 1 }, (_, i) => i + 1),
        opts,
      ),
    ),
  ).toEqual(pick(whole));
  return pick(whole);
}

describe("framing", () => {
  test("content-length", () => {
    const r = everyWay("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nhello");
    expect(r).toMatchObject({ status: 200, body: "hello", ended: true, keepAlive: true, framing: Framing.Length, failure: "" });
  });

  test("chunked, with chunk extensions and trailers", () => {
    const raw =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;name=value\r\nhello\r\n1A ; ext\r\n" +
      "x".repeat(26) +
      "\r\n0;last\r\nX-Trailer: 1\r\nAnother: two\r\n\r\n";
    const r = everyWay(raw);
    expect(r).toMatchObject({ status: 200, body: `hello${"x".repeat(26)}`, ended: true, keepAlive: true, framing: Framing.Chunked, failure: "" });
  });

  test("chunked with bare LF line endings", () => {
    const r = everyWay("HTTP/1.1 200 OK\nTransfer-Encoding: gzip, chunked\n\n3\nabc\n0\n\n");
    expect(r).toMatchObject({ body: "abc", ended: true, framing: Framing.Chunked });
  });

  test("a body delimited by the connection's close", () => {
    const open = parse("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nsome bytes");
    expect(open).toMatchObject({ body: "some bytes", ended: false, keepAlive: false, framing: Framing.Close });
    const r = everyWay("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nsome bytes", { eof: true });
    expect(r).toMatchObject({ body: "some bytes", ended: true, keepAlive: false, failure: "" });
  });

  test("transfer-encoding wins over content-length, and the connection is not reused", () => {
    const r = everyWay("HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n");
    expect(r).toMatchObject({ body: "ok", ended: true, keepAlive: false, framing: Framing.Chunked });
  });

  test("a transfer coding other than chunked last runs to the close", () => {
    const r = everyWay("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nzzz", { eof: true });
    expect(r).toMatchObject({ body: "zzz", ended: true, keepAlive: false, framing: Framing.Close });
  });

  test("no body: HEAD, 204, 304 (whatever content-length says)", () => {
    expect(everyWay("HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n", { head: true })).toMatchObject({
      status: 200,
      body: "",
      ended: true,
      keepAlive: true,
      framing: Framing.None,
    });
    expect(everyWay("HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n")).toMatchObject({ status: 204, ended: true, framing: Framing.None });
    expect(everyWay("HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n")).toMatchObject({ status: 304, ended: true, framing: Framing.None });
  });

  test("interim 1xx responses are skipped; the final one is read", () => {
    const r = everyWay(
      "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>; rel=preload\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok",
    );
    expect(r).toMatchObject({ status: 201, body: "ok", ended: true, heads: 1 });
  });

  test("connection: close, and HTTP/1.0 (closes unless it says keep-alive)", () => {
    expect(everyWay("HTTP/1.1 200 OK\r\nConnection: Keep-Alive, Close\r\nContent-Length: 0\r\n\r\n")).toMatchObject({ keepAlive: false, ended: true });
    expect(everyWay("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n")).toMatchObject({ keepAlive: false, ended: true });
    expect(everyWay("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n")).toMatchObject({ keepAlive: true, ended: true });
  });

  test("a status line without a reason phrase; repeated equal content-lengths", () => {
    expect(everyWay("HTTP/1.1 503\r\nContent-Length: 4, 4\r\n\r\nbusy")).toMatchObject({ status: 503, body: "busy", ended: true });
  });

  test("where the response ends: bytes beyond it are left", () => {
    const r = parse("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA");
    expect(r).toMatchObject({ body: "ok", ended: true, usedBytes: enc.encode("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok").length });
  });
});

describe("the fields the client reads", () => {
  test("the mock's timing (epoch µs) and content-type, in any case", () => {
    const r = parse(
      "HTTP/1.1 200 OK\r\nX-Mock-Received-US: 1764900000123456\r\nx-mock-sent-us:1764900000123999 \r\nContent-Type: Text/Event-Stream; charset=utf-8\r\nContent-Length: 0\r\n\r\n",
      [],
      { wantContentType: true },
    );
    expect(r.parser.mockReceivedUs).toBe(1764900000123456);
    expect(r.parser.mockSentUs).toBe(1764900000123999);
    expect(r.parser.contentType).toBe("text/event-stream; charset=utf-8");
  });

  test("timing that is not a number is left out", () => {
    const r = parse("HTTP/1.1 200 OK\r\nx-mock-received-us: soon\r\nx-mock-sent-us:\r\nContent-Length: 0\r\n\r\n");
    expect(r.parser.mockReceivedUs).toBeNaN();
    expect(r.parser.mockSentUs).toBeNaN();
  });

  test("content-encoding other than identity is noticed", () => {
    expect(parse("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 0\r\n\r\n").parser.encoded).toBe(true);
    expect(parse("HTTP/1.1 200 OK\r\nContent-Encoding: identity\r\nContent-Length: 0\r\n\r\n").parser.encoded).toBe(false);
  });
});

describe("malformed and cut responses fail with a reason, never throw", () => {
  const failures: [string, string, RegExp][] = [
    ["garbage instead of a status line", "hello there\r\n\r\n", /not an HTTP\/1.x status line: "hello there"/],
    ["HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\n", /not an HTTP\/1.x status line/],
    ["a status of two digits", "HTTP/1.1 20 OK\r\n\r\n", /not an HTTP\/1.x status line/],
    ["a header without a colon", "HTTP/1.1 200 OK\r\nBroken header\r\n\r\n", /without a field name and colon/],
    ["whitespace before the colon", "HTTP/1.1 200 OK\r\nContent-Length : 2\r\n\r\nok", /whitespace between a field name and its colon/],
    ["a content-length that is not a number", "HTTP/1.1 200 OK\r\nContent-Length: ten\r\n\r\n", /invalid content-length: "ten"/],
    ["two different content-lengths", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok", /invalid content-length/],
    ["a chunk size that is not hex", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", /invalid chunk-size line: "zz"/],
    ["chunk data longer than its size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n", /runs past its size/],
    ["101 without an upgrade asked for", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n", /101 Switching Protocols/],
  ];
  for (const [name, raw, why] of failures) {
    test(name, () => {
      const n = enc.encode(raw).length;
      for (const cuts of [[], Array.from({ length: n - 1 }, (_, i) => i + 1)]) {
        const r = parse(raw, cuts);
        expect(r.parser.failed).toBe(true);
        expect(r.failure).toMatch(why);
        expect(r.ended).toBe(false);
      }
    });
  }

  test("a head over 64 KiB", () => {
    const r = parse(`HTTP/1.1 200 OK\r\nX-Big: ${"a".repeat(70_000)}\r\n\r\n`);
    expect(r.failure).toMatch(/head is over 64 KiB/);
    const split = parse(`HTTP/1.1 200 OK\r\nX-Big: ${"a".repeat(70_000)}\r\n\r\n`, [30, 40_000]);
    expect(split.failure).toMatch(/head is over 64 KiB/);
  });

  const cut: [string, string, RegExp][] = [
    ["nothing at all", "", /closed before any response/],
    ["in the status line", "HTTP/1.1 2", /closed in the status line/],
    ["in the head", "HTTP/1.1 200 OK\r\nContent-Le", /closed in the response head/],
    ["short of its content-length", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello", /after 5 of the 10 body bytes/],
    [
      "before the last chunk",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n",
      /before the chunked body's last chunk \(after 5 body bytes\)/,
    ],
    ["in the trailers", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-T: 1\r\n", /before the chunked body's last chunk/],
  ];
  for (const [name, raw, why] of cut) {
    test(`closed ${name}`, () => {
      const r = parse(raw, [], { eof: true });
      expect(r.ended).toBe(false);
      expect(r.failure).toMatch(why);
    });
  }

  test("a parser is reused: reset() clears the last response", () => {
    const r = parse("HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 1\r\n\r\nx");
    const p = r.parser;
    p.reset(false);
    expect(p.idle).toBe(true);
    const b = enc.encode("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    p.feed(b, 0, b.length, 0);
    expect(p.done).toBe(true);
    expect(p.status).toBe(200);
    expect(p.keepAlive).toBe(true);
  });
});
