// Compiling gatebench into one executable, shared by `bun run build` (this
// machine's binary) and `bun run build:all` (every release target).
// The version and git commit are injected at build time; the binary reads
// no bunfig.toml or .env from wherever it happens to run.
import { join } from "node:path";
import pkg from "../package.json" with { type: "json" };
import { checkoutCommit } from "../src/version.ts";

export const ROOT = join(import.meta.dir, "..");

/** The commit being built, "-dirty" when tracked files have changed. */
export const gitCommit = (): string => checkoutCommit(ROOT, true);

export interface Build {
  outfile: string;
  /** A Bun compile target such as "bun-linux-arm64"; this machine's when undefined. */
  target?: string;
  version?: string;
  commit?: string;
}

/** Compiles src/main.ts into `outfile`; resolves with the binary's size in bytes, or throws with Bun's messages. */
export async function compile(b: Build): Promise<number> {
  const version = b.version ?? pkg.version;
  const commit = b.commit ?? gitCommit();
  const result = await Bun.build({
    // the wake and load worker threads are entry points of their own: Workers in a compiled binary load bundled entries by path
    entrypoints: [join(ROOT, "src", "main.ts"), join(ROOT, "src", "load", "wake-thread.ts"), join(ROOT, "src", "load", "thread.ts")],
    compile: { outfile: b.outfile, autoloadDotenv: false, autoloadBunfig: false, ...(b.target ? { target: b.target as Bun.Build.CompileTarget } : {}) },
    minify: true,
    sourcemap: "none",
    define: { GATEBENCH_COMMIT: JSON.stringify(commit), GATEBENCH_VERSION: JSON.stringify(version) },
  });
  if (!result.success) throw new Error(result.logs.map(String).join("\n") || "bun build failed");
  return Bun.file(b.outfile).size;
}

export const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
