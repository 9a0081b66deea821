// The parts of a merge: what may be merged, and the checks that refuse the rest.
import type { ResultDoc } from "../document.ts";

/** A part that cannot be merged with the others; the CLI makes it exit 2. */
export class MergeError extends Error {
  override name = "MergeError";
}

export interface MergeInput {
  /** Where the part came from (named in errors and in run.parts). */
  file: string;
  doc: ResultDoc;
}

/** Config keys the parts may differ in: each one's share of the load (added up; a closed loop's connections and requests too)… */
export const RATE_KEYS = ["rateRps", "rateToRps", "steps", "concurrency", "requests"] as const;
/** …who they are, and what is local to each one's machine: its seed, ports, the gateway's pid (--pid, --pid-of-port) and its output files. */
const OWN_KEYS = new Set(["instance", "seed", "mock.seed", "mock.procs", "port", "mockPort", "attachPid", "attachPort", "jsonPath", "htmlPath", "outDir"]);

type Obj = Record<string, unknown>;

export const isObj = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);
export const round = (x: number, digits: number): number => Math.round(x * 10 ** digits) / 10 ** digits;
export const sum = <T>(xs: T[], f: (x: T) => number | undefined): number => xs.reduce((a, x) => a + (f(x) ?? 0), 0);
export const show = (v: unknown): string => (v === undefined ? "not set" : JSON.stringify(v));
export const allSame = (xs: unknown[]): boolean => xs.every((x) => JSON.stringify(x) === JSON.stringify(xs[0]));

/** The config keys (dotted paths) whose values differ, outside the keys parts may differ in, in the config's order. */
function differences(a: unknown, b: unknown, path = "", out: { key: string; a: unknown; b: unknown }[] = []): { key: string; a: unknown; b: unknown }[] {
  if (isObj(a) && isObj(b)) {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const key = path ? `${path}.${k}` : k;
      if (!OWN_KEYS.has(key) && !(RATE_KEYS as readonly string[]).includes(key)) differences(a[k], b[k], key, out);
    }
  } else if (JSON.stringify(a) !== JSON.stringify(b)) out.push({ key: path, a, b });
  return out;
}

/** When a run's load started (older files: when the run started). */
const runStart = (doc: ResultDoc): string => String(doc.run?.load_started_at ?? doc.run?.started_at);

/** Refuses parts that are not instances of one load; returns each part's instance id. */
export function checkParts(parts: MergeInput[]): string[] {
  if (parts.length < 2) throw new MergeError(`cannot merge ${parts.length} result${parts.length === 1 ? "" : "s"}: give at least 2 (one per instance)`);
  const [p0] = parts as [MergeInput];
  const name = (p: MergeInput, i: number): string => `"${p.file}" (instance ${ids[i]})`;
  const ids = parts.map((p, i) => (typeof p.doc.config?.instance === "string" ? p.doc.config.instance : `#${i + 1}`));
  // one run, whatever its files are called: its instance and the moment its load started
  const runKeys = parts.map((p) => `${p.doc.config?.instance ?? ""}\u0000${runStart(p.doc)}`);
  parts.forEach((p, i) => {
    if (!isObj(p.doc.config) || !isObj(p.doc.summary?.requests))
      throw new MergeError(`cannot merge: "${p.file}" has no config or no summary.requests: not a complete result`);
    if (p.doc.schema !== p0.doc.schema)
      throw new MergeError(`cannot merge: "${p.file}" has schema ${show(p.doc.schema)}, "${p0.file}" has ${show(p0.doc.schema)}`);
    const k = runKeys.indexOf(runKeys[i]!);
    if (k < i)
      throw new MergeError(
        `cannot merge: "${parts[k]!.file}" and "${p.file}" are the same run (${typeof p.doc.config.instance === "string" ? `instance "${p.doc.config.instance}", ` : ""}its load started at ${runStart(p.doc)}): give each instance's result once`,
      );
    const j = ids.indexOf(ids[i]!);
    if (j < i)
      throw new MergeError(`cannot merge: "${parts[j]!.file}" and "${p.file}" are both instance "${ids[i]}"; give each gatebench run its own --instance`);
    // every key that differs: one given flag can change others (--stream sets the baseline slice)
    const diff = differences(p0.doc.config, p.doc.config);
    if (diff.length > 0) {
      const keys = diff.map((d) => `${d.key} (${show(d.a)} vs ${show(d.b)})`);
      throw new MergeError(
        `cannot merge ${name(p0, 0)} and ${name(p, i)}: their configs differ in ${keys.join(", ")}; instances of one load may differ only in the rate, --instance, the seed, the ports and the output files`,
      );
    }
    // the rate may differ, its shape may not: a ramp adds up only with ramps, steps with as many steps
    for (const k of RATE_KEYS) {
      const a = p0.doc.config[k];
      const b = p.doc.config[k];
      const shapeDiffers = (a === undefined) !== (b === undefined) || (Array.isArray(a) && Array.isArray(b) && a.length !== b.length);
      if (shapeDiffers)
        throw new MergeError(
          `cannot merge ${name(p0, 0)} and ${name(p, i)}: their configs differ in ${k} (${show(a)} vs ${show(b)}); rates add up only for loads of one shape`,
        );
    }
    for (const key of ["started_at", "load_started_at"] as const) {
      const v = p.doc.run[key];
      if ((key === "started_at" || v !== undefined) && Number.isNaN(Date.parse(v!)))
        throw new MergeError(`cannot merge: "${p.file}" has run.${key} ${show(v)}, not a time`);
    }
  });
  return ids;
}
