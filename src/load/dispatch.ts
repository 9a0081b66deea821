// What the open and the closed loop share: a client per lane (the gateway,
// and the mock directly for the baseline), launching a request and
// tracking it, telling which phase is being sent, aborting everything, and
// waiting for the last request.
import type { Recorder } from "../metrics/recorder.ts";
import type { Client, ClientOptions, PreparedRequest } from "./client.ts";
import { FetchClient } from "./fetch.ts";
import { SocketClient } from "./http1/socket.ts";
import { Waiter } from "./clock.ts";

/** Where a request goes and where it is recorded: the gateway, or the mock directly for the baseline. */
export interface Lane {
  request: PreparedRequest;
  /** The measured requests. */
  recorder: Recorder;
  /** Requests due in the warm-up (the first `warmupMs`): sent like the rest, recorded apart and left out of the figures. */
  warmupRecorder?: Recorder;
}

/** What part of the run the requests being sent belong to (resource samples are attributed by it). */
export type LoadPhase = "warmup" | "load" | "baseline";

export interface CommonOptions extends Lane {
  /** The baseline: the same load, straight to the mock (lane 1). */
  direct?: Lane;
  warmupMs?: number;
  /** Stops dispatching (the in-flight requests are left to finish). */
  stopSending: AbortSignal;
  /** Aborts the requests still in flight. */
  abortInFlight: AbortSignal;
  /** When the run starts on the performance.now() clock (workers start together); default: at once. */
  startAtMs?: number;
  /** Called when the requests being sent move to another phase (first call: the first phase). */
  onPhase?: (phase: LoadPhase) => void;
  /** Called once the last request has been sent (or sending was stopped), before the drain. */
  onSendingDone?: () => void;
  /** Connections open at once per lane, at most (default: as many as requests need). */
  maxConnections?: number;
}

export interface LoadProgress {
  sent: number;
  /** Requests open now, both lanes. */
  inFlight: number;
  /** Most requests open at once through the gateway (lane 0). */
  inFlightPeak: number;
  /** The run's start (warm-up included), on the performance.now() clock. */
  startedMs: number;
  /** When sending stopped (the schedule ended or the run was stopped); -1 while sending. */
  sendingDoneMs: number;
  /** Open loop: offset in the shape of the first arrival not handled (the shape's end when all were), per lane; -1 for a closed loop. */
  nextDueMs: number;
  directNextDueMs: number;
}

/** What both dispatchers share: a client per lane, launching a request and tracking it, aborting them all, waiting for the last. */
export abstract class Dispatcher {
  readonly progress: LoadProgress = { sent: 0, inFlight: 0, inFlightPeak: 0, startedMs: 0, sendingDoneMs: -1, nextDueMs: -1, directNextDueMs: -1 };
  /** Requests open now per lane: each lane has its own in-flight cap, so one path's backlog never drops the other's arrivals. */
  protected readonly laneInFlight = [0, 0];
  /** Lane 0's client, and lane 1's when there is a baseline. */
  private readonly clients: Client[];
  /** What each lane's client calls when a request is recorded (made once: no closure per request). */
  private readonly laneDone: (() => void)[];
  /** Set while run() waits for the last requests. */
  private onIdle: (() => void) | undefined;

  constructor(protected readonly base: CommonOptions) {
    const maxConnections = base.maxConnections ?? Number.POSITIVE_INFINITY;
    this.clients = [createClient({ request: base.request, maxConnections })];
    if (base.direct) this.clients.push(createClient({ request: base.direct.request, maxConnections }));
    this.laneDone = this.clients.map((_, k) => () => this.finished(k));
    for (const c of this.clients) c.warmUp?.();
    const abortAll = (): void => {
      for (const c of this.clients) c.abortAll();
    };
    if (base.abortInFlight.aborted) abortAll();
    else base.abortInFlight.addEventListener("abort", abortAll, { once: true });
  }

  protected get warmupMs(): number {
    return this.base.warmupRecorder ? (this.base.warmupMs ?? 0) : 0;
  }

  /** Lane 0: the gateway; lane 1: the mock directly (the baseline), when there is one. */
  protected lane(k: number): Lane {
    return k === 0 ? this.base : this.base.direct!;
  }

  private phase: LoadPhase | undefined;

  /** Tells the hook when the phase of what is sent changes. */
  protected enter(phase: LoadPhase): void {
    if (phase === this.phase) return;
    this.phase = phase;
    this.base.onPhase?.(phase);
  }

  /** Sends arrival number `n` (picks the body) on lane `k`, due at `intended` (-1: when sent), recorded by `rec`; completed(k) follows its end. */
  protected launch(k: number, n: number, intended: number, rec: Recorder): void {
    const p = this.progress;
    const open = this.laneInFlight;
    p.sent++;
    p.inFlight++;
    if (++open[k]! > p.inFlightPeak && k === 0) p.inFlightPeak = open[k]!;
    this.clients[k]!.send(n, intended, rec, this.laneDone[k]!);
  }

  private finished(k: number): void {
    const p = this.progress;
    p.inFlight--;
    this.laneInFlight[k]!--;
    this.completed(k);
    if (p.inFlight === 0) this.onIdle?.();
  }

  /** Called after each request of lane `k` has finished (the open loop sends what has come due meanwhile; the closed loop sends the next). */
  protected completed(_k: number): void {}

  /** Waits for the start time; returns the start. */
  protected async begin(): Promise<number> {
    const at = this.base.startAtMs;
    if (at !== undefined && at > performance.now()) await new Waiter(1).until(at, this.base.stopSending);
    const start = at ?? performance.now();
    this.progress.startedMs = start;
    return start;
  }

  protected async finish(): Promise<void> {
    this.progress.sendingDoneMs = performance.now();
    this.base.onSendingDone?.();
    // a client records every request it was given, so the last one to finish is the end of the run
    if (this.progress.inFlight > 0) await new Promise<void>((resolve) => (this.onIdle = resolve));
    this.clients.forEach((c, k) => {
      c.close();
      const rec = this.lane(k).recorder;
      rec.connectionsOpened = c.connectionsOpened;
      rec.keepAliveRetries = c.keepAliveRetries;
    });
  }

  /** Runs the load to its end (or until stopSending); resolves when every request has finished. */
  abstract run(): Promise<void>;
}

/** The client a lane sends with: the request's own choice (socket unless it says fetch). */
export function createClient(o: ClientOptions): Client {
  return (o.request.client ?? "socket") === "fetch" ? new FetchClient(o.request) : new SocketClient(o.request, o.maxConnections);
}
