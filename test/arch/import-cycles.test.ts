// import-cycles: no import loop anywhere in the library (pkg/, injector/) or its wiring (cmd/): a loop makes two files one
// unit that can only be read, tested and moved together. Type-only imports count. The detector itself
// is checked on small graphs, so a broken detector cannot pass the real check by finding nothing.
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { importCycles, importGraph, sourceFiles } from "./import-graph.ts";

const root = resolve(import.meta.dirname, "../..");

describe("import cycles", () => {
  it("the detector finds loops of one, two and three files, and nothing in a tree", () => {
    const g = (edges: Record<string, string[]>) => new Map(Object.entries(edges));
    expect(importCycles(g({ a: ["b"], b: ["c"], c: [] }))).toEqual([]);
    expect(importCycles(g({ a: ["a"] }))).toEqual([["a"]]);
    expect(importCycles(g({ a: ["b"], b: ["a"], c: ["a"] }))).toEqual([["a", "b"]]);
    expect(importCycles(g({ x: ["y"], y: ["z"], z: ["x"], a: ["b"], b: ["a"] }))).toEqual([["a", "b"], ["x", "y", "z"]]);
  });

  it("pkg/, injector/ and cmd/ hold no import loop", () => {
    const files = [...sourceFiles(join(root, "pkg")), ...sourceFiles(join(root, "injector")), ...sourceFiles(join(root, "cmd"))];
    expect(files.length).toBeGreaterThan(100);
    expect(importCycles(importGraph(root, files))).toEqual([]);
  });
});
