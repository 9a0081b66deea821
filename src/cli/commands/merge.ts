// `gatebench merge A.json B.json … --out total.json`: the results of several
// gatebench instances that shared one load (gatebench run --instance pod-0
// --json pod-0.json, …) as one result: histograms added, counts and rates
// summed, resources kept per instance (src/metrics/merge/). Prints the
// merged terminal report; --out writes the merged result, --html its page.
import { defineCommand } from "citty";
import { judgeMerged, MergeError, mergeResults, type MergedDoc } from "../../metrics/merge/merge.ts";
import { jsonText } from "../../report/files.ts";
import { htmlReport } from "../../report/html.ts";
import { textReport } from "../../report/text.ts";
import { EXIT, UsageError } from "../errors.ts";
import { log, setVerbose, useColor } from "../log.ts";
import { readResult, writeOutput } from "./report.ts";

export const mergeArgs = {
  files: {
    type: "positional",
    description: "Two or more results of gatebench run --json FILE --instance ID, one per instance of the same load",
    required: false,
    valueHint: "file...",
  },
  out: {
    type: "string",
    description:
      "Write the merged result (schema gatebench/v1, readable by gatebench report) to this file, e.g. --out total.json; without it, only the report is printed",
    valueHint: "file",
  },
  html: { type: "string", description: "Also write the merged HTML report to this file, e.g. --html total.html", valueHint: "file" },
  verbose: { type: "boolean", description: "Show stack traces of failures", default: false },
} as const;

export const mergeCommand = defineCommand({
  meta: {
    name: "merge",
    description:
      "Merge the results of gatebench instances that shared one load (each run with --instance ID --json FILE) into one result (e.g. gatebench merge pod-*.json --out total.json)",
  },
  args: mergeArgs,

  run({ args }): number {
    setVerbose(Boolean(args.verbose));
    // citty keeps the first positional in args.files and all of them in args._
    const files = (args._ as string[] | undefined) ?? [];
    if (files.length < 2) {
      throw new UsageError(`gatebench merge needs at least 2 result files (got ${files.length}), e.g. gatebench merge pod-0.json pod-1.json --out total.json`);
    }
    const parts = files.map((file) => ({ file, doc: readResult(file) }));
    let doc: MergedDoc;
    try {
      doc = mergeResults(parts);
    } catch (err) {
      if (err instanceof MergeError) throw new UsageError(err.message);
      throw err;
    }
    // the instances' gates (their configs agree on them), judged again on the merged figures
    const verdicts = judgeMerged(doc);
    const out = args.out as string | undefined;
    const html = args.html as string | undefined;
    if (out !== undefined) {
      writeOutput("out", out, jsonText(doc), "total.json");
      log.info(`merged result written to ${out}`);
    }
    if (html !== undefined) {
      writeOutput("html", html, htmlReport(doc), "total.html");
      log.info(`merged HTML report written to ${html}`);
    }
    process.stdout.write(`${textReport(doc, { color: useColor(process.stdout) })}\n`);
    const failed = verdicts.filter((g) => !g.pass);
    if (failed.length > 0) {
      log.error(`gate failed on the merged figures: ${failed.map((g) => g.expr).join(", ")}`);
      return EXIT.sloFailed;
    }
    return EXIT.ok;
  },
});
