// A configuration that cannot be run (a file that cannot be read, a body
// the flags cannot apply to, a --start-at the load cannot meet): reported
// like a usage error (exit 2), before the load begins.
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}
