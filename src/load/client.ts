// The request clients behind one interface. `socket` (the default) speaks
// HTTP/1.1 over Bun.connect in this thread's event loop, with a keep-alive
// pool of its own; `fetch` sends each request through Bun's fetch (another
// thread does the I/O), the reference and the way to anything the socket
// client does not speak. Either way a failed request is data: it is
// classified into an ErrorKind and handed to the recorder like any other.
import type { Api } from "../apis.ts";
import { ErrorKind } from "../metrics/outcome.ts";
import type { Recorder } from "../metrics/recorder.ts";

export type ClientKind = "socket" | "fetch";
export const CLIENT_KINDS: readonly ClientKind[] = ["socket", "fetch"];

/** Everything about a request that does not change between sends, encoded once. Plain data: it crosses to load workers as it is. */
export interface PreparedRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  /** Request bodies, cycled by arrival number (one for a fixed workload; several from --prompts); empty: no body. */
  bodies: Uint8Array[];
  stream: boolean;
  /** The LLM API the request speaks (default chat): how its stream is read, and which shape its answers must have. */
  api?: Api;
  timeoutMs: number;
  /** Which client sends it (default socket). */
  client?: ClientKind;
  /** https: accept any certificate (--insecure). */
  insecure?: boolean;
  /** https: PEM of the CA certificates to trust instead of the system's (--cacert). */
  caPem?: string;
}

export interface ClientOptions {
  request: PreparedRequest;
  /** Connections open at once at most (the socket client; requests beyond wait for one). */
  maxConnections: number;
}

/** Sends requests and records their outcomes. */
export interface Client {
  /**
   * Sends arrival number `n` (which picks its body), due at `intendedMs`
   * (-1: due when sent), records its outcome in `rec`, then calls `done`.
   * Never throws: every failure ends up in the recorder.
   */
  send(n: number, intendedMs: number, rec: Recorder, done: () => void): void;
  /** Aborts every request in flight, and any sent later. */
  abortAll(): void;
  /** Compiles the response path before the load (the JIT's pauses would otherwise land in the first measured requests). */
  warmUp?(): void;
  /** The load is over: idle connections and timers go. */
  close(): void;
  /** Connections opened so far (-1 when the client cannot tell). */
  readonly connectionsOpened: number;
  /** Requests sent again on a new connection after the server closed a kept-alive one as they were written. */
  readonly keepAliveRetries: number;
}

/** A system error as an error kind (`code` from the error Bun gives: ECONNREFUSED, ECONNRESET, …). */
export function kindOfCode(code: string): ErrorKind {
  switch (code) {
    case "ECONNREFUSED":
    case "FailedToOpenSocket":
    case "ConnectionRefused":
    case "ENOTFOUND":
    case "EHOSTUNREACH":
    case "ENETUNREACH":
    case "ETIMEDOUT":
      return ErrorKind.Connect;
    case "ECONNRESET":
    case "ConnectionClosed":
    case "EPIPE":
      return ErrorKind.Reset;
    // this machine ran out of ephemeral ports or descriptors: the request never left
    case "EADDRNOTAVAIL":
    case "EMFILE":
    case "ENFILE":
    case "ENOBUFS":
      return ErrorKind.LoadGenerator;
    default:
      return ErrorKind.Other;
  }
}

/** A client failure (a fetch rejection, a socket error) as an error kind. The per-request timeout is told apart by the caller, which set it. */
export function classifyError(err: unknown): { kind: ErrorKind; message: string } {
  const e = err as { name?: string; code?: string | number; message?: string } | undefined;
  const message = String(e?.message ?? err);
  if (e?.name === "AbortError") return { kind: ErrorKind.Aborted, message };
  return { kind: kindOfCode(String(e?.code ?? "")), message };
}
