// The LLM APIs gatebench speaks, on both sides: the client sends one of
// them (--api), the mock answers all of them, and a translation run expects
// the gateway to call the mock in another (--upstream-api). Names, paths and
// base URLs live here, so the load engine and the mock agree on them.

export type Api = "chat" | "responses" | "messages" | "gemini";

export const APIS: readonly Api[] = ["chat", "responses", "messages", "gemini"];

/** What each API is called in reports and help. */
export const API_TITLES: Record<Api, string> = {
  chat: "OpenAI Chat Completions",
  responses: "OpenAI Responses",
  messages: "Anthropic Messages",
  gemini: "Gemini generateContent",
};

export const isApi = (s: string): s is Api => (APIS as readonly string[]).includes(s);

/** The path (with its query, for a Gemini stream) a client of `api` sends a generation request to. */
export function apiPath(api: Api, model: string, stream: boolean): string {
  switch (api) {
    case "chat":
      return "/v1/chat/completions";
    case "responses":
      return "/v1/responses";
    case "messages":
      return "/v1/messages";
    case "gemini":
      return `/v1beta/models/${encodeURIComponent(model)}:${stream ? "streamGenerateContent?alt=sse" : "generateContent"}`;
  }
}

/** The API whose generation endpoint `path` is (its query aside), when it is one's: /…/chat/completions, /…/responses, /…/messages, …:generateContent. */
export function apiOfPath(path: string): Api | undefined {
  const p = path.split("?")[0]!.replace(/\/+$/, "");
  if (p.endsWith("/chat/completions")) return "chat";
  if (p.endsWith("/responses")) return "responses";
  if (p.endsWith("/messages")) return "messages";
  if (/:(stream)?generateContent$/i.test(p)) return "gemini";
  return undefined;
}

/**
 * The base path an SDK or a gateway is given for an upstream of `api`, as
 * each provider's own clients expect it: OpenAI's take the URL with /v1,
 * Anthropic's and Google's the bare origin (they add /v1/messages and
 * /v1beta/models/… themselves).
 */
export function apiBase(api: Api): string {
  return api === "chat" || api === "responses" ? "/v1" : "";
}
