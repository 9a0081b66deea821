import { expect, test } from "bun:test";
import { Ticker } from "../../src/mock/ticker.ts";

test("steps run in due order, never early, and reschedule themselves", async () => {
  const t = new Ticker();
  const start = performance.now();
  const log: [string, number, number][] = [];
  const steps = (name: string, first: number, gap: number, count: number) => {
    let n = 0;
    t.add({
      dueMs: start + first,
      run(now) {
        log.push([name, now - start, first + n * gap]);
        n++;
        return n < count ? start + first + n * gap : undefined;
      },
    });
  };
  steps("a", 30, 20, 3); // 30, 50, 70
  steps("b", 10, 25, 3); // 10, 35, 60
  steps("c", 5, 0, 1);
  const deadline = performance.now() + 2000;
  while (t.size > 0 && performance.now() < deadline) await Bun.sleep(5);
  expect(log.map(([n]) => n)).toEqual(["c", "b", "a", "b", "a", "b", "a"]);
  for (const [, at, due] of log) expect(at).toBeGreaterThanOrEqual(due);
});

test("many streams share the heap: 5000 steps due at random times all run, in order", async () => {
  const t = new Ticker();
  const start = performance.now();
  const seen: number[] = [];
  for (let i = 0; i < 5000; i++) {
    const due = start + ((i * 7919) % 200);
    t.add({ dueMs: due, run: () => (seen.push(due), undefined) });
  }
  const deadline = performance.now() + 3000;
  while (t.size > 0 && performance.now() < deadline) await Bun.sleep(5);
  expect(seen).toHaveLength(5000);
  for (let i = 1; i < seen.length; i++) expect(seen[i]!).toBeGreaterThanOrEqual(seen[i - 1]! - 1); // same tick: any order within 1 ms
});

test("until resolves at its time, never before; poll runs what is due without waiting for the timer", async () => {
  const t = new Ticker();
  const start = performance.now();
  await t.until(start + 15);
  expect(performance.now()).toBeGreaterThanOrEqual(start + 15);

  // a step comes due while this code holds the event loop: the timer cannot
  // fire, but a poll (an arriving request) runs it at once
  let ranAt = 0;
  const due = performance.now() + 2;
  t.add({ dueMs: due, run: (now) => ((ranAt = now), undefined) });
  while (performance.now() < due + 1) {
    // busy: no timer can run here
  }
  expect(ranAt).toBe(0);
  t.poll();
  expect(ranAt).toBeGreaterThanOrEqual(due);
  expect(t.size).toBe(0);
});

test("a poll leaves a backlog to the ticker's own slices, so reading requests is never held up by it", async () => {
  const t = new Ticker();
  let ran = 0;
  // already due when added: the ticker is behind and queues a slice of its own
  for (let i = 0; i < 1000; i++) t.add({ dueMs: performance.now() - 10, run: () => (ran++, undefined) });
  t.poll();
  expect(ran).toBe(0);
  const deadline = performance.now() + 2000;
  while (t.size > 0 && performance.now() < deadline) await Bun.sleep(1);
  expect(ran).toBe(1000);
});
