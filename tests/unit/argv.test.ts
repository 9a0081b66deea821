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
    // hey's line, with gatebench run for hey
    [
      ["-n", "100", "-c", "5", "-H", "Authorization: Bearer k", "-m", "POST", "-d", "{}", "http://h:1/v1/chat/completions"],
      ["--requests=100", "--concurrency=5", "--header=Authorization: Bearer k", "--method=POST", "--body={}", "http://h:1/v1/chat/completions"],
    ],
    [
      ["-z", "2s", "-rate", "50/s", "-o", "r.json", "-q", "-k"],
      ["--duration=2s", "--rate=50/s", "--json=r.json", "--quiet", "--insecure"],
    ],
    [["--output", "r.json"], ["--json=r.json"]],
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
    [["http://127.0.0.1:4000", "50"], 'unexpected argument "50" for gatebench run (flags start with --, see: gatebench run --help)'],
    [["-m"], "--method needs a value"],
    [["-t", "20"], "unknown flag \"-t\" for gatebench run; for hey's -t (per-request timeout) use --timeout 20s; for wrk's -t (threads) use --workers"],
    [["-X", "POST"], 'unknown flag "-X" for gatebench run; for curl\'s -X (method) use -m/--method'],
    [["-j", "x"], 'unknown flag "-j" for gatebench run (see: gatebench run --help)'],
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
