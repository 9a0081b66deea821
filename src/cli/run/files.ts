// The run's output files: checked before the run (a long run is never lost
// to a typo in a path), written after it, each atomically.
import { accessSync, constants, existsSync, rmSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { ResultDoc } from "../../metrics/document.ts";
import { jsonText, writeAtomic, writeRunFolder } from "../../report/files.ts";
import { htmlReport } from "../../report/html.ts";
import type { RunConfig } from "../../run/config.ts";
import { UsageError } from "../errors.ts";
import { log } from "../log.ts";

/** An output file is checked before the run, so a long run is never lost to a typo in its path. */
export function checkWritableFile(flag: string, given: string, path: string): void {
  const parent = dirname(path);
  let ok = false;
  try {
    ok = statSync(parent).isDirectory();
    if (ok) accessSync(parent, constants.W_OK);
  } catch {
    ok = false;
  }
  if (!ok) throw new UsageError(`--${flag} "${given}": directory ${parent} does not exist or is not writable, e.g. --${flag} ${basename(path)}`);
  if (existsSync(path) && statSync(path).isDirectory())
    throw new UsageError(`--${flag} "${given}": is a directory; give a file name, e.g. --${flag} ${join(given, "result.json")}`);
}

/** --out: a folder that exists or can be made (its parent exists and is writable); not a file. */
export function checkOutDir(given: string, dir: string): void {
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory()) throw new UsageError(`--out "${given}": is a file; give a folder, e.g. --out results/run1`);
    try {
      accessSync(dir, constants.W_OK);
    } catch {
      throw new UsageError(`--out "${given}": folder is not writable`);
    }
    return;
  }
  let parent = dirname(dir);
  while (!existsSync(parent) && dirname(parent) !== parent) parent = dirname(parent);
  try {
    accessSync(parent, constants.W_OK);
  } catch {
    throw new UsageError(`--out "${given}": cannot create it (${parent} is not writable), e.g. --out ./results/run1`);
  }
  if (!statSync(parent).isDirectory()) throw new UsageError(`--out "${given}": ${parent} is a file`);
}

/**
 * The result files asked for, each written atomically; also after a run
 * that ended early (the JSON then says run.completed: false). A file that
 * cannot be written is reported and the others are still tried.
 */
export function writeResults(cfg: RunConfig, doc: ResultDoc, gatewayLog: string | undefined): boolean {
  const partial = doc.run.completed ? "" : " (partial: the run ended early)";
  let ok = true;
  const attempt = (what: string, write: () => unknown): void => {
    try {
      write();
      log.info(`${what} written${partial}`);
    } catch (err) {
      log.error(`could not write the ${what}: ${(err as Error).message}`);
      ok = false;
    }
  };
  if (cfg.jsonPath && cfg.jsonPath !== "-") attempt(`result ${cfg.jsonPath}`, () => writeAtomic(cfg.jsonPath!, jsonText(doc)));
  if (cfg.htmlPath) attempt(`HTML report ${cfg.htmlPath}`, () => writeAtomic(cfg.htmlPath!, htmlReport(doc)));
  if (cfg.outDir) attempt(`run folder ${cfg.outDir}`, () => writeRunFolder(cfg.outDir!, doc, gatewayLog));
  return ok;
}

/**
 * The gateway's log, kept outside the temp folder, once the run folder has
 * (or has not) been written: copied into --out, it goes; otherwise it stays
 * where it is, and the user is told where.
 */
export function settleGatewayLog(source: string | undefined, copied: boolean, keepTemp: boolean): void {
  if (!source || keepTemp) return;
  if (copied) rmSync(source, { force: true });
  else log.warn(`the gateway's log is kept at ${source}`);
}
