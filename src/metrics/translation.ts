// A translation run's verdict: the client speaks one API (--api), the
// gateway is expected to call the mock in another (--upstream-api). The
// client's side is checked request by request (an answer in another API's
// shape is a wrong_shape error); the upstream side is what the mock counted
// by API. A gateway that forwarded the client's requests as they came is
// passthrough, not translation, whatever its answers looked like.
import { API_TITLES, type Api } from "../apis.ts";

/** What the mock counted of one API: requests received, and those refused as not that API's shape. */
export interface ApiCounts {
  requests: number;
  rejected: number;
}

export type TranslationVerdict = "translated" | "passthrough" | "mixed" | "unseen" | "unknown";

export interface TranslationCheck {
  client_api: Api;
  upstream_api: Api;
  verdict: TranslationVerdict;
  /** The mock's counts by API (the evidence), as it reported them; absent when it could not be read. */
  received?: Record<string, ApiCounts>;
  /** The verdict in words, with the counts that decided it. */
  note: string;
}

const count = (by: Record<string, ApiCounts>, api: string): number => by[api]?.requests ?? 0;

/** What the mock received, in words: "1,200 Anthropic Messages, 3 OpenAI Chat Completions". */
export function receivedWords(by: Record<string, ApiCounts>): string {
  const parts = Object.entries(by)
    .filter(([, c]) => c.requests > 0)
    .sort((a, b) => b[1].requests - a[1].requests)
    .map(([api, c]) => {
      const rejected = c.rejected > 0 ? ` (${c.rejected.toLocaleString("en-US")} refused as malformed)` : "";
      return `${c.requests.toLocaleString("en-US")} ${API_TITLES[api as Api] ?? api}${rejected}`;
    });
  return parts.length > 0 ? parts.join(", ") : "no API request";
}

/**
 * The verdict from the mock's counts by API (`byApi`, its /__stats
 * `by_api`); undefined counts (the mock gone, or one that does not count by
 * API) give "unknown".
 */
export function translationCheck(client: Api, upstream: Api, byApi: Record<string, ApiCounts> | undefined): TranslationCheck {
  const base = { client_api: client, upstream_api: upstream };
  if (byApi === undefined)
    return { ...base, verdict: "unknown", note: "the mock's counts by API could not be read, so what the gateway sent upstream is unknown" };
  const up = count(byApi, upstream);
  const same = count(byApi, client);
  const got = `the mock received ${receivedWords(byApi)}`;
  const c = API_TITLES[client];
  const u = API_TITLES[upstream];
  let verdict: TranslationVerdict;
  let note: string;
  if (up > 0 && same === 0) {
    verdict = "translated";
    note = `the client spoke ${c}, and ${got}`;
  } else if (same > 0 && up === 0) {
    verdict = "passthrough";
    note = `the gateway passed the requests through untranslated: ${got}, the client's own API, where ${u} was expected`;
  } else if (same > 0) {
    verdict = "mixed";
    note = `some requests were passed through untranslated: ${got}; ${u} was expected, not the client's ${c}`;
  } else {
    verdict = "unseen";
    note = `neither ${u} nor ${c} reached the mock (${got})`;
  }
  return { ...base, verdict, received: byApi, note };
}
