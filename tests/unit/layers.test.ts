// The architecture, checked: the layer order written in docs/DESIGN.md
// (its ```layers block, top to bottom) against every import under src/,
// and no import cycle between files.
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";

const ROOT = join(import.meta.dir, "..", "..");
const SRC = join(ROOT, "src");

/** The layers as docs/DESIGN.md lists them, top first: each a set of folders (or root files) under src/. */
function layers(): string[][] {
  const doc = readFileSync(join(ROOT, "docs", "DESIGN.md"), "utf8");
  const block = /```layers\n([\s\S]*?)```/.exec(doc)?.[1];
  if (!block) throw new Error("docs/DESIGN.md has no ```layers block");
  return block
    .split("\n")
    .map((l) => l.replace(/#.*/, "").trim())
    .filter(Boolean)
    .map((l) => l.split(/\s+/));
}

/** Every source file under src/, relative to it. */
function sources(): string[] {
  return [...new Bun.Glob("**/*.ts").scanSync(SRC)].filter((f) => !f.endsWith(".d.ts")).sort();
}

/** The files under src/ that `file` imports (static, type-only and dynamic imports alike). */
function importsOf(file: string): string[] {
  const text = readFileSync(join(SRC, file), "utf8");
  const out: string[] = [];
  for (const m of text.matchAll(/(?:from|import)\s*\(?\s*"(\.[^"]+)"/g)) {
    const target = normalize(join(dirname(file), m[1]!));
    if (!target.startsWith("..")) out.push(target);
  }
  return out;
}

/** The unit a file belongs to: its top folder under src/, or the file itself at the root. */
const unitOf = (file: string): string => (file.includes("/") ? file.split("/")[0]! : file);

describe("layers (docs/DESIGN.md)", () => {
  const order = layers();
  const rank = new Map<string, number>();
  order.forEach((units, i) => {
    for (const u of units) rank.set(u, order.length - i);
  });

  test("every folder and root file of src/ has a layer", () => {
    const missing = [...new Set(sources().map(unitOf))].filter((u) => !rank.has(u));
    expect(missing).toEqual([]);
  });

  test("imports go down the layers only, never across to a sibling", () => {
    const wrong: string[] = [];
    for (const file of sources()) {
      const from = unitOf(file);
      for (const target of importsOf(file)) {
        const to = unitOf(target);
        if (to === from) continue;
        if (!(rank.get(to)! < rank.get(from)!)) wrong.push(`${file} → ${target} (${from} may not import ${to})`);
      }
    }
    expect(wrong).toEqual([]);
  });

  test("no import cycle between files", () => {
    const graph = new Map(sources().map((f) => [f, importsOf(f)]));
    const state = new Map<string, "open" | "done">();
    const cycles: string[] = [];
    const visit = (f: string, path: string[]): void => {
      if (state.get(f) === "done") return;
      if (state.get(f) === "open") {
        cycles.push([...path.slice(path.indexOf(f)), f].join(" → "));
        return;
      }
      state.set(f, "open");
      for (const t of graph.get(f) ?? []) visit(t, [...path, f]);
      state.set(f, "done");
    };
    for (const f of graph.keys()) visit(f, []);
    expect(cycles).toEqual([]);
  });

  test("the checker sees a wrong import when there is one", () => {
    // metrics sits below report: an import the other way must be caught
    expect(rank.get("metrics")!).toBeLessThan(rank.get("report")!);
    expect(relative(SRC, join(SRC, "metrics", "merge", "merge.ts"))).toBe("metrics/merge/merge.ts");
    expect(importsOf("load/load.ts")).toContain("load/spec.ts");
  });
});
