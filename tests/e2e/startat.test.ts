// gatebench run --start-at: the load's first arrival is due at the given
// instant (run.load_started_at), never before it; a value that is not a
// time, an instant already passed, or one the load cannot meet is a usage
// error (exit 2); the wait gives way to a stop; sweep has no such flag.
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { ResultDoc } from "../../src/metrics/document.ts";
import { cli, scratch, startCli, waitFor } from "./helpers.ts";

const { dir, tagged } = scratch("gatebench-startat-");

type Doc = ResultDoc & { run: { load_started_at: string } };
const read = (file: string): Doc => JSON.parse(readFileSync(file, "utf8"));

/** `ms` as an ISO 8601 time in the zone +02:00, e.g. 2026-11-23T12:00:03.000+02:00. */
const plusTwoHours = (ms: number): string => `${new Date(ms + 2 * 3_600_000).toISOString().slice(0, -1)}+02:00`;

const quickRun = ["run", "--port", "0", "--mock-port", "0", "--rate", "20", "--duration", "1s"];

describe.concurrent("gatebench run --start-at", () => {
  // alone: it checks the start to 150 ms
  test.serial(
    "the load begins at the instant, not before it",
    async () => {
      const startMs = Date.now() + 6000;
      const json = join(dir, "at.json");
      // no idle phase: the 6 s go to starting the mock and the proxy on a busy machine
      const r = await cli([...quickRun, "--idle", "0s", "--start-at", plusTwoHours(startMs), "--json", json], { tag: tagged() });
      expect(r.stderr).not.toContain("ERROR");
      expect(r.code).toBe(0);
      const iso = new Date(startMs).toISOString();
      expect(r.stderr).toContain(`waiting until ${iso} (--start-at,`);
      const doc = read(json);
      // recorded in UTC, so instances given the instant in different zones agree
      expect(doc.config.startAt).toBe(iso);
      // the schedule began at the instant, and every request left close to its place in it
      const lateMs = Date.parse(doc.run.load_started_at) - startMs;
      expect(lateMs).toBeGreaterThanOrEqual(0);
      expect(lateMs).toBeLessThanOrEqual(150);
      expect(doc.summary.schedule_lag_ms!.max).toBeLessThan(100);
      expect(Date.parse(doc.run.started_at)).toBeLessThan(startMs);
      expect(doc.summary.requests.total).toBe(20);
    },
    30_000,
  );

  test("a value that is not a time with a zone: exit 2, with an example", async () => {
    for (const value of ["tomorrow", "2026-11-23T10:00:00", "2026-02-30T10:00:00Z"]) {
      const r = await cli([...quickRun, "--start-at", value], { tag: tagged() });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`--start-at "${value}": expected an ISO 8601 date and time with a zone (Z or +hh:mm), e.g. --start-at 2026-11-23T10:00:00Z`);
      expect(r.stdout).toBe("");
    }
  }, 30_000);

  test("an instant already passed, or nearer than the idle phase: exit 2 before anything starts", async () => {
    const past = await cli([...quickRun, "--start-at", "2020-01-01T00:00:00Z"], { tag: tagged() });
    expect(past.code).toBe(2);
    expect(past.stderr).toMatch(
      /--start-at "2020-01-01T00:00:00Z": passed \d+ days ago; pick a time at least 31 s ahead, e\.g\. --start-at \$\(date -u -d '\+31 sec' \+%FT%TZ\)/,
    );
    expect(past.stderr).not.toContain("listening");

    const near = new Date(Date.now() + 2000).toISOString();
    const r = await cli([...quickRun, "--idle", "5s", "--start-at", near], { tag: tagged() });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/ahead, and the 5 s idle phase comes first; pick a time at least 35 s ahead/);
  }, 30_000);

  test("an instant passed by the time the load could begin: exit 2, saying what took the time", async () => {
    const at = new Date(Date.now() + 2500).toISOString();
    // a slow --setup makes the load late
    const r = await cli([...quickRun, "--idle", "0s", "--setup", "sleep 5", "--start-at", at], { tag: tagged() });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      new RegExp(
        `--start-at "${at}": the load could begin \\d+\\.\\d s after it at the earliest \\(getting there took \\d+\\.\\d s: the mock, the gateway, --setup\\); pick a time at least \\d+ s ahead`,
      ),
    );
    expect(r.stderr).not.toContain("load phase");
  }, 30_000);

  test("SIGTERM while waiting ends the run at once", async () => {
    const at = new Date(Date.now() + 60_000).toISOString();
    await using run = startCli([...quickRun, "--idle", "0s", "--start-at", at], { tag: tagged(), timeoutMs: 30_000 });
    await waitFor(() => run.out.stderr.includes("waiting until"), 15_000, "the wait to begin");
    const sentMs = performance.now();
    run.proc.kill("SIGTERM");
    const code = await run.proc.exited;
    await run.pumped;
    expect(performance.now() - sentMs).toBeLessThan(10_000);
    expect(code).toBe(3);
    expect(run.out.stderr).toContain("run ended early: interrupted");
  }, 30_000);

  test("sweep has no --start-at: each of its steps begins when the last ends", async () => {
    const r = await cli(["sweep", "--start-at", "2026-11-23T10:00:00Z"], { tag: tagged() });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown flag "--start-at" for gatebench sweep');
  }, 30_000);
});
