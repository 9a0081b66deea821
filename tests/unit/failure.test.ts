// A run in which no request succeeded: exit 3 with one line naming what the
// target answered (status, the first answer's body) and the likely cause.
import { describe, expect, test } from "bun:test";
import { failedRun, type UrlOrigin } from "../../src/cli/run/failure.ts";
import type { ResultDoc } from "../../src/metrics/document.ts";
import { smallResult } from "./result-fixture.ts";

/** A result of `n` requests that all ended with `status` (0: no answer, with `errors`). */
function failed(url: string, status: Record<string, number>, errors: Record<string, number>, samples: Record<string, string> = {}): ResultDoc {
  const doc = smallResult("x");
  const total = Object.values(errors).reduce((a, b) => a + b, 0);
  doc.run.target = url;
  doc.summary.requests = { total, ok: 0, failed: total, dropped: 0, rate: 1, throughput: 0, success_ratio: 0 };
  doc.summary.status_codes = status;
  doc.summary.errors = errors;
  doc.summary.error_samples = samples;
  return doc;
}

const builtIn: UrlOrigin = { target: undefined, path: "/v1/chat/completions", pathGiven: false, method: "POST" };

describe("failedRun", () => {
  test("a run with a successful request is not a failed run, nor one that sent nothing", () => {
    expect(failedRun(smallResult("x"), builtIn)).toBeUndefined();
    expect(failedRun(failed("http://h/x", {}, {}), builtIn)).toBeUndefined();
  });

  test.each([
    [
      "400: the body",
      failed("http://h/v1/chat/completions", { "400": 50 }, { http_status: 50 }, { http_status: '400: {"error":"bad json"}' }),
      builtIn,
      'no request succeeded (400 × 50); the target answered 400: {"error":"bad json"}. Likely cause: the target refused what was sent: check -d/--body',
    ],
    [
      "404 on a base URL: what was appended, from which --path",
      failed("http://h:9200/v2/chat/completions", { "404": 9 }, { http_status: 9 }, { http_status: "404: not found" }),
      { target: "http://h:9200/v2", path: "/v1/chat/completions", pathGiven: false, method: "POST" },
      "http://h:9200/v2/chat/completions was not found: the URL is --target http://h:9200/v2 with /chat/completions appended (from the default --path /v1/chat/completions)",
    ],
    [
      "404 on a URL with a path: loaded as given",
      failed("http://h/x/y", { "404": 9 }, { http_status: 9 }),
      { target: "http://h/x/y", path: "/v1/chat/completions", pathGiven: false, method: "POST" },
      "http://h/x/y was not found: the URL is --target as given (a target with a path of its own is loaded as it is)",
    ],
    [
      "405: the method",
      failed("http://h/v1/models", { "405": 3 }, { http_status: 3 }),
      { ...builtIn, method: "DELETE" },
      "Likely cause: the target does not take DELETE at http://h/v1/models",
    ],
    [
      "415: the content type",
      failed("http://h/x", { "415": 3 }, { http_status: 3 }),
      builtIn,
      'Likely cause: the target refused the content type: -H "Content-Type: application/json"',
    ],
    ["503: counted, no cause guessed", failed("http://h/x", { "503": 3 }, { http_status: 3 }), builtIn, "no request succeeded (503 × 3)"],
    [
      "no answer at all: the error kinds and the first message",
      failed("http://h/x", { "0": 4 }, { connect: 4 }, { connect: "ECONNREFUSED" }),
      builtIn,
      "no request succeeded (connect × 4); first error: ECONNREFUSED",
    ],
  ] as [string, ResultDoc, UrlOrigin, string][])("%s", (_what, doc, how, message) => {
    expect(failedRun(doc, how)).toContain(message);
  });

  test("mixed statuses name no single cause", () => {
    expect(failedRun(failed("http://h/x", { "400": 2, "404": 1 }, { http_status: 3 }), builtIn)).toBe("no request succeeded (400 × 2, 404 × 1)");
  });
});
