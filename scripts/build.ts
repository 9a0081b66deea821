// Compiles gatebench for this machine into one executable: dist/gatebench
// (or --outfile PATH). For every release target, see build-all.ts.
import { join } from "node:path";
import { compile, gitCommit, mb, ROOT } from "./compile.ts";

const args = process.argv.slice(2);
const outArg = args.indexOf("--outfile");
const outfile = outArg !== -1 && args[outArg + 1] ? args[outArg + 1]! : join(ROOT, "dist", process.platform === "win32" ? "gatebench.exe" : "gatebench");

const commit = gitCommit();
const started = performance.now();
try {
  const size = await compile({ outfile, commit });
  console.error(`built ${outfile} (${mb(size)}, commit ${commit}) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
} catch (e) {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
}
