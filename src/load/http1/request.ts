// Request bytes, built once per body before the load starts: request line,
// header fields, content-length and the body in one buffer, so that a send
// is a single socket write with no string building on the hot path.
import type { TLSOptions } from "bun";
import { VERSION } from "../../version.ts";
import type { PreparedRequest } from "../client.ts";

/** Where the socket client connects. */
export interface Origin {
  hostname: string;
  port: number;
  tls: boolean;
  /** The server name sent in TLS's SNI (none for an IP address). */
  serverName: string | undefined;
}

/** The origin of an http:// or https:// URL (throws a RangeError for any other scheme). */
export function originOf(url: string): Origin {
  const u = new URL(url);
  if (u.protocol !== "http:" && u.protocol !== "https:")
    throw new RangeError(`the socket client speaks http:// and https://, not ${u.protocol}// (${url}); use --client fetch`);
  const tls = u.protocol === "https:";
  // URL keeps an IPv6 literal in brackets; connect() wants it bare
  const hostname = u.hostname.startsWith("[") ? u.hostname.slice(1, -1) : u.hostname;
  const ip = /^[\d.]+$/.test(hostname) || hostname.includes(":");
  return { hostname, port: Number(u.port || (tls ? 443 : 80)), tls, serverName: ip ? undefined : hostname };
}

/** TLS as a request asks for it: the URL's host name for SNI, verification unless --insecure, --cacert's CAs. */
export function tlsOptionsOf(o: Origin, request: Pick<PreparedRequest, "insecure" | "caPem">): TLSOptions | undefined {
  if (!o.tls) return undefined;
  return { rejectUnauthorized: !request.insecure, ...(o.serverName ? { serverName: o.serverName } : {}), ...(request.caPem ? { ca: request.caPem } : {}) };
}

/** A handshake that did not verify, in one line with the way out. */
export function tlsFailure(o: Origin, err: Error | null): string {
  return `the TLS handshake with ${o.serverName ?? o.hostname}:${o.port} failed: ${err?.message ?? "the certificate was not accepted"}; trust its CA with --cacert FILE, or skip verification with --insecure`;
}

/** Fields the client writes itself: the framing is its own, and Host comes from the URL unless given. */
const FRAMING = new Set(["content-length", "transfer-encoding"]);
/** Methods whose requests carry no body. */
const BODILESS = new Set(["GET", "HEAD", "DELETE", "OPTIONS", "TRACE"]);

/** The request's bytes, one buffer per body (cycled by arrival number), each ready for one write. */
export function encodeRequests(req: PreparedRequest): Uint8Array[] {
  const u = new URL(req.url);
  const target = `${u.pathname || "/"}${u.search}`;
  const fields: string[] = [];
  if (!Object.keys(req.headers).some((k) => k.toLowerCase() === "host")) fields.push(`host: ${u.host}`);
  if (!Object.keys(req.headers).some((k) => k.toLowerCase() === "user-agent")) fields.push(`user-agent: gatebench/${VERSION}`);
  for (const [k, v] of Object.entries(req.headers)) {
    if (FRAMING.has(k.toLowerCase())) continue;
    if (/[\r\n]/.test(k) || /[\r\n]/.test(v)) throw new RangeError(`header ${JSON.stringify(k)}: a line break cannot be sent in a header`);
    fields.push(`${k}: ${v}`);
  }
  const method = req.method.toUpperCase();
  const enc = new TextEncoder();
  const build = (body: Uint8Array | undefined): Uint8Array => {
    const length = body ? body.length : BODILESS.has(method) ? -1 : 0;
    const head = enc.encode(`${method} ${target} HTTP/1.1\r\n${fields.join("\r\n")}\r\n${length >= 0 ? `content-length: ${length}\r\n` : ""}\r\n`);
    if (!body || body.length === 0) return head;
    const out = new Uint8Array(head.length + body.length);
    out.set(head, 0);
    out.set(body, head.length);
    return out;
  };
  return req.bodies.length > 0 ? req.bodies.map((b) => build(b)) : [build(undefined)];
}
