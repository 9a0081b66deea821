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
