// A load split across workers: threads of this process (the socket
// client: each thread its own event loop and connections) or processes
// (fetch: its one HTTP thread and pool per process). They start together at
// an agreed epoch time and send their records back when done; a worker
// that dies before that fails the load.
import type { Subprocess } from "bun";
import { threadUrl } from "./clock.ts";
import {
  type FromWorker,
  type LaneRecords,
  type LiveCounts,
  loadLeadMs,
  type LoadHandle,
  type LoadHooks,
  type LoadOutcome,
  type LoadSpec,
  newLane,
  noCounts,
  sumCounts,
  type ToWorker,
} from "./spec.ts";
import type { RecorderData } from "../metrics/recorder.ts";
import type { TimelineData } from "../metrics/timeline.ts";

/** One worker, a process or a thread, as inWorkers talks to it. */
interface WorkerLink {
  send(m: ToWorker): void;
  alive(): boolean;
  /** Resolves when the worker is gone, with how it went ("exited with code 1"). */
  ended: Promise<string>;
  /** Ends it now, if it is still there. */
  end(): void;
  /** A process's pid (its CPU and memory are sampled with gatebench's). */
  pid?: number;
}

/** A worker process: gatebench's own `__load`, messages over IPC, its stdin the lifeline. */
function processLink(argv: string[], onMessage: (m: FromWorker) => void): WorkerLink {
  const w: Subprocess = Bun.spawn([...argv], { stdin: "pipe", stdout: "inherit", stderr: "inherit", ipc: (m: FromWorker) => onMessage(m) });
  return {
    send: (m) => w.send(m),
    alive: () => w.exitCode === null,
    ended: w.exited.then((code) => `(pid ${w.pid}) exited with ${w.signalCode ?? `code ${code}`}`),
    end: () => w.exitCode === null && w.kill("SIGKILL"),
    pid: w.pid,
  };
}

/** A worker thread of this process (load/thread.ts), messages by postMessage. */
function threadLink(onMessage: (m: FromWorker) => void): WorkerLink {
  const w = new Worker(threadUrl("thread"));
  let gone = false;
  let ended: (how: string) => void = () => {};
  w.onmessage = (e: MessageEvent<FromWorker>) => onMessage(e.data);
  w.onerror = (e) => {
    gone = true;
    ended(`(a thread) failed: ${e.message}`);
  };
  w.addEventListener("close", () => {
    gone = true;
    ended("(a thread) stopped");
  });
  return {
    send: (m) => w.postMessage(m),
    alive: () => !gone,
    ended: new Promise<string>((resolve) => (ended = resolve)),
    end: () => {
      gone = true;
      w.terminate();
    },
  };
}

/** What the workers report at their end, added up into one outcome, their times placed on this process's clock at the shared start. */
class Gathered {
  private readonly gw: LaneRecords;
  private readonly direct: LaneRecords | undefined;
  private sendingDoneMs = -1;
  private peak = 0;
  private nextDueMs = Number.POSITIVE_INFINITY;
  private directNextDueMs = Number.POSITIVE_INFINITY;
  private finished = 0;

  constructor(
    private readonly startAtMs: number,
    withDirect: boolean,
    private readonly n: number,
  ) {
    this.gw = newLane(startAtMs);
    this.direct = withDirect ? newLane(startAtMs) : undefined;
  }

  /** A worker sent its last request at `atMs` after the start. */
  sendingDone(atMs: number): void {
    this.sendingDoneMs = Math.max(this.sendingDoneMs, this.startAtMs + atMs);
  }

  /** Adds one worker's results; returns the outcome once every worker's are in. */
  add(m: Extract<FromWorker, { type: "done" }>): LoadOutcome | undefined {
    const merge = (l: LaneRecords, data: { recorder: RecorderData; warmup: RecorderData; timeline: TimelineData }): void => {
      l.recorder.addData(data.recorder, this.startAtMs);
      l.warmup.addData(data.warmup, this.startAtMs);
      l.timeline.addData(data.timeline);
    };
    merge(this.gw, m);
    if (this.direct && m.direct) merge(this.direct, m.direct);
    this.sendingDone(m.sendingDoneMs);
    this.peak += m.inFlightPeak;
    // the earliest arrival any worker left unsent is the first one the run did not handle
    this.nextDueMs = Math.min(this.nextDueMs, m.nextDueMs);
    this.directNextDueMs = Math.min(this.directNextDueMs, m.directNextDueMs);
    if (++this.finished < this.n) return undefined;
    const { gw, direct } = this;
    for (const l of direct ? [gw, direct] : [gw]) {
      l.recorder.close();
      l.warmup.close();
    }
    return {
      ...gw,
      direct,
      startedMs: this.startAtMs,
      sendingDoneMs: this.sendingDoneMs,
      nextDueMs: this.nextDueMs,
      directNextDueMs: this.directNextDueMs,
      inFlightPeak: this.peak,
    };
  }
}

/**
 * Workers start together at an agreed epoch time (each converts it to its
 * own performance.now() clock); their times come back relative to it, and
 * are placed on this process's clock at the same start. A worker is a
 * child process with an IPC channel; its stdin is its lifeline.
 */
export function inWorkers(spec: LoadSpec, hooks: LoadHooks): LoadHandle {
  const n = spec.workers;
  const argv = hooks.workerArgv;
  if (!argv && hooks.workerKind !== "thread") throw new Error("more than one load worker process needs the command that starts one (workerArgv)");
  const startAtMs = performance.now() + loadLeadMs(n);
  const startAtEpochMs = performance.timeOrigin + startAtMs;
  const gathered = new Gathered(startAtMs, spec.direct !== undefined, n);
  const counts: LiveCounts[] = [];
  const workers: WorkerLink[] = [];
  let sendingDone = 0;
  const post = (m: ToWorker): void => {
    for (const w of workers) if (w.alive()) w.send(m);
  };
  const onStop = (): void => post({ type: "stop" });
  const onAbort = (): void => post({ type: "abort" });
  hooks.stopSending.addEventListener("abort", onStop, { once: true });
  hooks.abortInFlight.addEventListener("abort", onAbort, { once: true });

  const done = new Promise<LoadOutcome>((resolve, reject) => {
    const reported: boolean[] = [];
    for (let k = 0; k < n; k++) {
      counts.push(noCounts());
      const onMessage = (m: FromWorker): void => {
        if (m.type === "live") counts[k] = m.counts;
        // every worker runs the same phases; the first one's changes are the run's
        else if (m.type === "phase") {
          if (k === 0) hooks.onPhase?.(m.phase);
        } else if (m.type === "sending-done") {
          gathered.sendingDone(m.atMs);
          if (++sendingDone === n) hooks.onSendingDone?.();
        } else if (m.type === "error") {
          reject(new Error(`load worker ${k}: ${m.message}`));
        } else if (m.type === "done") {
          counts[k] = { ...counts[k]!, inFlight: 0 };
          reported[k] = true;
          const outcome = gathered.add(m);
          if (outcome) resolve(outcome);
        }
      };
      const w = hooks.workerKind === "thread" ? threadLink(onMessage) : processLink(argv!, onMessage);
      void w.ended.then((how) => {
        if (!reported[k]) reject(new Error(`load worker ${k} ${how} before it finished`));
      });
      workers.push(w);
      w.send({ type: "start", spec, k, startAtEpochMs } satisfies ToWorker);
    }
    // a stop that came before the workers existed
    if (hooks.abortInFlight.aborted) onAbort();
    else if (hooks.stopSending.aborted) onStop();
  }).finally(() => {
    hooks.stopSending.removeEventListener("abort", onStop);
    hooks.abortInFlight.removeEventListener("abort", onAbort);
    // a worker process that is done exits on its own; the others (and threads) are ended here
    for (const w of workers) w.end();
  });
  return {
    pids: () => workers.flatMap((w) => (w.pid !== undefined && w.alive() ? [w.pid] : [])),
    live: () => counts.reduce(sumCounts, noCounts()),
    done,
  };
}
