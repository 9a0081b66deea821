// The flags of `gatebench run` about the gateway: a command started for the
// run, or a --target already running, and its port; the CPUs it and
// gatebench are pinned to, with their check; the API it is expected to call
// the mock in (a translation run).
import { API_TITLES, APIS, isApi, type Api } from "../../apis.ts";
import { AffinityError, CAN_PIN, formatCpuList, onlineCpus, parseCpuList } from "../../process/affinity.ts";
import { RUN_DEFAULTS } from "../../run/config.ts";
import { UsageError } from "../errors.ts";

const D = RUN_DEFAULTS;

export const gatewayArgs = {
  gateway: {
    type: "string",
    description:
      'The gateway\'s command line, started for the run and split into argv without a shell (placeholders {{PORT}}, {{HOST}}, {{MOCK_URL}}, {{MOCK_ORIGIN}}, {{MOCK_HOST}}, {{MOCK_PORT}}, {{UPSTREAM_API}}, {{CONFIG}}, {{env.NAME}}), e.g. "nginx -p /tmp -c {{CONFIG}}"',
    group: "The gateway",
    valueHint: "command",
  },
  "gateway-shell": {
    type: "boolean",
    description: "Run --gateway through the shell, sh -c (cmd /c on Windows), for pipes, VAR=value cmd, cmd & other",
    group: "The gateway",
    default: false,
  },
  "config-template": {
    type: "string",
    description: "Config rendered with the placeholders into a temp file (mode 0600) whose path is {{CONFIG}}; removed after the run",
    group: "The gateway",
    valueHint: "file",
  },
  "keep-temp": {
    type: "boolean",
    description: "Keep the gateway's temp folder as it was (the rendered config, its own temp files); without it only its log stays",
    group: "The gateway",
    default: false,
  },
  "gateway-env": { type: "string", description: "Environment variable for the gateway, K=V, repeatable", group: "The gateway", valueHint: "K=V" },
  "gateway-cwd": { type: "string", description: "Working directory of the gateway", group: "The gateway", valueHint: "dir" },
  "ready-url": {
    type: "string",
    description: "Readiness: GET this URL (placeholders allowed) until it answers below 500 (default a TCP connect to the gateway port)",
    group: "The gateway",
    valueHint: "url",
  },
  "ready-timeout": { type: "string", description: "How long the gateway may take to get ready", group: "The gateway", default: "30s", valueHint: "duration" },
  setup: {
    type: "string",
    description:
      "Command run through the shell, sh -c (cmd /c on Windows; placeholders and variables as for --gateway) after the gateway is ready and before the load, e.g. to create routes through an admin API; a failure stops the run (exit 3) with its output",
    group: "The gateway",
    valueHint: "command",
  },
  teardown: {
    type: "string",
    description: "Command (through the shell, as --setup) run after the run, before the gateway is stopped; a failure is logged",
    group: "The gateway",
    valueHint: "command",
  },
  "stop-timeout": {
    type: "string",
    description: "Grace between SIGTERM and SIGKILL when the gateway is stopped",
    group: "The gateway",
    default: "5s",
    valueHint: "duration",
  },
  target: {
    type: "string",
    description:
      "URL of a gateway that is already running; none is started, but the mock still is, on --mock-port. A base URL gets --path appended: http://127.0.0.1:4000, or one ending in an API's base path as SDKs take it (…/v1, …/openai), so http://127.0.0.1:4000/v1 loads http://127.0.0.1:4000/v1/chat/completions; a URL with another path is loaded as it is (default the built-in proxy)",
    group: "The gateway",
    valueHint: "url",
  },
  pid: {
    type: "string",
    description: "With --target: the gateway's process, sampled with its descendants for CPU and RSS",
    group: "The gateway",
    valueHint: "pid",
  },
  "pid-of-port": { type: "string", description: "With --target: sample the process listening on this port (Linux)", group: "The gateway", valueHint: "port" },
  port: {
    type: "string",
    description: "Gateway port; 0 picks a free one (the report says which)",
    group: "The gateway",
    default: String(D.port),
    valueHint: "port",
  },
  "upstream-api": {
    type: "string",
    description:
      "A translation run: the API the gateway should call the mock in (chat, responses, messages, gemini) when it differs from --api, e.g. --api messages --upstream-api chat for a gateway that serves Anthropic clients from an OpenAI upstream. {{MOCK_URL}} then ends in that API's base path and {{UPSTREAM_API}} names it; the run checks from the mock's counts that the gateway translated (a gateway that passed the requests through fails the run, exit 1)",
    group: "The gateway",
    valueHint: "api",
  },
  "gateway-cpus": {
    type: "string",
    description:
      "Linux: run the gateway on these CPUs only (sched_setaffinity), e.g. 0-3, 4,5 or 0,2-3: its whole process group (every process it forks inherits them), or the built-in proxy. The report and the JSON (run.cpu_pinning) say what each process got",
    group: "The gateway",
    valueHint: "list",
  },
  "harness-cpus": {
    type: "string",
    description:
      "Linux: run gatebench itself, its mocks and load workers on these CPUs only, set before any of them starts, e.g. 4-5; with --gateway-cpus on other CPUs, the load generator cannot steal the gateway's cores (a warning says when the two share one)",
    group: "The gateway",
    valueHint: "list",
  },
} as const;

/** A --gateway-cpus or --harness-cpus list, read strictly and checked against the CPUs this machine has. */
export function cpusFlag(flag: string, value: string): number[] {
  if (!CAN_PIN)
    throw new UsageError(`--${flag} pins CPUs through Linux's sched_setaffinity, which ${process.platform} does not have: drop --${flag} (or run on Linux)`);
  let cpus: number[];
  try {
    cpus = parseCpuList(value);
  } catch (err) {
    if (!(err instanceof AffinityError)) throw err;
    throw new UsageError(`--${flag} "${value}": ${err.message}; expected CPU numbers and ranges separated by commas, e.g. --${flag} 0-3 or --${flag} 0,2-3`);
  }
  const online = onlineCpus();
  const missing = cpus.filter((c) => !online.includes(c));
  if (missing.length > 0)
    throw new UsageError(
      `--${flag} "${value}": this machine has ${online.length} CPU${online.length === 1 ? "" : "s"} (${formatCpuList(online)}), so no CPU ${formatCpuList(missing)}; e.g. --${flag} ${online[online.length - 1]}`,
    );
  return cpus;
}

/** --gateway-cpus and --harness-cpus as a RunConfig holds them; only a gateway gatebench starts can be pinned. */
export function pinningOf(a: { "gateway-cpus"?: string; "harness-cpus"?: string; target?: string }): { gatewayCpus?: number[]; harnessCpus?: number[] } {
  const out: { gatewayCpus?: number[]; harnessCpus?: number[] } = {};
  if (a["gateway-cpus"] !== undefined) {
    out.gatewayCpus = cpusFlag("gateway-cpus", a["gateway-cpus"]);
    if (a.target !== undefined)
      throw new UsageError(
        "--gateway-cpus pins a gateway gatebench starts (--gateway, or the built-in proxy); a --target is already running: start it under taskset -c LIST yourself, or give --gateway",
      );
  }
  if (a["harness-cpus"] !== undefined) out.harnessCpus = cpusFlag("harness-cpus", a["harness-cpus"]);
  return out;
}

/**
 * --upstream-api: checked against what can use it. The mock must run (its
 * counts are the evidence), and the built-in proxy passes requests through,
 * so a gateway must be given (--gateway or --target).
 */
export function upstreamApiOf(a: { "upstream-api"?: string; api?: string; gateway?: string; target?: string }, noMock: boolean): { upstreamApi?: Api } {
  const v = a["upstream-api"];
  if (v === undefined) return {};
  if (!isApi(v)) throw new UsageError(`--upstream-api "${v}": not an API gatebench speaks; one of ${APIS.map((x) => `${x} (${API_TITLES[x]})`).join(", ")}`);
  // the client's own API upstream is no translation: an ordinary run
  if (v === (a.api ?? "chat")) return {};
  if (noMock) throw new UsageError(`--upstream-api ${v} is checked against what the mock received, and --no-mock starts none: drop one of them`);
  if (a.gateway === undefined && a.target === undefined)
    throw new UsageError(
      `--upstream-api ${v} needs a gateway that translates: the built-in proxy passes requests through as they come; give --gateway "…" (or --target URL of one pointed at the mock)`,
    );
  return { upstreamApi: v };
}
