// gatebench's version, the git commit it was built from, and the Bun it runs on.
import pkg from "../package.json" with { type: "json" };

// Replaced at build time (scripts/compile.ts defines both); from a checkout,
// the version is package.json's and the commit is read from git.
declare const GATEBENCH_COMMIT: string;
declare const GATEBENCH_VERSION: string;

export const VERSION: string = typeof GATEBENCH_VERSION === "string" ? GATEBENCH_VERSION : pkg.version;

let cachedCommit: string | undefined;

/** The short commit: injected into the binary, or read from the checkout. */
export function commit(): string {
  if (cachedCommit !== undefined) return cachedCommit;
  if (typeof GATEBENCH_COMMIT === "string") return (cachedCommit = GATEBENCH_COMMIT);
  try {
    const r = Bun.spawnSync(["git", "rev-parse", "--short", "HEAD"], { cwd: import.meta.dir, stderr: "ignore" });
    cachedCommit = r.success ? r.stdout.toString().trim() : "unknown";
  } catch {
    cachedCommit = "unknown"; // no git on this machine
  }
  return cachedCommit;
}

export function versionLine(): string {
  return `gatebench ${VERSION} (commit ${commit()}, bun ${Bun.version}, ${process.platform}-${process.arch})`;
}

/** Whether a command line asks for the version: gatebench --version (or -version, -v, version), whatever follows. */
export const asksVersion = (argv: string[]): boolean => argv[0] === "--version" || argv[0] === "-version" || argv[0] === "-v" || argv[0] === "version";
