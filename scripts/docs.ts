// `bun run docs`: rewrites the flag tables in docs/commands.md, each between
// <!-- flags:ID --> and <!-- /flags:ID -->, from the commands' citty
// definitions (the ones --help is rendered from). `bun run docs --check`
// writes nothing and exits 1 when a table is stale, saying which and how.
// tests/unit/readme.test.ts runs the same comparison.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ArgsDef } from "citty";
import { mockArgs, mockModelArgs } from "../src/cli/commands/mock.ts";
import { runArgs } from "../src/cli/run/flags.ts";
import { byGroup, type Flag, flagRow, flagsOf, lineDiff, markdownTable, readRegions, type Row, slug, writeRegions } from "../src/cli/reference.ts";

const ROOT = join(import.meta.dir, "..");
/** Where the flag tables live. */
export const FLAG_DOC = join(ROOT, "docs", "commands.md");
const COMMANDS = join(ROOT, "src", "cli", "commands");

/** Commands with one table per group of flags (--help shows the same groups as headings). */
const BY_GROUP = new Set(["run"]);

export type Command = { name: string; args: ArgsDef };

type Resolvable<T> = T | Promise<T> | (() => T | Promise<T>);
const resolved = async <T>(v: Resolvable<T> | undefined): Promise<T | undefined> => (typeof v === "function" ? await (v as () => T | Promise<T>)() : await v);

/** Every command a user can type: the commands exported by src/cli/commands/*.ts, hidden ones left out. */
export async function userCommands(): Promise<Command[]> {
  const out: Command[] = [];
  for (const file of readdirSync(COMMANDS)
    .filter((f) => f.endsWith(".ts"))
    .sort()) {
    const mod = (await import(join(COMMANDS, file))) as Record<string, unknown>;
    for (const value of Object.values(mod)) {
      if (typeof value !== "object" || value === null || !("meta" in value) || !("run" in value)) continue;
      const cmd = value as { meta: Resolvable<{ name?: string; hidden?: boolean }>; args?: Resolvable<ArgsDef> };
      const meta = await resolved(cmd.meta);
      if (meta?.name && !meta.hidden && !out.some((c) => c.name === meta.name)) out.push({ name: meta.name, args: (await resolved(cmd.args)) ?? {} });
    }
  }
  return out;
}

/** The row that stands for run's --mock-NAME flags in its table: they are the mock's flags, documented once, with the mock. */
const MOCK_FLAGS_ROW: Row = {
  flag: "`--mock-<name> <value>`",
  dflt: "the mock's",
  meaning: `Each flag of \`gatebench mock\` but ${Object.keys(mockArgs)
    .filter((n) => !(n in mockModelArgs))
    .map((n) => `\`--${n}\``)
    .join(" and ")}, for the mock this run starts, e.g. \`--mock-latency 50ms\`, \`--mock-faults 429=1%\``,
};

/**
 * Where a flag is documented when not in its own command's table: run's
 * --mock-NAME with the mock's --NAME (one row in run's table points there),
 * a sweep's or a frontier's flag taken unchanged from run where run's is.
 */
export function documentedWith(command: string, f: Flag): { command: string; name: string; standIn?: Row } | undefined {
  const mockName = f.name.replace(/^mock-/, "");
  if (command === "run" && f.name.startsWith("mock-") && mockName in mockModelArgs) return { command: "mock", name: mockName, standIn: MOCK_FLAGS_ROW };
  if ((command === "sweep" || command === "frontier") && (runArgs as ArgsDef)[f.name] === f.def) {
    const viaRun = documentedWith("run", f); // a --mock-NAME: the mock's, with no row in the sweep's table
    return viaRun ? { command: viaRun.command, name: viaRun.name } : { command: "run", name: f.name };
  }
  return undefined;
}

/** The generated regions of docs/commands.md, by id: one table per command ("mock"), or per group ("run:load-model"). */
export function flagTables(commands: Command[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const { name, args } of commands) {
    const flags = flagsOf(args);
    const parts = BY_GROUP.has(name)
      ? byGroup(flags).map(({ group, flags: some }) => {
          if (group === undefined) {
            const named = some.map((f) => `--${f.name}`).join(", ");
            throw new Error(
              `gatebench ${name}: ${named} has no group; give it a group: "…" like the flags around it, so docs/commands.md and --help can list it`,
            );
          }
          return { id: `${name}:${slug(group)}`, flags: some };
        })
      : [{ id: name, flags }];
    for (const { id, flags: some } of parts) {
      const rows: Row[] = [];
      for (const f of some) {
        const other = documentedWith(name, f);
        if (!other) rows.push(flagRow(f));
        else if (other.standIn && !rows.includes(other.standIn)) rows.push(other.standIn);
      }
      if (rows.length > 0) out.set(id, markdownTable(rows));
    }
  }
  return out;
}

/** How docs/commands.md differs from the tables it should have: stale regions with a diff, missing ones, ones no command has. */
export function differences(readme: string, want: Map<string, string>): { stale: string[]; missing: string[]; unknown: string[] } {
  const have = readRegions(readme);
  const stale: string[] = [];
  const missing: string[] = [];
  for (const [id, body] of want) {
    const now = have.get(id);
    if (now === undefined)
      missing.push(
        `flags:${id} is missing: put <!-- flags:${id} --> and <!-- /flags:${id} --> where its table belongs in docs/commands.md, then run bun run docs`,
      );
    else if (now !== body)
      stale.push(`flags:${id} differs from the definitions (- docs/commands.md, + generated); run bun run docs:\n${lineDiff(now.trimEnd(), body.trimEnd())}`);
  }
  const unknown = [...have.keys()]
    .filter((id) => !want.has(id))
    .map((id) => `flags:${id} is in docs/commands.md but no command has such flags: remove the region`);
  return { stale, missing, unknown };
}

if (import.meta.main) {
  const check = process.argv.includes("--check");
  let want: Map<string, string>;
  try {
    want = flagTables(await userCommands());
  } catch (err) {
    console.error(`docs: ${(err as Error).message}`);
    process.exit(1);
  }
  const readme = readFileSync(FLAG_DOC, "utf8");
  const { stale, missing, unknown } = differences(readme, want);
  if (check) {
    for (const m of [...stale, ...missing, ...unknown]) console.error(`docs/commands.md: ${m}\n`);
    if (stale.length + missing.length + unknown.length > 0) process.exit(1);
    console.error(`docs/commands.md: ${want.size} flag tables match the definitions`);
  } else {
    const updated = writeRegions(readme, want);
    if (updated !== readme) writeFileSync(FLAG_DOC, updated);
    console.error(`docs/commands.md: ${stale.length} of ${want.size} flag tables rewritten`);
    for (const m of [...missing, ...unknown]) console.error(`docs/commands.md: ${m}`);
    if (missing.length + unknown.length > 0) process.exit(1);
  }
}
