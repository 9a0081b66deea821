// The translation verdict from the mock's counts by API.
import { describe, expect, test } from "bun:test";
import { receivedWords, translationCheck } from "../../src/metrics/translation.ts";

const n = (requests: number, rejected = 0) => ({ requests, rejected });

describe("translationCheck", () => {
  test("the upstream API only: translated", () => {
    const c = translationCheck("messages", "chat", { chat: n(120), messages: n(0) });
    expect(c.verdict).toBe("translated");
    expect(c.note).toContain("120 OpenAI Chat Completions");
  });

  test("the client's API only: passthrough, with what the mock received", () => {
    const c = translationCheck("messages", "chat", { messages: n(80) });
    expect(c.verdict).toBe("passthrough");
    expect(c.note).toContain("80 Anthropic Messages");
    expect(c.note).toContain("OpenAI Chat Completions was expected");
    expect(c.received).toEqual({ messages: n(80) });
  });

  test("both: mixed; neither: unseen; no counts: unknown", () => {
    expect(translationCheck("messages", "chat", { messages: n(1), chat: n(99) }).verdict).toBe("mixed");
    const unseen = translationCheck("messages", "chat", { gemini: n(5) });
    expect(unseen.verdict).toBe("unseen");
    expect(unseen.note).toContain("5 Gemini generateContent");
    expect(translationCheck("messages", "chat", {}).verdict).toBe("unseen");
    expect(translationCheck("messages", "chat", undefined).verdict).toBe("unknown");
  });

  test("counts in words: largest first, refusals said, other keys as they are", () => {
    expect(receivedWords({ chat: n(3), messages: n(1200, 2), embeddings: n(1) })).toBe(
      "1,200 Anthropic Messages (2 refused as malformed), 3 OpenAI Chat Completions, 1 embeddings",
    );
    expect(receivedWords({ chat: n(0) })).toBe("no API request");
  });
});
