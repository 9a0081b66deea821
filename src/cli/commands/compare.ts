// `gatebench compare A.json B.json [C.json …]`: saved results set against
// the first one, metric by metric, each change judged against the noise of
// the two runs; with --fail-on-regression, exit 1 when a later file is
// worse beyond noise by more than the bound (a CI gate against a baseline).
import { defineCommand } from "citty";
import { readFileSync } from "node:fs";
import { compareDoc, compareText } from "../../report/compare.ts";
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
    description: "The baseline result (gatebench run --json FILE, or an --out folder: its result.json)",
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
    description: "Also write the comparison as JSON to this file (schema gatebench-compare/v1; -: JSON on stdout, the table on stderr)",
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
    if (paths.length > MAX_FILES)
      throw new UsageError(`gatebench compare takes at most ${MAX_FILES} files (got ${paths.length}); compare the others in a second call`);
    const flag = args["fail-on-regression"] as string | undefined;
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
