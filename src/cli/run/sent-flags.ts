// The flags of `gatebench run` that say what is sent: the client, TLS, the
// method, path, headers and body, the model and the timeout.
import { APIS, API_TITLES } from "../../apis.ts";
import { RUN_DEFAULTS } from "../../run/config.ts";

const D = RUN_DEFAULTS;

export const sentArgs = {
  api: {
    type: "string",
    description: `The LLM API the load speaks: ${APIS.map((a) => `${a} (${API_TITLES[a]})`).join(", ")}. It sets the default --path, the body, the auth header and how answers and streams are read (messages, say, for a gateway that fronts Claude Code)`,
    group: "What is sent",
    default: D.api,
    valueHint: "name",
  },
  client: {
    type: "string",
    description:
      "HTTP client: socket (HTTP/1.1 on raw sockets with a keep-alive pool in the load's own event loop; http:// and https://) or fetch (Bun's fetch, the reference, for anything the socket client does not speak)",
    group: "What is sent",
    default: D.client,
    valueHint: "kind",
  },
  insecure: { type: "boolean", alias: "k", description: "https: accept any certificate (no verification)", group: "What is sent", default: false },
  cacert: {
    type: "string",
    description: "https: trust the CA certificates in this PEM file instead of the system's",
    group: "What is sent",
    valueHint: "file",
  },
  path: {
    type: "string",
    description: `Request path, appended to a base --target (its version segment dropped after a base ending in /v1); a --target with another path is used as it is unless --path is given (default: the --api's, ${D.path} for chat)`,
    group: "What is sent",
    valueHint: "path",
  },
  method: { type: "string", alias: "m", description: "HTTP method (GET and HEAD send no body)", group: "What is sent", default: D.method, valueHint: "method" },
  header: {
    type: "string",
    alias: "H",
    description:
      'Request header "Name: value", repeatable; added to the defaults content-type: application/json and the API\'s placeholder key (authorization: Bearer gatebench; messages: x-api-key and anthropic-version: 2023-06-01; gemini: x-goog-api-key), replacing one of the same name',
    group: "What is sent",
    valueHint: "header",
  },
  body: {
    type: "string",
    alias: "d",
    description: "Request body; a JSON object gets --stream, --max-tokens and --model applied when those flags are given, anything else is sent as it is",
    group: "What is sent",
    valueHint: "json",
  },
  "body-file": { type: "string", description: "Request body from a file, as --body", group: "What is sent", valueHint: "file" },
  prompts: {
    type: "string",
    description:
      'JSONL file of bodies cycled in order, one per line: a request body of the --api (with messages; responses: input; gemini: contents), {"prompt": "…"}, or a JSON string',
    group: "What is sent",
    valueHint: "file",
  },
  model: {
    type: "string",
    description: `Model to ask for; overrides the one in a given body (gemini: the one in the path) (default ${D.model})`,
    group: "What is sent",
    valueHint: "name",
  },
  "max-tokens": {
    type: "string",
    description:
      "Sets the output cap in each body: max_tokens (responses: max_output_tokens; gemini: generationConfig.maxOutputTokens); messages asks for 256 without it",
    group: "What is sent",
    valueHint: "n",
  },
  "prompt-tokens": { type: "string", description: "Generated prompt of about this many tokens", group: "What is sent", valueHint: "n" },
  stream: {
    type: "boolean",
    description:
      "Ask for a stream (stream: true, with chat's stream_options.include_usage; gemini: the :streamGenerateContent?alt=sse path) and read its SSE event by event",
    group: "What is sent",
    default: false,
  },
  timeout: {
    type: "string",
    description: "Per-request timeout; a request over it is a timeout error",
    group: "What is sent",
    default: `${D.timeoutMs / 1000}s`,
    valueHint: "duration",
  },
} as const;
