// OpenAI's Responses API (POST /v1/responses): the request checked against
// its shape (`input`, `max_output_tokens`), the `response` object, and its
// stream of typed events, each with its `sequence_number`, closed by
// response.completed (or response.incomplete when max_output_tokens cut the
// answer), with no [DONE]. Errors in OpenAI's `error` envelope.
import { chunkText, type Dialect, type Generation, type GenerationInfo, type StreamParts } from "./answer.ts";
import { openaiFault } from "./faults.ts";
import { contentJson, errorBody, modelJson, promptTokensOf, textJson } from "./openai.ts";
import { badBlock, countField, foreignField, isObject, isRefusal, jsonObject, refuse, type Refusal, streamField } from "./request.ts";

/** Fields of Chat Completions, Anthropic and Gemini requests that the Responses API has not. */
const FOREIGN = [
  "messages",
  "max_tokens",
  "max_completion_tokens",
  "n",
  "stop",
  "response_format",
  "system",
  "stop_sequences",
  "top_k",
  "contents",
  "generationConfig",
  "systemInstruction",
] as const;
const ROLES = new Set(["user", "assistant", "system", "developer"]);
const PART_TYPES = new Set(["input_text", "input_image", "input_file", "input_audio", "output_text", "refusal"]);

/** `input`: a string, or a list of input items (messages with a role and content, or items of a type). */
function checkInput(input: unknown): Refusal | undefined {
  if (input === undefined || input === null) return refuse(400, "Missing required parameter: 'input'.", "input");
  if (typeof input === "string") return undefined;
  if (!Array.isArray(input)) return refuse(400, `Invalid 'input': expected a string or an array of input items, got ${JSON.stringify(input)}.`, "input");
  for (let i = 0; i < input.length; i++) {
    const item = input[i];
    const at = `input[${i}]`;
    if (!isObject(item)) return refuse(400, `Invalid '${at}': expected an input item (an object).`, at);
    if (item.role === undefined) {
      if (typeof item.type !== "string") return refuse(400, `Invalid '${at}': an input item has a 'role' (a message) or a 'type'.`, at);
      continue;
    }
    if (typeof item.role !== "string" || !ROLES.has(item.role)) {
      return refuse(400, `Invalid '${at}.role': expected one of user, assistant, system, developer, got ${JSON.stringify(item.role)}.`, `${at}.role`);
    }
    const c = item.content;
    if (typeof c === "string") continue;
    if (!Array.isArray(c)) return refuse(400, `Invalid '${at}.content': expected a string or an array of content parts.`, `${at}.content`);
    const bad = badBlock(c);
    if (bad !== -1) return refuse(400, `Invalid '${at}.content[${bad}]': expected a content part with a 'type'.`, `${at}.content[${bad}]`);
    const odd = c.findIndex((b) => !PART_TYPES.has((b as { type: string }).type));
    if (odd !== -1) {
      const type = (c[odd] as { type: string }).type;
      return refuse(
        400,
        `Invalid '${at}.content[${odd}].type': "${type}" is not a Responses content part (input_text, input_image, input_file, output_text …).`,
        `${at}.content[${odd}].type`,
      );
    }
  }
  return undefined;
}

function parse(text: string): { ok: true; info: GenerationInfo } | Refusal {
  const b = jsonObject(text);
  if (isRefusal(b)) return b;
  const foreign = foreignField(b, FOREIGN);
  if (foreign) return refuse(400, `Unknown parameter: '${foreign}' (the Responses API has no such field: a request shaped for another API?).`, foreign);
  const bad = checkInput(b.input);
  if (bad) return bad;
  const max = countField(b.max_output_tokens, "max_output_tokens");
  if (isRefusal(max)) return max;
  const stream = streamField(b.stream);
  if (isRefusal(stream)) return stream;
  return { ok: true, info: { model: typeof b.model === "string" ? b.model : "gpt-mock", stream, maxTokens: max, promptChars: text.length } };
}

const usageJson = (g: Generation<GenerationInfo>): string => {
  const prompt = promptTokensOf(g.info.promptChars);
  return (
    `{"input_tokens":${prompt},"input_tokens_details":{"cached_tokens":0},"output_tokens":${g.tokens},` +
    `"output_tokens_details":{"reasoning_tokens":0},"total_tokens":${prompt + g.tokens}}`
  );
};

type Status = "in_progress" | "completed" | "incomplete";

/** The answer's one output item: an assistant message with one output_text part. */
function messageJson(g: Generation<GenerationInfo>, status: Status, text: string | undefined): string {
  const content = text === undefined ? "[]" : `[{"type":"output_text","text":${text},"annotations":[],"logprobs":[]}]`;
  return `{"id":"msg_mock_${g.seq}","type":"message","status":"${status}","role":"assistant","content":${content}}`;
}

/** A `response` object: in progress (no output, no usage yet), or finished with both. */
function responseJson(g: Generation<GenerationInfo>, finished: boolean): string {
  const status: Status = !finished ? "in_progress" : g.truncated ? "incomplete" : "completed";
  const output = finished ? `[${messageJson(g, status, contentJson(g.tokens, g.tokenChars))}]` : "[]";
  const incomplete = finished && g.truncated ? `{"reason":"max_output_tokens"}` : "null";
  return (
    `{"id":"resp_mock_${g.seq}","object":"response","created_at":${g.created},"status":"${status}","error":null,"incomplete_details":${incomplete},` +
    `"instructions":null,"max_output_tokens":${g.info.maxTokens ?? null},"model":${modelJson(g.info.model)},"output":${output},` +
    `"parallel_tool_calls":true,"previous_response_id":null,"reasoning":{"effort":null,"summary":null},"store":false,"temperature":1,` +
    `"text":{"format":{"type":"text"}},"tool_choice":"auto","tools":[],"top_p":1,"truncation":"disabled",` +
    `"usage":${finished ? usageJson(g) : "null"},"user":null,"metadata":{}}`
  );
}

/** One SSE event: its name on the `event:` line and in the data's `type`, with its sequence number. */
const event = (name: string, seq: number, rest: string): string => `event: ${name}\ndata: {"type":"${name}","sequence_number":${seq},${rest}}\n\n`;

/**
 * The stream: response.created, response.in_progress, output_item.added and
 * content_part.added with the first delta (sequence 0 to 3), one
 * output_text.delta per chunk (4 on), the three done events, then
 * response.completed or response.incomplete with the whole response.
 */
function stream(g: Generation<GenerationInfo>, perChunk: number, chunks: number): StreamParts {
  const item = `"item_id":"msg_mock_${g.seq}","output_index":0,"content_index":0`;
  const finalStatus: Status = g.truncated ? "incomplete" : "completed";
  const head = (): string =>
    event("response.created", 0, `"response":${responseJson(g, false)}`) +
    event("response.in_progress", 1, `"response":${responseJson(g, false)}`) +
    event("response.output_item.added", 2, `"output_index":0,"item":${messageJson(g, "in_progress", undefined)}`) +
    event("response.content_part.added", 3, `${item},"part":{"type":"output_text","text":"","annotations":[],"logprobs":[]}`);
  const delta = (k: number): string =>
    event("response.output_text.delta", 4 + k, `${item},"delta":${textJson(chunkText(k, perChunk, g.tokens, g.tokenChars))},"logprobs":[]`);
  const tail = (): string => {
    const text = contentJson(g.tokens, g.tokenChars);
    const seq = 4 + chunks;
    return (
      (chunks === 0 ? head() : "") +
      event("response.output_text.done", seq, `${item},"text":${text},"logprobs":[]`) +
      event("response.content_part.done", seq + 1, `${item},"part":{"type":"output_text","text":${text},"annotations":[],"logprobs":[]}`) +
      event("response.output_item.done", seq + 2, `"output_index":0,"item":${messageJson(g, finalStatus, text)}`)
    );
  };
  const final = (): string => event(`response.${finalStatus}`, 7 + chunks, `"response":${responseJson(g, true)}`);
  return { piece: (k) => (k === 0 ? head() + delta(0) : delta(k)), tail, final };
}

export const RESPONSES: Dialect<GenerationInfo> = {
  api: "responses",
  parse,
  error: (status, message, param) => ({ status, body: errorBody(message, "invalid_request_error", param) }),
  fault: openaiFault,
  unary: (g) => responseJson(g, true),
  stream,
};
