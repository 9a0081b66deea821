// The wake thread: sleeps in Atomics.wait until the deadline the load
// thread wrote into shared memory (a futex: sub-millisecond, no spinning),
// then posts the deadline's number back. The load thread's own timers only
// have whole milliseconds.
//
// Shared memory: [0] f64 deadline (epoch ms, 0 = none), [8] i32 wake-up
// flag, [12] i32 number of the wait the deadline belongs to.
declare const self: Worker;

self.onmessage = (e: MessageEvent<SharedArrayBuffer>) => {
  const deadline = new Float64Array(e.data, 0, 1);
  const flag = new Int32Array(e.data, 8, 2);
  // ready: the load thread starts its schedule only now
  self.postMessage(0);
  for (;;) {
    const d = deadline[0]!;
    if (d < 0) return; // asked to stop
    if (d === 0) {
      Atomics.wait(flag, 0, 0);
      Atomics.store(flag, 0, 0);
      continue;
    }
    const remaining = d - (performance.timeOrigin + performance.now());
    if (remaining > 0) {
      Atomics.wait(flag, 0, 0, remaining);
      Atomics.store(flag, 0, 0);
      continue;
    }
    const n = Atomics.load(flag, 1);
    // a new deadline written meanwhile is kept; this one is done
    if (deadline[0] === d) deadline[0] = 0;
    self.postMessage(n);
  }
};
