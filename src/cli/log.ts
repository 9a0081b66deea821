// Logs and progress go to stderr; stdout carries results only. Colours only
// on a TTY, never with NO_COLOR.
import { createConsola, type ConsolaInstance } from "consola";

export function useColor(stream: { isTTY?: boolean } = process.stderr): boolean {
  return Boolean(stream.isTTY) && !process.env.NO_COLOR && process.env.TERM !== "dumb";
}

/** consola's levels: 1 warnings and errors, 3 info, 4 debug. */
export function createLogger(verbose: boolean, quiet = false): ConsolaInstance {
  const color = useColor();
  return createConsola({
    level: verbose ? 4 : quiet ? 1 : 3,
    fancy: color && !process.env.CI,
    formatOptions: { colors: color, date: false, compact: true },
    stdout: process.stderr,
    stderr: process.stderr,
  });
}

/** The process-wide logger; commands replace it once flags are known. */
export let log: ConsolaInstance = createLogger(false);

export function setVerbose(verbose: boolean, quiet = false): void {
  log = createLogger(verbose, quiet);
}
