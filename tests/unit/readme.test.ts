// The flag tables of docs/commands.md are generated (bun run docs) from the citty
// definitions --help is rendered from: each must match them, every command
// with flags has its tables, and every flag is documented exactly once.
import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { differences, documentedWith, FLAG_DOC, flagTables, userCommands } from "../../scripts/docs.ts";
import { type FlagDef, flagRow, flagsOf, lineDiff, markdownTable, readRegions } from "../../src/cli/reference.ts";

const readme = readFileSync(FLAG_DOC, "utf8");
const figures = readFileSync(join(import.meta.dir, "..", "..", "docs", "figures.md"), "utf8");
const commands = await userCommands();
const found = differences(readme, flagTables(commands));

describe("docs/commands.md and docs/figures.md", () => {
  test("every flag table is the one generated from the definitions (else: run bun run docs)", () => {
    expect(found.stale.join("\n\n")).toBe("");
  });

  test("every command with flags has its tables, and no table is left over", () => {
    expect(commands.map((c) => c.name)).toEqual(expect.arrayContaining(["run", "mock", "report", "compare", "sweep", "merge"]));
    expect([...found.missing, ...found.unknown]).toEqual([]);
  });

  test("every flag is in exactly one table: its command's, or the one it is documented with", () => {
    const regions = [...readRegions(readme)];
    const problems: string[] = [];
    for (const { name, args } of commands) {
      for (const f of flagsOf(args)) {
        const home = documentedWith(name, f) ?? { command: name, name: f.name };
        const row = new RegExp(`^\\| [^|]*\`--${home.name}[ \`]`, "m"); // in the first cell of a row
        const tables = regions.filter(([id, body]) => (id === home.command || id.startsWith(`${home.command}:`)) && row.test(body)).map(([id]) => id);
        if (tables.length !== 1)
          problems.push(`gatebench ${name} --${f.name}: as --${home.name} in ${tables.length} tables of ${home.command} [${tables.join(", ")}]`);
      }
    }
    expect(problems).toEqual([]);
  });

  test("states the metric definitions", () => {
    for (const m of ["latency", "service time", "TTFB", "TTFT", "ITL", "TPOT", "success", "throughput", "rate"]) {
      expect(figures).toMatch(new RegExp(`^\\| ${m} \\|`, "m"));
    }
  });
});

describe("a flag's table row (the same label and default as --help)", () => {
  test.each([
    [
      "alias and hint",
      "concurrency",
      { type: "string", alias: "c", description: "Closed loop", valueHint: "n" },
      ["`-c`, `--concurrency <n>`", "", "Closed loop"],
    ],
    [
      "citty default",
      "arrival",
      { type: "string", description: "Arrivals", default: "constant", valueHint: "kind" },
      ["`--arrival <kind>`", "constant", "Arrivals"],
    ],
    ["default in the description", "seed", { type: "string", description: "Seed (default: random)" }, ["`--seed <value>`", "random", "Seed"]],
    ["a switch, off", "stream", { type: "boolean", description: "Stream", default: false }, ["`--stream`", "", "Stream"]],
    [
      "flags in the text, with a value",
      "out",
      { type: "string", description: "Folder, e.g. --out runs/1, not with --json x" },
      ["`--out <value>`", "", "Folder, e.g. `--out runs/1`, not with `--json` x"],
    ],
  ] as [string, string, FlagDef, string[]][])("%s", (_what, name, def, [flag, dflt, meaning]) => {
    expect(flagRow({ name, def })).toEqual({ flag: flag!, dflt: dflt!, meaning: meaning! });
  });

  test("a table escapes pipes and leaves an empty cell empty", () => {
    expect(markdownTable([{ flag: "`--jitter <dist>`", dflt: "", meaning: "normal|lognormal" }])).toBe(
      "| flag | default | meaning |\n|---|---|---|\n| `--jitter <dist>` | | normal\\|lognormal |\n",
    );
  });

  test("a stale table is shown as a line diff", () => {
    expect(lineDiff("a\nb\nc", "a\nB\nc")).toBe("  a\n- b\n+ B\n  c");
  });
});

describe("the README is a front page, the reference is in docs/", () => {
  const root = join(import.meta.dir, "..", "..");
  const pages = [
    "README.md",
    ...readdirSync(join(root, "docs"))
      .filter((f) => f.endsWith(".md"))
      .map((f) => `docs/${f}`),
  ];
  /** A heading's anchor as GitHub makes it: lower case, punctuation dropped, spaces to hyphens. */
  const anchor = (heading: string): string =>
    heading
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N} _-]/gu, "")
      .replace(/ /g, "-");
  const anchorsOf = (text: string): Set<string> => new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map((m) => anchor(m[1]!.replace(/`/g, ""))));

  test("the README stays under its budget of 350 lines", () => {
    expect(readFileSync(join(root, "README.md"), "utf8").split("\n").length).toBeLessThan(350);
  });

  test("every relative link of the README and docs/ resolves, to a file and to a heading in it", () => {
    const broken: string[] = [];
    for (const page of pages) {
      const text = readFileSync(join(root, page), "utf8").replace(/```[\s\S]*?```/g, "");
      for (const [, href] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/i.test(href!)) continue;
        const [file, hash] = href!.split("#") as [string, string | undefined];
        const target = file === "" ? join(root, page) : join(root, dirname(page), file);
        if (!existsSync(target)) broken.push(`${page}: ${href} (no such file)`);
        else if (hash && target.endsWith(".md") && !anchorsOf(readFileSync(target, "utf8")).has(hash)) broken.push(`${page}: ${href} (no such heading)`);
      }
    }
    expect(broken).toEqual([]);
  });
});
