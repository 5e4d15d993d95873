// stage-cache: the image builder keeps a bounded number of stage snapshots (the unbounded cache filled
// this machine's disk: 91 snapshots, 38 GB), least recently used first out, other stages untouched.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { markUsed, pruneStage } from "../../tools/image/stage-cache.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function stagesDir(): string {
  const d = mkdtempSync(join(tmpdir(), "weft-stages-"));
  dirs.push(d);
  return d;
}

function snapshot(dir: string, name: string, usedAtSec: number, done = true): string {
  const s = join(dir, name);
  mkdirSync(join(s, "node_modules"), { recursive: true });
  writeFileSync(join(s, "node_modules", "x.js"), "x");
  if (done) {
    writeFileSync(join(s, ".done"), "");
    utimesSync(join(s, ".done"), usedAtSec, usedAtSec);
  }
  return s;
}

describe("stage snapshot cache", () => {
  it("keeps the most recently used snapshots of a stage and removes the rest", () => {
    const d = stagesDir();
    for (let i = 0; i < 6; i++) snapshot(d, `build-${"a".repeat(15)}${i}`, 1_000 + i);
    const gone = pruneStage(d, "build", 4);
    expect(gone.sort()).toEqual([`build-${"a".repeat(15)}0`, `build-${"a".repeat(15)}1`]);
    expect(readdirSync(d).sort()).toEqual([2, 3, 4, 5].map((i) => `build-${"a".repeat(15)}${i}`));
  });

  it("counts a cache hit as a use, so an old snapshot still in use survives", () => {
    const d = stagesDir();
    const old = snapshot(d, "build-0000000000000001", 1_000);
    for (let i = 2; i <= 5; i++) snapshot(d, `build-000000000000000${i}`, 2_000 + i);
    markUsed(old);
    expect(pruneStage(d, "build", 4)).toEqual(["build-0000000000000002"]);
    expect(readdirSync(d)).toContain("build-0000000000000001");
  });

  it("leaves other stages and snapshots still being written alone", () => {
    const d = stagesDir();
    for (let i = 0; i < 3; i++) snapshot(d, `deps-000000000000000${i}`, 1_000 + i);
    snapshot(d, "build-00000000000000aa", 5_000);
    snapshot(d, "build-00000000000000bb", 1, false);
    snapshot(d, "build-extra-00000000000000cc", 1);
    expect(pruneStage(d, "build", 0)).toEqual(["build-00000000000000aa"]);
    expect(readdirSync(d).sort()).toEqual(["build-00000000000000bb", "build-extra-00000000000000cc", "deps-0000000000000000", "deps-0000000000000001", "deps-0000000000000002"]);
  });
});
