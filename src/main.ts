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
// the lifeline of a gateway or --setup: small and quick to start, so it loads no more than it needs
if (argv[0] === "__supervise") {
  const { SUPERVISE_VAR, supervise } = await import("./process/supervisor.ts");
  const spec = JSON.parse(process.env[SUPERVISE_VAR] ?? "{}");
  delete process.env[SUPERVISE_VAR];
  await supervise(spec);
}
const { main } = await import("./cli/main.ts");
process.exit(await main(argv));
