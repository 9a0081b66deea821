// A run that completed without one successful request is a failed run, not
// a result: it exits 3 (docs/DESIGN.md), and its message names what the
// target answered and the likely cause in the flags given.
import type { ResultDoc } from "../../metrics/document.ts";

/** How the URL requested came about: --target (or the URL given), --path, and whether --path was typed. */
export interface UrlOrigin {
  target: string | undefined;
  path: string;
  pathGiven: boolean;
  method: string;
}

/** Statuses whose cause is plainly in what was sent, and where to look. */
const CLIENT_FAULTS: Record<number, (doc: ResultDoc, how: UrlOrigin) => string> = {
  400: () => "the target refused what was sent: check -d/--body (a body that is not a JSON object is sent as it is) and --model",
  401: () => 'the target wants credentials: -H "Authorization: Bearer $API_KEY"',
  403: () => 'the target refused the credentials: check -H "Authorization: Bearer …"',
  404: (doc, how) => notFound(doc.run.target, how),
  405: (doc, how) => `the target does not take ${how.method} at ${doc.run.target}: check -m/--method and the URL`,
  415: () => 'the target refused the content type: -H "Content-Type: application/json"',
  422: () => "the target could not read the body: check -d/--body and --model",
};

/** How --target and --path made the URL that was not found, and what to type instead. */
export function notFound(url: string, how: UrlOrigin): string {
  if (how.target === undefined) return `${url} was not found: check --path "${how.path}"`;
  const base = how.target.replace(/\/+$/, "");
  const made =
    url.startsWith(base) && url !== how.target
      ? `the URL is --target ${how.target} with ${url.slice(base.length)} appended (from ${how.pathGiven ? "" : "the default "}--path ${how.path})`
      : "the URL is --target as given (a target with a path of its own is loaded as it is)";
  return `${url} was not found: ${made}; give the endpoint's full URL, or a base URL such as http://host:4000/v1 and the endpoint with --path`;
}

/**
 * undefined when at least one request succeeded (or none was sent);
 * otherwise one line: what the requests got (statuses and errors with the
 * first answer's body), then the likely cause.
 */
export function failedRun(doc: ResultDoc, how: UrlOrigin): string | undefined {
  const s = doc.summary;
  const tried = s.requests.total + s.requests.dropped + (s.errors.load_generator ?? 0);
  if (s.requests.ok > 0 || tried === 0) return undefined;
  const statuses = Object.entries(s.status_codes)
    .filter(([code]) => code !== "0")
    .sort((a, b) => b[1] - a[1]);
  const others = Object.entries(s.errors).filter(([kind]) => kind !== "http_status");
  const counts = [...statuses.map(([code, n]) => `${code} × ${n}`), ...others.map(([kind, n]) => `${kind} × ${n}`)];
  if (s.requests.dropped > 0) counts.push(`dropped × ${s.requests.dropped}`);
  const answer = s.error_samples?.http_status;
  const error = others.length > 0 ? s.error_samples?.[others[0]![0]] : undefined;
  const said = answer ? `; the target answered ${answer}` : error ? `; first error: ${error}` : "";
  const only = statuses.length === 1 && others.length === 0 ? Number(statuses[0]![0]) : undefined;
  const cause = only !== undefined ? CLIENT_FAULTS[only]?.(doc, how) : undefined;
  return `no request succeeded (${counts.join(", ")})${said}${cause ? `. Likely cause: ${cause}` : ""}`;
}
