#!/usr/bin/env bun
// gatebench's entry point, for `bun run bench`, `bun src/main.ts` and the compiled binary.
import { main } from "./cli/main.ts";

const code = await main(process.argv.slice(2));
process.exit(code);
