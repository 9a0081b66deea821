// What a run asks of the machine, checked before anything starts: refused
// when it cannot work, one warning line when it is merely unwise.
import { describe, expect, test } from "bun:test";
import { parseArgs } from "citty";
import { normalizeArgv } from "../../src/cli/argv.ts";
import { runConfigFrom } from "../../src/cli/run/config.ts";
import { runArgs, type RunArgValues } from "../../src/cli/run/flags.ts";
import { precheckLoad } from "../../src/cli/run/prechecks.ts";
import { UsageError } from "../../src/cli/errors.ts";

function configOf(args: string[]) {
  const raw = normalizeArgv(args, runArgs, "gatebench run");
  return runConfigFrom(parseArgs(raw, runArgs) as unknown as RunArgValues, raw);
}

describe("the load, against this machine (2 CPUs here)", () => {
  test.each([
    [["--rate", "50"], []],
    [["--rate", "40000"], []],
    [["--rate", "200000"], ["--rate: 200,000 req/s is more than one load thread can likely send (about 50,000)"]],
    [["--rate", "200000", "--workers", "2"], ["--rate: 200,000 req/s is more than 2 load workers can likely send (about 100,000)"]],
    [["--rate", "10:200000"], ["--rate: 200,000 req/s is more than one load thread"]],
    [["--workers", "8"], ["--workers 8 on 2 CPUs: workers beyond the CPUs only share them (and each costs about 33 MB, 264 MB in all), e.g. --workers 2"]],
    [["-c", "5000"], []],
  ])("%j → %j", (args, warnings) => {
    const got = precheckLoad(configOf(args), 2);
    expect(got.length).toBe(warnings.length);
    warnings.forEach((w, i) => expect(got[i]).toStartWith(w));
  });

  test("a rate no machine can send is refused, with the limit and a way out", () => {
    expect(() => precheckLoad(configOf(["--rate", "1e9"]), 2)).toThrow(UsageError);
    expect(() => precheckLoad(configOf(["--rate", "1e9"]), 2)).toThrow(
      "--rate: 1,000,000,000 req/s is beyond what one machine can send (at most 1,000,000); for more, run instances on several machines",
    );
    expect(() => precheckLoad(configOf(["--steps", "100,2000000"]), 2)).toThrow("2,000,000 req/s is beyond");
  });
});
