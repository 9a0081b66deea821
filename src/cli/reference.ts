// How a flag reads, from its citty definition: its spellings, its default and
// its meaning. `--help` (help.ts) and the flag tables of docs/commands.md (scripts/docs.ts)
// are both rendered from these functions, so the two cannot disagree.
import type { ArgDef, ArgsDef } from "citty";

/** A flag as the commands define it: citty's definition, plus the heading it is listed under (citty ignores the extra field). */
export type FlagDef = ArgDef & { group?: string };
export type Flag = { name: string; def: FlagDef };

/** A command's flags in definition order, positionals left out. */
export function flagsOf(args: ArgsDef): Flag[] {
  return Object.entries(args)
    .filter(([, def]) => def.type !== "positional")
    .map(([name, def]) => ({ name, def: def as FlagDef }));
}

/** ["-c", "--concurrency <n>"]: the aliases, then the name with its value hint (none for a switch). */
export function flagSpellings({ name, def }: Flag): string[] {
  const alias = (def as { alias?: string | string[] }).alias;
  const aliases = alias === undefined ? [] : Array.isArray(alias) ? alias : [alias];
  const hint = def.type === "boolean" ? "" : ` <${def.valueHint ?? "value"}>`;
  return [...aliases.map((a) => (a.length === 1 ? `-${a}` : `--${a}`)), `--${name}${hint}`];
}

// "(default 10s)" closing a description: the default of a flag that has no
// citty default because the command must see whether it was given at all
const DEFAULT_NOTE = /\s*\(default:? ([^()]+)\)$/;

/**
 * The flag's meaning (its description) and its default: citty's own, or the
 * description's closing "(default …)". A switch that is off by default has none.
 */
export function flagDoc({ def }: Flag): { meaning: string; dflt: string | undefined } {
  const description = def.description ?? "";
  const note = DEFAULT_NOTE.exec(description);
  const meaning = note ? description.slice(0, note.index) : description;
  const own = def.default === undefined || def.default === false ? undefined : String(def.default);
  return { meaning, dflt: own ?? note?.[1] };
}

/** Groups in the order they first appear, each with its flags in definition order; flags without a group under `undefined`. */
export function byGroup(flags: Flag[]): { group: string | undefined; flags: Flag[] }[] {
  const out: { group: string | undefined; flags: Flag[] }[] = [];
  for (const f of flags) {
    const found = out.find((g) => g.group === f.def.group);
    if (found) found.flags.push(f);
    else out.push({ group: f.def.group, flags: [f] });
  }
  return out;
}

/** "The gateway" → "the-gateway": a group's name in a docs marker. */
export const slug = (title: string): string =>
  title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");

// ---- Markdown ----

export type Row = { flag: string; dflt: string; meaning: string };

const cell = (text: string): string => text.replace(/\|/g, "\\|");
const code = (text: string): string => `\`${text}\``;

// a flag in running text, with the value after it when that looks like one
// (quoted, or with a digit or one of . / % = {, not ending a sentence):
// "--out total.json" and "--rate 10:500", but not "--duration split" or "--targets preset:"
const FLAG_IN_TEXT = /(?<![\w`-])--[a-z][a-z0-9-]*[a-z0-9](?: "[^"]*"| [^\s,;()]*[0-9./%={][^\s,;()]*(?<![.:]))?/g;

/** Flags in running text as code: "e.g. --out total.json" → "e.g. `--out total.json`". */
const codeFlags = (text: string): string => text.replace(FLAG_IN_TEXT, code);

/** One table row: `-c`, `--concurrency <n>` | its default | its meaning. */
export function flagRow(f: Flag): Row {
  const { meaning, dflt } = flagDoc(f);
  return { flag: flagSpellings(f).map(code).join(", "), dflt: codeFlags(dflt ?? ""), meaning: codeFlags(meaning) };
}

/** A Markdown table of flags: flag, default, meaning; one line per row, ending in a newline. */
export function markdownTable(rows: Row[]): string {
  const line = (cells: string[]): string => `|${cells.map((c) => (c ? ` ${cell(c)} ` : " ")).join("|")}|`;
  const lines = ["| flag | default | meaning |", "|---|---|---|", ...rows.map((r) => line([r.flag, r.dflt, r.meaning]))];
  return `${lines.join("\n")}\n`;
}

// ---- docs regions: <!-- flags:ID --> generated text <!-- /flags:ID --> ----

const REGION = /<!-- flags:([a-z0-9:-]+) -->\n([\s\S]*?)<!-- \/flags:\1 -->/g;

/** The generated regions of a document, by id ("run:load-model", "mock"), with their text. */
export function readRegions(text: string): Map<string, string> {
  return new Map([...text.matchAll(REGION)].map((m) => [m[1]!, m[2]!]));
}

/** The document with each region named in `bodies` replaced; the others are left as they are. */
export function writeRegions(text: string, bodies: Map<string, string>): string {
  return text.replace(REGION, (whole, id: string) => {
    const body = bodies.get(id);
    return body === undefined ? whole : `<!-- flags:${id} -->\n${body}<!-- /flags:${id} -->`;
  });
}

/** A line diff ("- " only in `have`, "+ " only in `want`), with two lines of context around each change, for saying how a region is stale. */
export function lineDiff(have: string, want: string): string {
  const a = have.split("\n");
  const b = want.split("\n");
  // longest common subsequence, from the end: lcs[i][j] for a[i..] and b[j..]
  const lcs = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  }
  const lines: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      lines.push(`  ${a[i++]}`);
      j++;
    } else if (i < a.length && (j === b.length || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) lines.push(`- ${a[i++]}`);
    else lines.push(`+ ${b[j++]}`);
  }
  const near = (k: number): boolean => lines.slice(Math.max(0, k - 2), k + 3).some((l) => !l.startsWith("  "));
  return lines
    .map((l, k) => (near(k) ? l : undefined))
    .filter((l, k, all) => l !== undefined || k === 0 || all[k - 1] !== undefined)
    .map((l) => l ?? "  …")
    .join("\n");
}
