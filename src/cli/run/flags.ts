// The flags of `gatebench run` (and, with a few left out or changed, of
// `gatebench sweep`): their definitions, grouped for --help and docs/commands.md,
// and the type of their parsed values, derived from the definitions.
import { RUN_DEFAULTS } from "../../run/config.ts";
import { mockModelArgs, mockShapeArgs } from "../commands/mock.ts";
import { gatewayArgs } from "./gateway-flags.ts";
import { loadArgs } from "./load-flags.ts";
import { gateArgs, phasesArgs } from "./output-flags.ts";
import { sentArgs } from "./sent-flags.ts";

const D = RUN_DEFAULTS;

export const runArgs = {
  url: {
    type: "positional",
    required: false,
    optional: true,
    description:
      "The URL to load, as hey and curl take it: --target URL, and as hey loads it, with no mock and no baseline unless a --mock-* or --baseline flag asks for them",
    valueHint: "url",
  },
  ...loadArgs,
  ...sentArgs,
  ...gatewayArgs,
  "no-mock": {
    type: "boolean",
    description: "Do not start the mock, so there is no baseline either; with --target, for a gateway with a real upstream or any HTTP server",
    group: "The mock",
    default: false,
  },
  "mock-port": { type: "string", description: "Mock upstream port; 0 picks a free one", group: "The mock", default: String(D.mockPort), valueHint: "port" },
  "mock-procs": {
    ...mockShapeArgs.procs,
    description: `Mock: ${mockShapeArgs.procs.description.toLowerCase()}; the baseline's mock gets as many`,
    group: "The mock",
  },
  "mock-fixed": {
    ...mockShapeArgs.fixed,
    description: `Mock: ${mockShapeArgs.fixed.description.charAt(0).toLowerCase()}${mockShapeArgs.fixed.description.slice(1)}`,
    group: "The mock",
  },
  ...mockRunArgs(),
  ...phasesArgs,
  ...gateArgs,
} as const;

/** The mock's behaviour flags, as --mock-NAME (see gatebench mock --help). */
function mockRunArgs() {
  const out: Record<string, { type: "string"; description: string; group: string; valueHint: string; default?: string }> = {};
  for (const [name, def] of Object.entries(mockModelArgs)) {
    out[`mock-${name}`] = {
      type: "string",
      description: `Mock: ${def.description.charAt(0).toLowerCase()}${def.description.slice(1)}`,
      group: "The mock",
      valueHint: def.valueHint,
      ...("default" in def ? { default: def.default } : {}),
    };
  }
  return out as { [K in keyof typeof mockModelArgs as `mock-${K}`]: { type: "string"; description: string; group: string; valueHint: string } };
}

/** A flag's parsed value: a boolean, a string when it has a default, else a string or undefined. */
type ValueOf<T> = T extends { type: "positional" }
  ? string | undefined
  : T extends { type: "boolean" }
    ? boolean
    : T extends { default: string }
      ? string
      : string | undefined;

/** What citty hands the command: each flag's value (`mock` is what `--no-mock` sets to false). */
export type RunArgValues = { [K in keyof typeof runArgs]: ValueOf<(typeof runArgs)[K]> } & { mock?: boolean };
