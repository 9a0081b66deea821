// What a connection of the socket client asks of the pool that owns it
// (the SocketClient), and a request waiting for a connection. `C` is the
// connection (connection.ts), a parameter here so that neither file imports
// the other.
import type { Api } from "../../apis.ts";
import type { Recorder } from "../../metrics/recorder.ts";

/** A request waiting for a connection (the pool is at its cap), or being sent again. */
export interface Queued {
  n: number;
  intendedMs: number;
  sentMs: number;
  rec: Recorder;
  done: () => void;
  retried: boolean;
}

/** What a connection asks of the pool that owns it. */
export interface Pool<C> {
  /** The request's bytes, one buffer per body. */
  readonly requests: Uint8Array[];
  readonly stream: boolean;
  /** The LLM API spoken, and whether its answers are held to its shape (shape.ts). */
  readonly api: Api;
  readonly checkShape: boolean;
  /** The requests are HEAD: their answers have no body. */
  readonly head: boolean;
  readonly insecure: boolean;
  keepAliveRetries: number;
  /** The first error answer's status and body are kept (in its result's message); later ones are only counted. */
  statusSampled: boolean;
  /** A connection is free for the next request. */
  release(c: C): void;
  /** A connection has closed (`connecting`: before its handshake was through). */
  forget(c: C, connecting: boolean): void;
  /** A connection got through its handshake. */
  opened(): void;
  /** A request to send on another connection (one retried after a kept-alive connection closed under it). */
  dispatch(q: Queued): void;
  connectMessage(err: (Error & { code?: string }) | undefined): string;
  localMessage(): string;
  tlsMessage(err: Error | null): string;
}
