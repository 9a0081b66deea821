// The run's output files: checked before the run (a long run is never lost
// to a typo in a path), written after it, each atomically.
import { accessSync, constants, existsSync, rmSync, statfsSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { ResultDoc } from "../../metrics/document.ts";
import { jsonText, writeAtomic, writeRunFolder } from "../../report/files.ts";
import { htmlReport } from "../../report/html.ts";
import type { RunConfig } from "../../run/config.ts";
import { UsageError } from "../errors.ts";
import { log } from "../log.ts";

/** Below this much free space where the results go, a warning: the run folder of a long run takes a few hundred KB. */
const LOW_SPACE_BYTES = 1024 * 1024;

/**
 * Writes and removes a small file in `dir` (as root, access() says yes to
 * any folder; only a write tells a read-only or full filesystem): the
 * error's code when it fails, else undefined. Warns when little space is left.
 */
function writeProbe(flag: string, given: string, dir: string): string | undefined {
  const probe = join(dir, `.gatebench-probe-${process.pid}`);
  try {
    writeFileSync(probe, "gatebench\n");
  } catch (err) {
    return (err as NodeJS.ErrnoException).code ?? (err as Error).message;
  } finally {
    rmSync(probe, { force: true });
  }
  try {
    const fs = statfsSync(dir);
    const free = fs.bavail * fs.bsize;
    if (free < LOW_SPACE_BYTES) log.warn(`--${flag} "${given}": only ${Math.floor(free / 1024)} KB free on its filesystem; the results may not fit`);
  } catch {
    // no statfs here: the write after the run will tell
  }
  return undefined;
}

const NO_WRITE: Record<string, string> = {
  ENOSPC: "its filesystem is full",
  EROFS: "its filesystem is read-only",
  EACCES: "not permitted",
  EPERM: "not permitted",
};
const whyNot = (code: string): string => `${NO_WRITE[code] ?? "cannot write there"} (${code})`;

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
  const failed = writeProbe(flag, given, parent);
  if (failed) throw new UsageError(`--${flag} "${given}": cannot write in ${parent}: ${whyNot(failed)}`);
}

/** --out: a folder that exists or can be made (its parent exists and is writable); not a file. */
export function checkOutDir(given: string, dir: string): void {
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory()) throw new UsageError(`--out "${given}": is a file; give a folder, e.g. --out results/run1`);
    const failed = writeProbe("out", given, dir);
    if (failed) throw new UsageError(`--out "${given}": cannot write in it: ${whyNot(failed)}`);
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
  const failed = writeProbe("out", given, parent);
  if (failed) throw new UsageError(`--out "${given}": cannot create it in ${parent}: ${whyNot(failed)}`);
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
