// Placeholders in a gateway's command line and config template:
// {{PORT}}, {{HOST}}, {{MOCK_URL}}, {{MOCK_ORIGIN}}, {{MOCK_HOST}},
// {{MOCK_PORT}}, {{UPSTREAM_API}}, {{CONFIG}} and {{env.NAME}}. Pure: text in, text out; an unknown placeholder (or an
// unset variable) is an error that names it and its line.

export interface PlaceholderValues {
  PORT: string;
  HOST: string;
  /** The mock's base URL for the API the gateway calls it in: …/v1 for OpenAI's, the bare origin for Anthropic's and Gemini's (as their SDKs take it). */
  MOCK_URL: string;
  /** http://host:port, for a config that writes the whole path itself. */
  MOCK_ORIGIN: string;
  MOCK_HOST: string;
  MOCK_PORT: string;
  /** The API the gateway is expected to call the mock in (--upstream-api, else --api): chat, responses, messages, gemini. */
  UPSTREAM_API: string;
  CONFIG: string;
}

export const PLACEHOLDERS: readonly (keyof PlaceholderValues)[] = [
  "PORT",
  "HOST",
  "MOCK_URL",
  "MOCK_ORIGIN",
  "MOCK_HOST",
  "MOCK_PORT",
  "UPSTREAM_API",
  "CONFIG",
];

export class TemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TemplateError";
  }
}

const PLACEHOLDER_RE = /\{\{\s*([A-Za-z_][\w.]*)\s*\}\}/g;

/**
 * Replaces every {{NAME}} in `text`. `where` names the text in errors (a
 * file, or "--gateway"); line numbers count from 1.
 */
export function render(text: string, values: PlaceholderValues, env: Record<string, string | undefined>, where: string): string {
  return text.replace(PLACEHOLDER_RE, (whole, name: string, offset: number) => {
    const line = text.slice(0, offset).split("\n").length;
    if (name.startsWith("env.")) {
      const v = env[name.slice(4)];
      if (v === undefined) throw new TemplateError(`${where}:${line}: ${whole} names an environment variable that is not set (${name.slice(4)})`);
      return v;
    }
    if ((PLACEHOLDERS as readonly string[]).includes(name)) return values[name as keyof PlaceholderValues];
    throw new TemplateError(`${where}:${line}: unknown placeholder ${whole}; known: ${PLACEHOLDERS.map((p) => `{{${p}}}`).join(", ")}, {{env.NAME}}`);
  });
}

/** The same values as environment variables for the gateway: GATEWAY_PORT, GATEWAY_HOST, MOCK_URL, MOCK_ORIGIN, MOCK_HOST, MOCK_PORT, UPSTREAM_API, GATEWAY_CONFIG. */
export function placeholderEnv(v: PlaceholderValues): Record<string, string> {
  return {
    GATEWAY_PORT: v.PORT,
    GATEWAY_HOST: v.HOST,
    MOCK_URL: v.MOCK_URL,
    MOCK_ORIGIN: v.MOCK_ORIGIN,
    MOCK_HOST: v.MOCK_HOST,
    MOCK_PORT: v.MOCK_PORT,
    UPSTREAM_API: v.UPSTREAM_API,
    GATEWAY_CONFIG: v.CONFIG,
  };
}

/**
 * Splits a command line into argv the way a POSIX shell splits words, without
 * running a shell: whitespace separates, single quotes keep everything,
 * double quotes keep everything but \" and \\, a backslash escapes the next
 * character. Pipes, redirections and variables are not interpreted (use
 * --gateway-shell for those).
 */
export function splitCommand(line: string): string[] {
  const out: string[] = [];
  let cur = "";
  let inWord = false;
  let i = 0;
  while (i < line.length) {
    const c = line[i]!;
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end === -1) throw new TemplateError(`unterminated ' in: ${line}`);
      cur += line.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (c === '"') {
      i++;
      for (;;) {
        if (i >= line.length) throw new TemplateError(`unterminated " in: ${line}`);
        const d = line[i]!;
        if (d === '"') break;
        if (d === "\\" && (line[i + 1] === '"' || line[i + 1] === "\\")) {
          cur += line[i + 1];
          i += 2;
        } else {
          cur += d;
          i++;
        }
      }
      inWord = true;
      i++;
    } else if (c === "\\" && i + 1 < line.length) {
      cur += line[i + 1];
      inWord = true;
      i += 2;
    } else if (/\s/.test(c)) {
      if (inWord) out.push(cur);
      cur = "";
      inWord = false;
      i++;
    } else {
      cur += c;
      inWord = true;
      i++;
    }
  }
  if (inWord) out.push(cur);
  return out;
}
