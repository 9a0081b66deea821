// Compiles gatebench into one executable: dist/gatebench (or --outfile PATH).
// The git commit is injected at build time; the binary does not read a
// bunfig.toml or .env from wherever it happens to run.
import { join } from "node:path";

const root = join(import.meta.dir, "..");
const args = process.argv.slice(2);
const outArg = args.indexOf("--outfile");
const outfile = outArg !== -1 && args[outArg + 1] ? args[outArg + 1]! : join(root, "dist", "gatebench");

function gitCommit(): string {
  const r = Bun.spawnSync(["git", "rev-parse", "--short", "HEAD"], { cwd: root, stderr: "ignore" });
  if (!r.success) return "unknown";
  const dirty = Bun.spawnSync(["git", "status", "--porcelain", "--untracked-files=no"], { cwd: root, stderr: "ignore" });
  return r.stdout.toString().trim() + (dirty.success && dirty.stdout.toString().trim() ? "-dirty" : "");
}

const commit = gitCommit();
const started = performance.now();
const result = await Bun.build({
  // the ticker thread is an entry point of its own: Workers in a compiled binary load bundled entries by path
  entrypoints: [join(root, "src", "main.ts"), join(root, "src", "load", "ticker.ts")],
  compile: { outfile, autoloadDotenv: false, autoloadBunfig: false },
  minify: true,
  sourcemap: "none",
  define: { GATEBENCH_COMMIT: JSON.stringify(commit) },
});
if (!result.success) {
  for (const log of result.logs) console.error(log);
  process.exit(1);
}
const size = Bun.file(outfile).size;
console.error(`built ${outfile} (${(size / 1024 / 1024).toFixed(1)} MB, commit ${commit}) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
