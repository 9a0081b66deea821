// Whether an attached target can be reached as the load will reach it,
// asked once before the load: a TCP connection, and for https the TLS
// handshake with the same verification.
import type { Socket } from "bun";
import type { PreparedRequest } from "../client.ts";
import { originOf, tlsFailure, tlsOptionsOf } from "./request.ts";

/**
 * Whether the target can be reached as the load will reach it: a TCP
 * connection, and for https the TLS handshake with the same verification.
 * Resolves to the problem in one line, or undefined.
 */
export function probe(request: PreparedRequest, timeoutMs = 5000): Promise<string | undefined> {
  const o = originOf(request.url);
  const where = `${o.hostname}:${o.port}`;
  return new Promise((resolve) => {
    let settled = false;
    const settle = (problem: string | undefined, s?: Socket<undefined>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      s?.end();
      resolve(problem);
    };
    const timer = setTimeout(() => settle(`nothing answered on ${where} within ${timeoutMs / 1000} s`), timeoutMs);
    const refused = (err: (Error & { code?: string }) | undefined): string => `nothing accepts connections on ${where}${err?.code ? ` (${err.code})` : ""}`;
    const tls = tlsOptionsOf(o, request);
    Bun.connect({
      hostname: o.hostname,
      port: o.port,
      ...(tls ? { tls } : {}),
      socket: {
        data() {},
        open: (s) => (tls ? undefined : settle(undefined, s)),
        handshake: (s, ok, err) => {
          if (ok || request.insecure) settle(undefined, s);
          else settle(tlsFailure(o, err), s);
        },
        close: () => settle(o.tls ? `${where} closed the connection during the TLS handshake (is it https?)` : refused(undefined)),
        connectError: (_s, err) => settle(refused(err)),
      },
    }).catch((err: unknown) => settle(refused(err as Error)));
  });
}
