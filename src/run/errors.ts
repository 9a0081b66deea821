// A configuration that cannot be run (a file that cannot be read, a body
// the flags cannot apply to): reported like a usage error, before anything
// is started.
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}
