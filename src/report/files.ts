// Writing results: every file atomically (a temp file beside it, then a
// rename), so a reader, or a run stopped half-way, never sees half a file.
// The run folder of --out holds everything one run produced.
import { copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { hgrmName, hgrmOf } from "./hgrm.ts";
import { htmlReport } from "./html.ts";
import type { ResultDoc } from "../metrics/document.ts";

/** Makes `path` with `make(tmp)` writing a temp file beside it, then a rename; on failure the temp file is removed and the error goes on. */
function atomically(path: string, make: (tmp: string) => void): void {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    make(tmp);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/** Writes `text` to `path` through a temp file and a rename (the folder must exist). */
export function writeAtomic(path: string, text: string): void {
  atomically(path, (tmp) => writeFileSync(tmp, text));
}

export const jsonText = (doc: ResultDoc): string => `${JSON.stringify(doc, null, 2)}\n`;

/** The files of a run folder, in the order they are written. */
export const RUN_FOLDER = { json: "result.json", html: "report.html", gatewayLog: "gateway.log" } as const;

/**
 * Writes the run folder: result.json, one .hgrm per histogram, report.html,
 * and the gateway's log when there is one. Returns the paths written.
 */
export function writeRunFolder(dir: string, doc: ResultDoc, gatewayLog: string | undefined): string[] {
  mkdirSync(dir, { recursive: true });
  // a folder used before: its percentile files would otherwise sit beside this run's (e.g. direct.* from a run with a baseline)
  for (const f of readdirSync(dir)) if (f.endsWith(".hgrm")) rmSync(join(dir, f), { force: true });
  const written: string[] = [];
  const put = (name: string, text: string): void => {
    const path = join(dir, name);
    writeAtomic(path, text);
    written.push(path);
  };
  // the result first: whatever fails after it, the figures are on disk
  put(RUN_FOLDER.json, jsonText(doc));
  for (const [metric, encoded] of Object.entries(doc.histograms)) put(hgrmName(metric), hgrmOf(encoded));
  put(RUN_FOLDER.html, htmlReport(doc));
  const log = join(dir, RUN_FOLDER.gatewayLog);
  if (gatewayLog && existsSync(gatewayLog)) {
    atomically(log, (tmp) => copyFileSync(gatewayLog, tmp));
    written.push(log);
  } else {
    rmSync(log, { force: true });
  }
  return written;
}
