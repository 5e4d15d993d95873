// ir-golden-cases: the golden corpora that start from IR, not from manifests — test/golden/router
// (IR + a proxy + requests → the rule each request gets, or why none) and test/golden/slice (IR + a
// proxy identity → that proxy's slice). Takes nothing; gives every <case>.in.yaml of a corpus with its
// .out.yaml, and reads an input strictly (unique keys, no unknown top-level key) after checking its IR
// with pkg/ir's validator — the door every proxy uses. An IR the validator refuses is an output too
// (its problem code, path and message).
// Must not: hold fixtures (every case lives in its own .in.yaml file).
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { parse } from "yaml";
import { validateIr, type IrProblem, type MeshIR } from "../../pkg/ir/index.ts";
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
