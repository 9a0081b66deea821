// The flags of `gatebench run` about the gateway: a command started for the
// run, or a --target already running, and its port.
import { RUN_DEFAULTS } from "../../run/config.ts";

const D = RUN_DEFAULTS;

export const gatewayArgs = {
  gateway: {
    type: "string",
    description:
      'The gateway\'s command line, started for the run and split into argv without a shell (placeholders {{PORT}}, {{HOST}}, {{MOCK_URL}}, {{MOCK_HOST}}, {{MOCK_PORT}}, {{CONFIG}}, {{env.NAME}}), e.g. "nginx -p /tmp -c {{CONFIG}}"',
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
} as const;
