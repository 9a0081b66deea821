// --help text, rendered from the citty definitions so it cannot drift from
// what the parser accepts. Plain text: it reads the same in a pipe and a TTY.
import type { ArgsDef, CommandDef, CommandMeta } from "citty";

// biome-ignore lint: citty's CommandDef is generic over each command's args
type AnyCommand = CommandDef<any>;

async function resolved<T>(v: T | Promise<T> | (() => T | Promise<T>) | undefined): Promise<T | undefined> {
  return typeof v === "function" ? await (v as () => T | Promise<T>)() : await v;
}

function flagLines(args: ArgsDef): string[] {
  const rows: [string, string][] = [];
  for (const [name, def] of Object.entries(args)) {
    if (def.type === "positional") continue;
    const alias = (def as { alias?: string | string[] }).alias;
    const shorts = (alias === undefined ? [] : Array.isArray(alias) ? alias : [alias]).map((a) => (a.length === 1 ? `-${a}` : `--${a}`));
    const hint = def.type === "boolean" ? "" : ` <${def.valueHint ?? "value"}>`;
    const left = [...shorts, `--${name}`].join(", ") + hint;
    const dflt = def.default !== undefined && def.default !== false ? ` (default ${def.default})` : "";
    rows.push([left, `${def.description ?? ""}${dflt}`]);
  }
  const width = Math.max(...rows.map(([l]) => l.length));
  return rows.map(([l, r]) => `  ${l.padEnd(width)}   ${r}`);
}

export async function renderHelp(
  program: string,
  cmd: AnyCommand,
  commands: Record<string, AnyCommand> | undefined,
  footer: string,
): Promise<string> {
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
    // positionals by their hint, in order: gatebench report FILE [flags]
    const positional = Object.values(args)
      .filter((d) => d.type === "positional")
      .map((d) => {
        const hint = d.valueHint ?? "arg";
        const name = hint.replace(/\.\.\.$/, "").toUpperCase().replace(/[^A-Z0-9]+/g, "_");
        return hint.endsWith("...") ? `${name}...` : name;
      });
    out.push(`Usage: ${[program, ...positional].join(" ")} [flags]`, "", "Flags:", ...flagLines(args));
    out.push("", "Flags also work Go-style with one dash (-port 0 as well as --port 0); durations take a unit: 500ms, 10s, 1m.");
  }
  if (footer) out.push("", footer.trimEnd());
  return `${out.join("\n")}\n`;
}
