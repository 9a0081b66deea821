// The command line before citty sees it: Go-style single-dash long flags
// (`-duration 10s -rate 50 -stream`) become `--duration=10s …`, a string
// flag's value is bound to it with `=`, and anything unknown is refused with
// the closest known flag. citty alone would accept unknown flags silently.
import type { ArgDef, ArgsDef } from "citty";
import { closest } from "../closest.ts";
import { UsageError } from "./errors.ts";

export { closest };

interface FlagInfo {
  name: string;
  type: ArgDef["type"];
}

/** One-letter flags of hey, wrk, curl and ab that gatebench spells otherwise. */
const SHORT_HABITS: Record<string, string> = {
  t: "for hey's -t (per-request timeout) use --timeout 20s; for wrk's -t (threads) use --workers",
  X: "for curl's -X (method) use -m/--method",
  D: "for hey's -D (body from a file) use --body-file",
  p: "for ab's -p (body from a file) use --body-file",
  T: 'for the content type use -H "Content-Type: application/json"',
  A: 'for the accept header use -H "Accept: text/event-stream"',
  R: "for wrk2's -R (rate) use --rate",
};

const kebab = (name: string): string => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const camel = (name: string): string => name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

function tables(args: ArgsDef) {
  const long = new Map<string, FlagInfo>();
  const short = new Map<string, FlagInfo>();
  for (const [name, def] of Object.entries(args)) {
    if (def.type === "positional") continue;
    const info = { name, type: def.type };
    long.set(name, info);
    long.set(kebab(name), info);
    long.set(camel(name), info);
    const alias = (def as { alias?: string | string[] }).alias;
    const aliases = alias === undefined ? [] : Array.isArray(alias) ? alias : [alias];
    for (const a of aliases) (a.length === 1 ? short : long).set(a, info);
  }
  return { long, short };
}

function looksLikeFlag(tok: string, long: Map<string, FlagInfo>, short: Map<string, FlagInfo>): boolean {
  if (tok.startsWith("--")) return tok.length > 2;
  if (!tok.startsWith("-") || tok.length < 2 || /^-[\d.]/.test(tok)) return false;
  const name = tok.slice(1).split("=")[0]!;
  return long.has(name) || short.has(name) || /^-[a-zA-Z]/.test(tok);
}

/**
 * Rewrites argv into the form citty parses unambiguously, or throws a
 * UsageError naming the offending flag. `command` names the command in
 * messages ("gatebench run").
 */
export function normalizeArgv(argv: string[], args: ArgsDef, command: string): string[] {
  const { long, short } = tables(args);
  // a positional whose hint ends in "..." takes every argument left (gatebench merge FILE...)
  const defs = Object.values(args).filter((d) => d.type === "positional");
  const positionals = defs.some((d) => d.valueHint?.endsWith("...")) ? Number.POSITIVE_INFINITY : defs.length;
  const out: string[] = [];
  let seenPositionals = 0;

  const unknown = (flag: string): UsageError => {
    const name = flag.replace(/^-+/, "").split("=")[0]!;
    // one letter is too short to spell anything: no edit distance, only what other tools mean by it
    const habit = name.length === 1 ? SHORT_HABITS[name] : undefined;
    const guess = name.length === 1 ? undefined : closest(name, [...new Set([...long.values()].map((f) => f.name))]);
    const hint = habit ? `; ${habit}` : guess ? `; did you mean --${guess}?` : "";
    return new UsageError(`unknown flag "${flag}" for ${command}${hint} (see: ${command} --help)`);
  };

  for (let i = 0; i < argv.length; i++) {
    const tok = argv[i]!;
    if (tok === "--") {
      out.push(...argv.slice(i));
      break;
    }
    const isFlag = tok.startsWith("-") && tok.length > 1 && !/^-\d/.test(tok);
    if (!isFlag) {
      if (seenPositionals >= positionals) {
        throw new UsageError(`unexpected argument "${tok}" for ${command} (flags start with --, see: ${command} --help)`);
      }
      seenPositionals++;
      out.push(tok);
      continue;
    }
    const body = tok.replace(/^--?/, "");
    const eq = body.indexOf("=");
    const name = eq === -1 ? body : body.slice(0, eq);
    const inline = eq === -1 ? undefined : body.slice(eq + 1);
    const single = !tok.startsWith("--");
    let info = single && name.length === 1 ? short.get(name) : long.get(name);
    let negated = false;
    if (!info && !single && name.startsWith("no-")) {
      const positive = long.get(name.slice(3));
      if (positive?.type === "boolean") {
        info = positive;
        negated = true;
      }
    }
    if (!info && single && name.length > 1 && inline === undefined && [...name].every((c) => short.get(c)?.type === "boolean")) {
      for (const c of name) out.push(`--${short.get(c)!.name}`);
      continue;
    }
    if (!info) throw unknown(tok);
    if (info.type === "boolean") {
      if (inline !== undefined && !/^(true|false)$/.test(inline)) {
        throw new UsageError(`--${info.name} "${inline}": expected true or false, e.g. --${info.name} or --${info.name}=false`);
      }
      if (negated && inline !== undefined) throw new UsageError(`--no-${info.name} takes no value`);
      out.push(negated ? `--no-${info.name}` : inline === undefined ? `--${info.name}` : `--${info.name}=${inline}`);
      continue;
    }
    let value = inline;
    if (value === undefined) {
      const next = argv[i + 1];
      // A flag where the value should be means the value was left out
      // (write --json=--odd-name.json for a value that starts with a dash).
      if (next === undefined || looksLikeFlag(next, long, short)) {
        throw new UsageError(`--${info.name} needs a value (see: ${command} --help)`);
      }
      value = next;
      i++;
    }
    if (value === "") throw new UsageError(`--${info.name} "": expected a value (see: ${command} --help)`);
    out.push(`--${info.name}=${value}`);
  }
  return out;
}
