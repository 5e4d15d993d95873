// golden-cases: finds the golden corpus files. Takes nothing; gives every
// test/golden/<area>/<case>.in.yaml with its expected .out.yaml path (skipping other components'
// corpora that share test/golden, e.g. injector/).
// Must not: hold fixtures (every case lives in its own .in.yaml file).
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";

export const GOLDEN_DIR = resolve(import.meta.dirname);
export const REPO_ROOT = resolve(GOLDEN_DIR, "../..");

/** Directories under test/golden that hold other components' corpora (not translate cases). */
export const OTHER_CORPORA: ReadonlySet<string> = new Set(["injector", "explain", "router", "slice"]);

export interface GoldenCase {
  readonly area: string;
  readonly name: string;
  /** Path relative to the repo root, as weftctl is given it. */
  readonly input: string;
  readonly output: string;
}

export function goldenCases(): GoldenCase[] {
  const out: GoldenCase[] = [];
  for (const area of readdirSync(GOLDEN_DIR).sort()) {
    const dir = join(GOLDEN_DIR, area);
    if (OTHER_CORPORA.has(area) || !statSync(dir).isDirectory()) continue;
    for (const file of readdirSync(dir).filter((f) => f.endsWith(".in.yaml")).sort()) {
      const name = file.slice(0, -".in.yaml".length);
      out.push({
        area,
        name,
        input: relative(REPO_ROOT, join(dir, file)),
        output: relative(REPO_ROOT, join(dir, `${name}.out.yaml`)),
      });
    }
  }
  return out;
}

export function hasOutput(c: GoldenCase): boolean {
  return existsSync(join(REPO_ROOT, c.output));
}
