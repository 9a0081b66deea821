// gatebench's version, the git commit it was built from, and the Bun it runs on.
import pkg from "../package.json" with { type: "json" };

// Replaced at build time (scripts/compile.ts defines both); from a checkout,
// the version is package.json's and the commit is read from git.
declare const GATEBENCH_COMMIT: string;
declare const GATEBENCH_VERSION: string;

export const VERSION: string = typeof GATEBENCH_VERSION === "string" ? GATEBENCH_VERSION : pkg.version;

/**
 * The short commit of the checkout holding `dir`, with "-dirty" when asked
 * and tracked files have changed; "unknown" outside a checkout or without git.
 */
export function checkoutCommit(dir: string, markDirty = false): string {
  try {
    const r = Bun.spawnSync(["git", "rev-parse", "--short", "HEAD"], { cwd: dir, stderr: "ignore" });
    if (!r.success) return "unknown";
    const dirty =
      markDirty && Bun.spawnSync(["git", "status", "--porcelain", "--untracked-files=no"], { cwd: dir, stderr: "ignore" }).stdout.toString().trim() !== "";
    return r.stdout.toString().trim() + (dirty ? "-dirty" : "");
  } catch {
    return "unknown"; // no git on this machine
  }
}

let cachedCommit: string | undefined;

/** The short commit: injected into the binary, or read from the checkout. */
export function commit(): string {
  cachedCommit ??= typeof GATEBENCH_COMMIT === "string" ? GATEBENCH_COMMIT : checkoutCommit(import.meta.dir);
  return cachedCommit;
}

export function versionLine(): string {
  return `gatebench ${VERSION} (commit ${commit()}, bun ${Bun.version}, ${process.platform}-${process.arch})`;
}

/** Whether a command line asks for the version: gatebench --version (or -version, -v, version), whatever follows. */
export const asksVersion = (argv: string[]): boolean => argv[0] === "--version" || argv[0] === "-version" || argv[0] === "-v" || argv[0] === "version";
