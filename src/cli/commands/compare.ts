// `gatebench compare A.json B.json [C.json …]`: saved results set against
// the first one, metric by metric, each change judged against the noise of
// the two runs; with --fail-on-regression, exit 1 when a later file is
// worse beyond noise by more than the bound (a CI gate against a baseline).
// Frontiers (gatebench frontier --json) instead go side by side on a board.
import { defineCommand } from "citty";
import { existsSync, readFileSync } from "node:fs";
import { basename } from "node:path";
import { compareDoc, compareText } from "../../report/compare.ts";
import { FRONTIER_SCHEMA, type FrontierDoc } from "../../report/frontier.ts";
import { type BoardEntry, boardHtml, boardOf, boardText } from "../../report/frontier-compare.ts";
import { SCHEMA, type ResultDoc } from "../../metrics/document.ts";
import { EXIT, UsageError } from "../errors.ts";
import { setVerbose, useColor } from "../log.ts";
import { readResult, writeOutput } from "./report.ts";

/** Files compare takes at most: A and four more (a wider table no longer fits a terminal). */
const MAX_FILES = 5;
const EXAMPLE = "gatebench compare base.json new.json --fail-on-regression 10%";

export const compareArgs = {
  a: {
    type: "positional",
    description:
      "The baseline result (gatebench run --json FILE, or an --out folder: its result.json); or a frontier (gatebench frontier --json FILE), as FILE or NAME=FILE, to set gateways side by side",
    required: false,
    valueHint: "a",
  },
  b: { type: "positional", description: "A result to set against the baseline", required: false, valueHint: "b" },
  // "..." takes every argument left (normalizeArgv, src/cli/argv.ts)
  more: { type: "positional", description: "More results, each set against the baseline", required: false, valueHint: "c..." },
  "fail-on-regression": {
    type: "string",
    description:
      "Exit 1 when a later file is worse than A beyond noise by more than this percentage on a gated metric (latency and TTFT percentiles, ITL p50, throughput, success, gateway CPU and RSS averages), e.g. 10%; a bare number is refused",
    valueHint: "pct",
  },
  json: {
    type: "string",
    description:
      "Also write the comparison as JSON to this file (schema gatebench-compare/v1, or gatebench/frontier-board-v1 for frontiers; -: JSON on stdout, the table on stderr)",
    valueHint: "file",
  },
  html: {
    type: "string",
    description: "Frontiers: also write the board as an HTML page to this file, one curve of throughput against p99 per gateway",
    valueHint: "file",
  },
  verbose: {
    type: "boolean",
    description: "Add a column with each change's 95 % noise band (or why there is none), and show stack traces of failures",
    default: false,
  },
} as const;

/** "10%" → 10. A bare number is refused: 10 or 0.1 would be a guess. */
export function regressionBoundPct(value: string): number {
  const m = /^\s*(\d+(?:\.\d*)?|\.\d+)\s*%\s*$/.exec(value);
  const pct = m ? Number(m[1]) : Number.NaN;
  if (!Number.isFinite(pct)) throw new UsageError(`--fail-on-regression "${value}": expected a percentage with %, e.g. --fail-on-regression 10%`);
  return pct;
}

/** The schema field of a JSON file, if it has one (undefined when unreadable: readResult says why). */
function schemaOf(path: string): string | undefined {
  try {
    const schema = (JSON.parse(readFileSync(path, "utf8")) as { schema?: unknown })?.schema;
    return typeof schema === "string" ? schema : undefined;
  } catch {
    return undefined; // not readable or not JSON: readResult's own message covers it
  }
}

/** Reads every file; when one is of another schema than the others, says so with both schemas. */
function readAll(paths: string[]): { path: string; doc: ResultDoc }[] {
  const out: { path: string; doc: ResultDoc }[] = [];
  for (const path of paths) {
    try {
      out.push({ path, doc: readResult(path) });
    } catch (err) {
      const other = paths.find((p) => p !== path && schemaOf(p) === SCHEMA);
      const schema = schemaOf(path);
      if (err instanceof UsageError && other !== undefined && schema !== undefined && schema !== SCHEMA) {
        throw new UsageError(
          `gatebench compare: "${path}" is a ${schema} result and "${other}" a ${SCHEMA} one: results of different schemas cannot be compared (this gatebench reads ${SCHEMA}; write both with it: gatebench run --json FILE)`,
        );
      }
      throw err;
    }
  }
  return out;
}

/** Gateways a board takes at most: a curve each, in colours that stay apart. */
const MAX_GATEWAYS = 8;

/** "nginx=nginx.json" → its label and file; a path that exists, or has no "=", is a file alone. */
function labelled(arg: string): { name?: string; path: string } {
  const eq = arg.indexOf("=");
  if (eq <= 0 || existsSync(arg)) return { path: arg };
  return { name: arg.slice(0, eq), path: arg.slice(eq + 1) };
}

/** A frontier file, or a UsageError saying what is wrong with it. */
function readFrontier(path: string): FrontierDoc {
  let doc: { schema?: unknown; readings?: unknown; rungs?: unknown };
  try {
    doc = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new UsageError(
      `cannot read "${path}" as a frontier: ${e.code === "ENOENT" ? "no such file" : e.message} (write one with: gatebench frontier --json FILE)`,
    );
  }
  if (doc?.schema !== FRONTIER_SCHEMA || !Array.isArray(doc.readings) || !Array.isArray(doc.rungs)) {
    const found = typeof doc?.schema === "string" ? `a ${doc.schema} result` : "not a gatebench result";
    throw new UsageError(`"${path}" is ${found}, and the other files are frontiers (${FRONTIER_SCHEMA}): a board sets frontiers side by side only`);
  }
  return doc as unknown as FrontierDoc;
}

/** Frontiers side by side: the board on stdout, and as --json and --html. */
function compareFrontiers(args: string[], o: { json?: string; html?: string; failOn?: string }): number {
  if (o.failOn !== undefined)
    throw new UsageError("--fail-on-regression gates run results against a baseline; frontiers are set side by side without a verdict: drop it");
  if (args.length > MAX_GATEWAYS) throw new UsageError(`a board takes at most ${MAX_GATEWAYS} frontiers (got ${args.length})`);
  const entries: BoardEntry[] = args.map((arg) => {
    const { name, path } = labelled(arg);
    const doc = readFrontier(path);
    return { name: name ?? doc.gateway?.name ?? basename(path, ".json"), path, doc };
  });
  const seen = new Set<string>();
  for (const e of entries) {
    // two frontiers of one gateway (before and after a change) need names of their own
    if (seen.has(e.name)) e.name = `${e.name} (${basename(e.path, ".json")})`;
    seen.add(e.name);
  }
  const board = boardOf(entries);
  const json = `${JSON.stringify(board, null, 2)}\n`;
  if (o.json !== undefined && o.json !== "-") writeOutput("json", o.json, json, "board.json");
  if (o.html !== undefined) writeOutput("html", o.html, boardHtml(board, entries), "board.html");
  if (o.json === "-") {
    process.stderr.write(`${boardText(board)}\n`);
    process.stdout.write(json);
  } else process.stdout.write(`${boardText(board)}\n`);
  return EXIT.ok;
}

/** Whether the files given are frontiers (the first one that can be read says). */
function areFrontiers(args: string[]): boolean {
  return args.some((arg) => {
    const { name, path } = labelled(arg);
    return name !== undefined || schemaOf(path) === FRONTIER_SCHEMA;
  });
}

export const compareCommand = defineCommand({
  meta: {
    name: "compare",
    description: `Compare saved results: B (and C… when given) against the baseline A, each change judged against the noise of the two measurements (e.g. ${EXAMPLE})`,
  },
  args: compareArgs,

  run({ args }): number {
    setVerbose(Boolean(args.verbose));
    const paths = (args._ as string[]).filter((p) => p !== "");
    if (paths.length < 2) {
      throw new UsageError(
        `gatebench compare needs at least two result files, the baseline first, e.g. ${EXAMPLE}${paths.length === 1 ? ` (got only "${paths[0]}")` : ""}`,
      );
    }
    const flag = args["fail-on-regression"] as string | undefined;
    if (areFrontiers(paths)) return compareFrontiers(paths, { json: args.json as string | undefined, html: args.html as string | undefined, failOn: flag });
    if (args.html !== undefined) throw new UsageError("--html draws frontiers side by side; for a run's page use gatebench report FILE --html OUT");
    if (paths.length > MAX_FILES)
      throw new UsageError(`gatebench compare takes at most ${MAX_FILES} files (got ${paths.length}); compare the others in a second call`);
    const boundPct = flag === undefined ? undefined : regressionBoundPct(flag);
    const cmp = compareDoc(readAll(paths), boundPct);

    const json = args.json as string | undefined;
    const toStdout = json === "-";
    if (json !== undefined && !toStdout) {
      // the file first: a path that cannot be written is a usage error before anything is printed
      writeOutput("json", json, `${JSON.stringify(cmp, null, 2)}\n`, "compare.json");
    }
    const text = compareText(cmp, { color: useColor(toStdout ? process.stderr : process.stdout), verbose: Boolean(args.verbose) });
    if (toStdout) {
      process.stderr.write(`${text}\n`);
      process.stdout.write(`${JSON.stringify(cmp, null, 2)}\n`);
    } else {
      process.stdout.write(`${text}\n`);
    }
    if (cmp.regressions.length > 0) return EXIT.sloFailed;
    return EXIT.ok;
  },
});
