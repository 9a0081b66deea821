// The README documents every flag the commands accept, so it cannot fall
// behind --help (both come from the same citty definitions).
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { compareArgs } from "../../src/cli/commands/compare.ts";
import { mergeArgs } from "../../src/cli/commands/merge.ts";
import { mockArgs } from "../../src/cli/commands/mock.ts";
import { reportArgs } from "../../src/cli/commands/report.ts";
import { runArgs } from "../../src/cli/commands/run.ts";
import { sweepArgs } from "../../src/cli/commands/sweep.ts";

const readme = readFileSync(join(import.meta.dir, "..", "..", "README.md"), "utf8");

describe("README", () => {
  test.each([
    ["run", runArgs],
    ["mock", mockArgs],
    ["report", reportArgs],
    ["compare", compareArgs],
    ["sweep", sweepArgs],
    ["merge", mergeArgs],
  ] as const)("documents every flag of gatebench %s", (_name, args) => {
    const missing = Object.entries(args)
      .filter(([, def]) => (def as { type: string }).type !== "positional")
      .filter(([name]) => !name.startsWith("mock-")) // --mock-<name> is documented once, as the mock's flags
      .filter(([name, def]) => {
        const alias = (def as { alias?: string }).alias;
        const row = alias ? `\`-${alias}\`, \`--${name}` : `\`--${name}`;
        return !readme.includes(row);
      })
      .map(([name]) => name);
    expect(missing).toEqual([]);
  });

  test("states the metric definitions", () => {
    for (const m of ["latency", "service time", "TTFB", "TTFT", "ITL", "TPOT", "success", "throughput", "rate"]) {
      expect(readme).toMatch(new RegExp(`^\\| ${m} \\|`, "m"));
    }
  });
});
