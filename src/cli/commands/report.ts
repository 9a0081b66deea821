// `gatebench report FILE`: renders a saved result (gatebench run --json FILE)
// again, as the terminal report on stdout or, with --html OUT, as a
// self-contained HTML page with plots.
import { defineCommand } from "citty";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { writeAtomic } from "../../report/files.ts";
import { htmlReport } from "../../report/html.ts";
import { SCHEMA, type ResultDoc } from "../../metrics/document.ts";
import { textReport } from "../../report/text.ts";
import { EXIT, UsageError } from "../errors.ts";
import { log, setVerbose, useColor } from "../log.ts";

const HOW = "write one with: gatebench run --json result.json";

function reason(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e?.code === "ENOENT") return "no such file";
  if (e?.code === "EISDIR") return "it is a directory";
  if (e?.code === "EACCES" || e?.code === "EPERM") return "permission denied";
  return e?.message ?? String(err);
}

/** Writes an output file given with --FLAG (atomically), or a UsageError that says why it cannot and gives an example. */
export function writeOutput(flag: string, path: string, text: string, example: string): void {
  try {
    writeAtomic(path, text);
  } catch (err) {
    throw new UsageError(`--${flag} "${path}": cannot write it (${reason(err)}); give a path in a writable directory, e.g. --${flag} ${example}`);
  }
}

/** The result document in `given` (a file, or a run's --out folder: its result.json), or a UsageError that says plainly what is wrong with it. */
export function readResult(given: string): ResultDoc {
  let path = given;
  if (existsSync(given) && statSync(given).isDirectory()) {
    path = join(given, "result.json");
    if (!existsSync(path)) throw new UsageError(`"${given}" is a folder without a result.json: give a result file, or the --out folder of a run (${HOW})`);
  }
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new UsageError(`cannot read "${path}": ${reason(err)} (${HOW})`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`"${path}" is not valid JSON (${(err as Error).message}); expected a result written by gatebench run --json`);
  }
  const schema = doc !== null && typeof doc === "object" ? (doc as { schema?: unknown }).schema : undefined;
  if (schema !== SCHEMA) {
    const found = schema === undefined ? "no schema field" : `schema ${JSON.stringify(schema)}`;
    throw new UsageError(`"${path}" has ${found}, expected "${SCHEMA}": not a result this gatebench can read (${HOW})`);
  }
  for (const field of ["tool", "run", "summary"] as const) {
    const v = (doc as Record<string, unknown>)[field];
    if (v === null || typeof v !== "object") throw new UsageError(`"${path}" has no "${field}" object: not a complete ${SCHEMA} result (${HOW})`);
  }
  return doc as ResultDoc;
}

export const reportArgs = {
  file: {
    type: "positional",
    description: "A result written by gatebench run --json FILE (or --out DIR: DIR/result.json)",
    required: false,
    valueHint: "file",
  },
  html: {
    type: "string",
    description: "Write a self-contained HTML report (tables and plots, no network needed) to this file instead of printing, e.g. --html report.html",
    valueHint: "file",
  },
  verbose: { type: "boolean", description: "Show stack traces of failures", default: false },
} as const;

export const reportCommand = defineCommand({
  meta: {
    name: "report",
    description:
      "Render a saved result again: the terminal report, or with --html an offline HTML page with plots (e.g. gatebench report result.json --html report.html)",
  },
  args: reportArgs,

  run({ args }): number {
    setVerbose(Boolean(args.verbose));
    const file = args.file as string | undefined;
    if (!file) throw new UsageError(`gatebench report needs a result file, e.g. gatebench report result.json (${HOW})`);
    const doc = readResult(file);
    const out = args.html as string | undefined;
    if (out === undefined) {
      process.stdout.write(`${textReport(doc, { color: useColor(process.stdout) })}\n`);
      return EXIT.ok;
    }
    const page = htmlReport(doc);
    writeOutput("html", out, page, "report.html");
    log.info(`HTML report written to ${out} (${Math.round(Buffer.byteLength(page) / 1024)} KB)`);
    return EXIT.ok;
  },
});
