// A configuration that cannot be run (a file that cannot be read, a body
// the flags cannot apply to, a --start-at the load cannot meet): reported
// like a usage error (exit 2), before the load begins.
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

/** A load that needs more descriptors than this machine's open-file limit allows: the rig's limit, not the target's (a frontier's ladder stops there). */
export class OpenFilesError extends ConfigError {}
