// Compiles gatebench for every release target into dist/release/, with a
// SHA256SUMS file that `sha256sum -c` (or `shasum -a 256 -c`) checks.
// Bun fetches each target's runtime from the npm registry the first time.
//
//   bun run build:all [--version X.Y.Z] [--only linux-x64,windows-x64] [--out DIR]
//
// Exits 1 if any target fails to build (the others are still built and listed).
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import pkg from "../package.json" with { type: "json" };
import { compile, gitCommit, mb, ROOT } from "./compile.ts";

/** What is released: the file name's platform part, and Bun's compile target for it. */
export const TARGETS = [
  { name: "linux-x64", target: "bun-linux-x64", note: "glibc, CPUs with AVX2 (2013 on)" },
  { name: "linux-x64-baseline", target: "bun-linux-x64-baseline", note: "glibc, any x86-64 CPU" },
  { name: "linux-x64-musl", target: "bun-linux-x64-musl", note: "Alpine and other musl systems" },
  { name: "linux-arm64", target: "bun-linux-arm64", note: "glibc (Graviton, Ampere, Raspberry Pi 4/5 64-bit)" },
  { name: "linux-arm64-musl", target: "bun-linux-arm64-musl", note: "Alpine on arm64" },
  { name: "darwin-x64", target: "bun-darwin-x64", note: "Intel Macs" },
  { name: "darwin-arm64", target: "bun-darwin-arm64", note: "Apple silicon" },
  { name: "windows-x64", target: "bun-windows-x64", note: "Windows 10 and later" },
  { name: "windows-x64-baseline", target: "bun-windows-x64-baseline", note: "Windows on x86-64 CPUs without AVX2" },
] as const satisfies readonly { name: string; target: Bun.Build.CompileTarget; note: string }[];

export const fileName = (name: string): string => `gatebench-${name}${name.startsWith("windows") ? ".exe" : ""}`;

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  if (i === -1) return undefined;
  const v = process.argv[i + 1];
  if (v === undefined || v.startsWith("--")) {
    console.error(`build:all: --${name} needs a value, e.g. --only linux-x64,windows-x64 or --version 1.2.3`);
    process.exit(2);
  }
  return v;
}

if (import.meta.main) {
  const version = flag("version")?.replace(/^v/, "") ?? pkg.version;
  const out = flag("out") ?? join(ROOT, "dist", "release");
  const only = flag("only")?.split(",");
  const unknown = only?.filter((n) => !TARGETS.some((t) => t.name === n)) ?? [];
  if (unknown.length > 0) {
    console.error(`build:all: unknown target ${unknown.join(", ")}; targets: ${TARGETS.map((t) => t.name).join(", ")}`);
    process.exit(2);
  }
  const commit = gitCommit();
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  console.error(`gatebench ${version} (commit ${commit}) → ${out}`);
  const sums: string[] = [];
  const failed: string[] = [];
  for (const t of TARGETS) {
    if (only && !only.includes(t.name)) continue;
    const file = fileName(t.name);
    const started = performance.now();
    try {
      const size = await compile({ outfile: join(out, file), target: t.target, version, commit });
      const sha = createHash("sha256")
        .update(readFileSync(join(out, file)))
        .digest("hex");
      sums.push(`${sha}  ${file}`);
      console.error(`  ${file.padEnd(34)} ${mb(size).padStart(9)}  ${((performance.now() - started) / 1000).toFixed(1)} s`);
    } catch (e) {
      failed.push(t.name);
      console.error(`  ${file.padEnd(34)} FAILED: ${e instanceof Error ? e.message : e}`);
    }
  }
  writeFileSync(join(out, "SHA256SUMS"), `${sums.join("\n")}\n`);
  if (failed.length > 0) {
    console.error(`build:all: ${failed.length} target(s) failed: ${failed.join(", ")}`);
    process.exit(1);
  }
  console.error(`built ${sums.length} binaries and SHA256SUMS`);
}
