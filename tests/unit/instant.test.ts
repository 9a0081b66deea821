// --start-at's instant: ISO 8601 date and time with a zone, read exactly.
import { describe, expect, test } from "bun:test";
import { parseInstant } from "../../src/cli/run/values.ts";

describe("parseInstant: ISO 8601 date and time with a zone", () => {
  const at = Date.UTC(2026, 10, 23, 10, 0, 0);
  test.each([
    ["2026-11-23T10:00:00Z", at],
    ["2026-11-23t10:00:00z", at],
    ["2026-11-23T10:00Z", at],
    ["2026-11-23 10:00:00Z", at],
    ["2026-11-23T11:00:00+01:00", at],
    ["2026-11-23T11:00:00+0100", at],
    ["2026-11-23T05:30:00-04:30", at],
    ["2026-11-23T10:00:00.25Z", at + 250],
    ["2026-11-23T10:00:00,1234567Z", at + 123],
    ["2028-02-29T00:00:00Z", Date.UTC(2028, 1, 29)],
  ])("%s", (value, ms) => expect(parseInstant(value)).toBe(ms));
  test.each([
    "2026-11-23T10:00:00",
    "2026-11-23",
    "10:00:00Z",
    "2026-02-30T10:00:00Z",
    "2027-02-29T00:00:00Z",
    "2026-11-23T24:00:00Z",
    "2026-11-23T10:60:00Z",
    "2026-11-23T10:00:00+24:00",
    "1795428000000",
    "now",
    "",
  ])("%p is refused", (value) => {
    expect(parseInstant(value)).toBeUndefined();
  });
});
