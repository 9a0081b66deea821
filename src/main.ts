#!/usr/bin/env bun
// gatebench's entry point, for `bun run bench`, `bun src/main.ts` and the compiled binary.
// --version answers before the CLI (and everything it imports) is loaded:
// scripts and CI ask it often, and it should cost a process start, no more.
const argv = process.argv.slice(2);
const { asksVersion, versionLine } = await import("./version.ts");
if (asksVersion(argv)) {
  process.stdout.write(`${versionLine()}\n`);
  process.exit(0);
}
const { main } = await import("./cli/main.ts");
process.exit(await main(argv));
