import { describe, expect, test } from "bun:test";
import { closest, normalizeArgv } from "../../src/cli/argv.ts";
import { runArgs } from "../../src/cli/run/flags.ts";

const norm = (argv: string[]) => normalizeArgv(argv, runArgs, "gatebench run");

describe("normalizeArgv", () => {
  test.each([
    [
      ["-duration", "10s", "-rate", "50", "-stream"],
      ["--duration=10s", "--rate=50", "--stream"],
    ],
    [
      ["--duration", "10s", "--rate=50"],
      ["--duration=10s", "--rate=50"],
    ],
    [
      ["-rate=20", "-stream=false"],
      ["--rate=20", "--stream=false"],
    ],
    [["--no-stream"], ["--no-stream"]],
    [
      ["--mock-port", "0", "--port", "0"],
      ["--mock-port=0", "--port=0"],
    ],
    [["--mockPort", "0"], ["--mock-port=0"]],
    [["--rate", "-5"], ["--rate=-5"]],
    [["--json=--weird-name.json"], ["--json=--weird-name.json"]],
    [["--rate", "-.5"], ["--rate=-.5"]],
    [[], []],
  ])("%p becomes %p", (input, output) => {
    expect(norm(input)).toEqual(output);
  });

  test.each([
    [["--rat", "5"], 'unknown flag "--rat" for gatebench run; did you mean --rate? (see: gatebench run --help)'],
    [["-durration", "5s"], 'unknown flag "-durration" for gatebench run; did you mean --duration? (see: gatebench run --help)'],
    [["--streaming"], 'unknown flag "--streaming" for gatebench run; did you mean --stream? (see: gatebench run --help)'],
    [["--mockport", "1"], 'unknown flag "--mockport" for gatebench run; did you mean --mock-port? (see: gatebench run --help)'],
    [["--zzzzzz"], 'unknown flag "--zzzzzz" for gatebench run (see: gatebench run --help)'],
    [["-x"], 'unknown flag "-x" for gatebench run (see: gatebench run --help)'],
    [["--rate"], "--rate needs a value (see: gatebench run --help)"],
    [["--json", "--stream"], "--json needs a value (see: gatebench run --help)"],
    [["--rate", "--duration", "1s"], "--rate needs a value (see: gatebench run --help)"],
    [["-port", "-mock-port", "0"], "--port needs a value (see: gatebench run --help)"],
    [["--json", ""], '--json "": expected a value (see: gatebench run --help)'],
    [["--json="], '--json "": expected a value (see: gatebench run --help)'],
    [["--stream=yes"], '--stream "yes": expected true or false, e.g. --stream or --stream=false'],
    [["50"], 'unexpected argument "50" for gatebench run (flags start with --, see: gatebench run --help)'],
  ])("%p is refused: %s", (input, message) => {
    expect(() => norm(input)).toThrow(message);
  });
});

describe("closest", () => {
  test.each([
    ["rat", "rate"],
    ["durtion", "duration"],
    ["json", "json"],
    ["por", "port"],
    ["qqqqq", undefined],
  ])("%p suggests %p", (word, want) => {
    expect(closest(word, ["rate", "duration", "stream", "port", "mock-port", "json", "verbose"])).toBe(want);
  });
});
