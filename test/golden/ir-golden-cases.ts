// ir-golden-cases: the golden corpora that start from IR, not from manifests — test/golden/router
// (IR + a proxy + requests → the rule each request gets, or why none) and test/golden/slice (IR + a
// proxy identity → that proxy's slice). Takes nothing; gives every <case>.in.yaml of a corpus with its
// .out.yaml, and reads an input strictly (unique keys, no unknown top-level key) after checking its IR
// with pkg/ir's validator — the door every proxy uses. An IR the validator refuses is an output too
// (its problem code, path and message). irGoldenSuite: a corpus's tests, one per case, its output compared
// with the .out.yaml through test/support/golden.ts.
// Must not: hold fixtures (every case lives in its own .in.yaml file).
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { validateIr, type IrProblem, type MeshIR } from "../../pkg/ir/index.ts";
import { expectGolden } from "../support/golden.ts";
import { GOLDEN_DIR, REPO_ROOT } from "./golden-cases.ts";

export interface IrCase {
  readonly name: string;
  readonly input: string;
  readonly output: string;
}

export function irCases(corpus: "router" | "slice"): IrCase[] {
  const dir = join(GOLDEN_DIR, corpus);
  return readdirSync(dir).filter((f) => f.endsWith(".in.yaml")).sort().map((f) => {
    const name = f.slice(0, -".in.yaml".length);
    return { name, input: relative(REPO_ROOT, join(dir, f)), output: relative(REPO_ROOT, join(dir, `${name}.out.yaml`)) };
  });
}

export type IrInput<T> = { readonly ir: MeshIR; readonly rest: T } | { readonly invalid: IrProblem };

/** Reads a case: its `ir` through validateIr, the other keys (exactly `keys`) as given. */
export function readIrCase<T extends Record<string, unknown>>(c: IrCase, keys: readonly (keyof T & string)[]): IrInput<T> {
  const doc = parse(readFileSync(join(REPO_ROOT, c.input), "utf8"), { uniqueKeys: true, strict: true }) as Record<string, unknown>;
  const unknown = Object.keys(doc).filter((k) => k !== "ir" && !keys.includes(k));
  if (unknown.length > 0) throw new Error(`${c.input}: unknown top-level keys ${unknown.join(", ")} (allowed: ir, ${keys.join(", ")})`);
  const checked = validateIr(doc["ir"]);
  if (!checked.ok) return { invalid: checked.problem };
  return { ir: checked.ir, rest: doc as T };
}

/**
 * The tests of `corpus` under `title`: one that it holds at least `min` cases (named `claim`), then one per
 * case that compares `render(case)`, as YAML, with the case's .out.yaml.
 */
export function irGoldenSuite(corpus: "router" | "slice", title: string, claim: string, min: number, render: (c: IrCase) => unknown): void {
  const cases = irCases(corpus);
  describe(title, () => {
    it(claim, () => {
      expect(cases.length).toBeGreaterThanOrEqual(min);
    });
    for (const c of cases) {
      it(c.name, () => {
        expectGolden(join(REPO_ROOT, c.output), stringify(render(c), { lineWidth: 0 }), { parse, rerun: `test/golden/${corpus}-golden.test.ts` });
      });
    }
  });
}
