// golden: the one way a test compares an output with its expected file (test/golden, the injector and
// explain corpora, capture rules). Takes the expected file, the actual text and how to compare (text,
// or parsed); gives nothing or a failed expectation. UPDATE_GOLDEN=1 rewrites a file that differs
// and then FAILS that test (a rewriting run proves nothing: review the diff, then run again without
// it); under CI (test/support/ci-env.ts) UPDATE_GOLDEN refuses to run at all.
// Must not: create or rewrite an expected file without UPDATE_GOLDEN, or pass a test it rewrote.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { relative, resolve } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { expect } from "vitest";
import { isCi } from "./ci-env.ts";

const repo = resolve(import.meta.dirname, "../..");

/** True when UPDATE_GOLDEN is set (to anything but "" or "0"); throws under CI. */
export function goldenUpdateMode(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = env["UPDATE_GOLDEN"];
  if (v === undefined || v === "" || v === "0") return false;
  if (isCi(env)) throw new Error("UPDATE_GOLDEN refuses to run under CI: expected outputs are rewritten on a developer's machine and reviewed, never by a CI run");
  return true;
}

export interface GoldenOptions {
  /** Compare parsed values instead of text (e.g. YAML, so formatting does not matter). */
  readonly parse?: (text: string) => unknown;
  /** The vitest filter that regenerates this corpus, for the hint on a missing file. */
  readonly rerun: string;
  readonly env?: NodeJS.ProcessEnv;
}

export function expectGolden(file: string, actual: string, opts: GoldenOptions): void {
  const update = goldenUpdateMode(opts.env);
  const name = relative(repo, file);
  const expected = existsSync(file) ? readFileSync(file, "utf8") : undefined;
  const same = (): boolean =>
    expected !== undefined &&
    (opts.parse === undefined ? actual === expected : isDeepStrictEqual(opts.parse(actual), opts.parse(expected)));
  if (update) {
    if (same()) return;
    writeFileSync(file, actual);
    expect.fail(`UPDATE_GOLDEN rewrote ${name}: review the diff against the spec, then run again without UPDATE_GOLDEN (a rewriting run proves nothing)`);
  }
  if (expected === undefined) expect.fail(`${name} is missing: run UPDATE_GOLDEN=1 npx vitest run ${opts.rerun}, then review it`);
  if (opts.parse === undefined) expect(actual).toBe(expected);
  else expect(opts.parse(actual)).toEqual(opts.parse(expected));
}
