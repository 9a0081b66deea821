// --help text, rendered from the citty definitions so it cannot drift from
// what the parser accepts; a flag's label, default and meaning come from
// reference.ts, like the flag tables of docs/commands.md. Plain text: it reads the same
// in a pipe and a TTY.
import type { ArgsDef, CommandDef, CommandMeta } from "citty";
import { byGroup, type Flag, flagDoc, flagSpellings, flagsOf } from "./reference.ts";

// biome-ignore lint: citty's CommandDef is generic over each command's args
type AnyCommand = CommandDef<any>;

async function resolved<T>(v: T | Promise<T> | (() => T | Promise<T>) | undefined): Promise<T | undefined> {
  return typeof v === "function" ? await (v as () => T | Promise<T>)() : await v;
}

const WIDTH = 100; // help lines wrap here, so long meanings stay readable in a terminal

/**
 * `words` in lines of at most `width` characters (a longer word gets a line of
 * its own). A quoted example ("latency.p99 < 250ms") counts as one word.
 */
function wrap(words: string[], width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of words) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return [...lines, line];
}

const words = (text: string): string[] => text.match(/"[^"]*"\S*|\S+/g) ?? [];

/** The flags under their group headings ("Flags:" when a command has none); labels, defaults and meanings from reference.ts. */
function flagLines(args: ArgsDef): string[] {
  const flags = flagsOf(args);
  const label = (f: Flag): string => flagSpellings(f).join(", ");
  const width = Math.max(0, ...flags.map((f) => label(f).length));
  const indent = " ".repeat(2 + width + 3);
  const out: string[] = [];
  for (const { group, flags: some } of byGroup(flags)) {
    if (out.length > 0) out.push("");
    out.push(`${group ?? "Flags"}:`);
    for (const f of some) {
      const { meaning, dflt } = flagDoc(f);
      const [first, ...rest] = wrap([...words(meaning), ...(dflt === undefined ? [] : [`(default ${dflt})`])], Math.max(40, WIDTH - indent.length));
      out.push(`  ${label(f).padEnd(width)}   ${first}`, ...rest.map((l) => indent + l));
    }
  }
  return out;
}

/** Positionals by their hint, in order: FILE, FILE... for one that takes the rest, [URL] for one marked optional (the others check their count themselves). */
function positionalLabels(args: ArgsDef): string[] {
  return Object.values(args)
    .filter((d) => d.type === "positional")
    .map((d) => {
      const hint = d.valueHint ?? "arg";
      const name = hint
        .replace(/\.\.\.$/, "")
        .toUpperCase()
        .replace(/[^A-Z0-9]+/g, "_");
      const label = hint.endsWith("...") ? `${name}...` : name;
      return (d as { optional?: boolean }).optional ? `[${label}]` : label;
    });
}

export async function renderHelp(program: string, cmd: AnyCommand, commands: Record<string, AnyCommand> | undefined, footer: string): Promise<string> {
  const meta = (await resolved<CommandMeta>(cmd.meta)) ?? {};
  const args = (await resolved<ArgsDef>(cmd.args)) ?? {};
  const out = [`${program} — ${meta.description ?? ""}`, ""];
  if (commands) {
    out.push(`Usage: ${program} [command] [flags]`, "", "Commands:");
    const rows: [string, string][] = [];
    for (const [name, sub] of Object.entries(commands)) {
      const m = (await resolved<CommandMeta>(sub.meta)) ?? {};
      if (!m.hidden) rows.push([name, m.description ?? ""]);
    }
    const width = Math.max(...rows.map(([l]) => l.length));
    out.push(...rows.map(([l, r]) => `  ${l.padEnd(width)}   ${r}`), "", `Run "${program} <command> --help" for its flags.`);
  } else {
    out.push(`Usage: ${[program, ...positionalLabels(args)].join(" ")} [flags]`, "", ...flagLines(args));
    // the Go-style spelling and the duration units, where the command has flags like those
    const hints = flagsOf(args).map((f) => f.def.valueHint);
    if (hints.includes("duration") || hints.includes("port"))
      out.push("", "Flags also work Go-style with one dash (-port 0 as well as --port 0); durations take a unit: 500ms, 10s, 1m.");
  }
  if (footer) out.push("", footer.trimEnd());
  return `${out.join("\n")}\n`;
}
