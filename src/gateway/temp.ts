// The temp folder of a --gateway run: the rendered config, the gateway's
// log, and what the gateway writes beside its config. Nothing of it
// outlives the run but the log, and the log only where the user will look:
// in --out, or beside the folder when the run failed or the gateway said
// something. The folder names its owner, so a later run removes the folders
// of runs that died without cleaning up (their supervisor killed too).
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { alive } from "../process/tree.ts";

export const LOG_FILE = "gateway.log";
const PREFIX = "gatebench-gateway-";
const OWNER_FILE = "owner.pid";
/** A folder of an earlier version (no owner file) is taken for dead after this long. */
const UNOWNED_AFTER_MS = 60 * 60_000;

/** A new temp folder, private to this user, owned by this process. */
export function newTempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), PREFIX));
  chmodSync(dir, 0o700);
  writeFileSync(join(dir, OWNER_FILE), `${process.pid}\n`);
  return dir;
}

/** Once the gateway has stopped: all but its log (and the owner, until the folder goes). */
export function clearTempDir(dir: string): void {
  for (const entry of readdirSync(dir)) if (entry !== LOG_FILE && entry !== OWNER_FILE) rmSync(join(dir, entry), { recursive: true, force: true });
}

/** The kept log's path, beside where its folder was. */
export const keptLogPath = (dir: string): string => `${dir}.log`;

/**
 * After the gateway stopped: with `keepLog` and a log, the log is moved
 * beside the folder and its new path returned; the folder is removed. With
 * --keep-temp the folder stays as it is, log included.
 */
export function settleTempDir(dir: string, keepLog: boolean, keepTemp: boolean): string | undefined {
  const log = join(dir, LOG_FILE);
  if (keepTemp) return existsSync(log) ? log : undefined;
  let kept: string | undefined;
  if (keepLog && existsSync(log)) {
    try {
      renameSync(log, keptLogPath(dir));
      kept = keptLogPath(dir);
    } catch {
      kept = undefined; // the folder goes all the same: a log that cannot be moved is not kept
    }
  }
  rmSync(dir, { recursive: true, force: true });
  return kept;
}

/** Whether the gateway wrote anything to its log. */
export function logHasContent(dir: string): boolean {
  try {
    return statSync(join(dir, LOG_FILE)).size > 0;
  } catch {
    return false;
  }
}

/** Removes the temp folders of earlier runs whose owner is gone; returns how many. */
export function removeDeadTempDirs(): number {
  let removed = 0;
  let entries: string[];
  try {
    entries = readdirSync(tmpdir());
  } catch {
    return 0;
  }
  for (const name of entries) {
    if (!name.startsWith(PREFIX) || name.endsWith(".log")) continue;
    const dir = join(tmpdir(), name);
    try {
      if (!statSync(dir).isDirectory() || !ownerGone(dir)) continue;
      rmSync(dir, { recursive: true, force: true });
      removed++;
    } catch {
      // another user's, or removed meanwhile by another run
    }
  }
  return removed;
}

function ownerGone(dir: string): boolean {
  let text: string;
  try {
    text = readFileSync(join(dir, OWNER_FILE), "utf8");
  } catch {
    // no owner: a folder of an earlier version, or one being made this instant
    return Date.now() - statSync(dir).mtimeMs > UNOWNED_AFTER_MS;
  }
  const pid = Number(text.trim());
  return !(Number.isInteger(pid) && pid > 0 && alive(pid));
}

/** The extension of the rendered config: the template's, less .tmpl (nginx.conf.tmpl → .conf). */
export const extensionOf = (path: string): string => {
  const base = basename(path);
  const noTmpl = base.replace(/\.(tmpl|template|tpl)$/, "");
  const dot = noTmpl.lastIndexOf(".");
  return dot > 0 ? noTmpl.slice(dot) : "";
};
