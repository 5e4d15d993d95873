// stage-cache-interrupted: a prune killed in the middle of deleting a snapshot must not leave a
// half-deleted snapshot that still reads as a cache hit (its .done present, its files partly gone).
// The kill is simulated by an rmSync that deletes the snapshot's node_modules and then throws.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync, utimesSync } from "node:fs";
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";

const interrupt = { on: false };
vi.mock("node:fs", async (importOriginal) => {
  const real = await importOriginal<typeof import("node:fs")>();
  return {
    ...real,
    rmSync: (path: fs.PathLike, opts?: fs.RmOptions) => {
      if (interrupt.on) {
        real.rmSync(join(String(path), "node_modules"), { recursive: true, force: true });
        throw new Error("killed while deleting");
      }
      real.rmSync(path, opts);
    },
  };
});

const { pruneStage } = await import("../../tools/image/stage-cache.ts");

const dirs: string[] = [];
afterEach(() => {
  interrupt.on = false;
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function snapshot(dir: string, name: string, usedAtSec: number): void {
  const s = join(dir, name);
  mkdirSync(join(s, "node_modules"), { recursive: true });
  writeFileSync(join(s, "node_modules", "x.js"), "x");
  writeFileSync(join(s, ".done"), "");
  utimesSync(join(s, ".done"), usedAtSec, usedAtSec);
}

describe("stage snapshot cache, interrupted prune", () => {
  it("never leaves a snapshot with its .done but missing files, and the next prune clears the leftover", () => {
    const d = mkdtempSync(join(tmpdir(), "weft-stages-"));
    dirs.push(d);
    snapshot(d, "build-0000000000000001", 1_000);
    snapshot(d, "build-0000000000000002", 2_000);
    interrupt.on = true;
    expect(() => pruneStage(d, "build", 1)).toThrow("killed while deleting");
    interrupt.on = false;
    for (const n of readdirSync(d).filter((x) => /^build-[0-9a-f]+$/.test(x))) {
      if (existsSync(join(d, n, ".done"))) expect(existsSync(join(d, n, "node_modules", "x.js")), `${n} reads as a hit`).toBe(true);
    }
    expect(readdirSync(d)).not.toContain("build-0000000000000001");
    expect(pruneStage(d, "build", 1)).toEqual([]);
    expect(readdirSync(d)).toEqual(["build-0000000000000002"]);
  });
});
