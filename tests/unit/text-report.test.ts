import { describe, expect, test } from "bun:test";
import { textReport } from "../../src/report/text.ts";
import { smallResult } from "./result-fixture.ts";

const ESC = "\x1b[";

describe("terminal report colours", () => {
  test("off: plain text, nothing for a pipe or NO_COLOR to strip", () => {
    const doc = smallResult("the gateway is slow");
    doc.summary.slo = [{ expr: "success >= 100%", value: 1, pass: true, unit: "ratio" }];
    expect(textReport(doc)).not.toContain(ESC);
    expect(textReport(doc)).toContain("WARNING: the gateway is slow");
  });

  test("on: warnings yellow, a failed gate red, a passed one green; the figures untouched", () => {
    const doc = smallResult("the gateway is slow");
    doc.summary.slo = [
      { expr: "success >= 100%", value: 1, pass: true, unit: "ratio" },
      { expr: "success >= 100%", value: 0.5, pass: false, unit: "ratio" },
    ];
    const out = textReport(doc, { color: true });
    expect(out).toContain(`${ESC}33mWARNING:${ESC}39m the gateway is slow`);
    expect(out).toContain(`${ESC}31mFAIL${ESC}39m`);
    expect(out).toContain(`${ESC}32mpass${ESC}39m`);
    // take the colours away and it is the plain report, tables aligned the same
    expect(out.replace(/\x1b\[\d+m/g, "")).toBe(textReport(doc));
  });
});

describe("what the report says of an early end and the baseline's errors", () => {
  test("Ctrl-C in the idle phase: before the load began, never a negative length", () => {
    const doc = smallResult("x");
    doc.run.ended_early = "interrupted (Ctrl-C)";
    doc.run.load_ms = 0;
    expect(textReport(doc)).toContain("ENDED EARLY: interrupted (Ctrl-C) (before the load began)");
    doc.run.load_ms = 2500;
    expect(textReport(doc)).toContain("(after 2.5 s of load)");
  });

  test("the baseline's aborted requests are on the Errors line, as in the JSON", () => {
    const doc = smallResult("x");
    const { resources: _, ...gateway } = doc.summary;
    doc.summary.direct = { ...gateway, errors: { aborted: 3 } };
    expect(textReport(doc)).toContain("Errors        none\n              baseline (straight to the mock): aborted: 3");
  });
});

describe("the targets table where it applies", () => {
  const withTargets = (strict: boolean, idlePass: boolean | null) => {
    const doc = smallResult("x");
    const row = (expr: string, pass: boolean | null) => ({ target: expr, expr, value: null, unit: "", pass, note: pass === null ? "not measured" : undefined });
    doc.summary.targets = {
      preset: "seed",
      strict,
      results: [row("success >= 100%", true), row("rss.idle.max < 20MB", idlePass), row("rss.load.max < 100MB", null)],
    };
    return textReport(doc);
  };
  test("rows of n/a but success: one line instead of the table", () => {
    const out = withTargets(false, null);
    expect(out).toContain("Targets (seed): this run can judge none of them but success (the Requests table): not measured; --targets none hides this line");
    expect(out).not.toContain("│ Targets");
  });
  test("a target beyond success judged, or --strict: the table", () => {
    expect(withTargets(false, false)).toContain("│ Targets (seed)");
    expect(withTargets(true, null)).toContain("│ Targets (seed)");
  });
});
