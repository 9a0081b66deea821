import { describe, expect, test } from "bun:test";
import { durationFlag, parseDuration, portFlag, positiveNumberFlag, wholeNumberFlag } from "../../src/cli/values.ts";

describe("parseDuration", () => {
  test.each([
    ["500ms", 500],
    ["10s", 10_000],
    ["1m", 60_000],
    ["1.5s", 1_500],
    [".5s", 500],
    ["1m30s", 90_000],
    ["2h", 7_200_000],
    ["250us", 0.25],
    ["1h2m3s4ms", 3_723_004],
    [" 10s ", 10_000],
  ])("%p is %p ms", (input, ms) => {
    expect(parseDuration(input)).toBeCloseTo(ms, 9);
  });

  test.each(["", "10", "s", "10x", "10 s", "-1s", "1s-", "s10", "1..5s", "10sec", "1m 30s", "abc"])("%p is not a duration", (input) => {
    expect(parseDuration(input)).toBeUndefined();
  });
});

describe("flag values", () => {
  test.each([
    [() => durationFlag("duration", "10"), '--duration "10": expected a duration with a unit (ms, s, m, h), e.g. --duration 10s'],
    [() => durationFlag("duration", "0s"), '--duration "0s": expected a duration longer than zero, e.g. --duration 10s'],
    [() => positiveNumberFlag("rate", "abc", "200"), '--rate "abc": expected a positive number, e.g. --rate 200'],
    [() => positiveNumberFlag("rate", "0", "200"), '--rate "0": expected a positive number, e.g. --rate 200'],
    [() => positiveNumberFlag("rate", "-5", "200"), '--rate "-5": expected a positive number, e.g. --rate 200'],
    [() => positiveNumberFlag("rate", "5x", "200"), '--rate "5x": expected a positive number, e.g. --rate 200'],
    [() => positiveNumberFlag("rate", "Infinity", "200"), '--rate "Infinity": expected a positive number, e.g. --rate 200'],
    [() => portFlag("port", "65536"), '--port "65536": expected a port from 0 to 65535 (0 picks a free port), e.g. --port 8081'],
    [() => portFlag("mock-port", "http"), '--mock-port "http": expected a port from 0 to 65535 (0 picks a free port), e.g. --mock-port 8081'],
    [() => wholeNumberFlag("tokens", "2.5", "25"), '--tokens "2.5": expected a whole number above zero, e.g. --tokens 25'],
  ])("%#: refused with a message that names flag, value, expectation and example", (fn, message) => {
    expect(fn).toThrow(message);
  });

  test("good values", () => {
    expect(durationFlag("duration", "1m")).toBe(60_000);
    expect(durationFlag("latency", "0", { allowZero: true })).toBe(0);
    expect(positiveNumberFlag("rate", "0.5", "200")).toBe(0.5);
    expect(positiveNumberFlag("rate", "1e3", "200")).toBe(1000);
    expect(portFlag("port", "0")).toBe(0);
    expect(portFlag("port", "65535")).toBe(65535);
    expect(wholeNumberFlag("tokens", "25", "25")).toBe(25);
  });
});
