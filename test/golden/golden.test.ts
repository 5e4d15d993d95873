// golden: every test/golden/<area>/<case>.in.yaml → parse → buildSnapshot → translate → render,
// compared (parsed, deep-equal) with <case>.out.yaml through test/support/golden.ts (UPDATE_GOLDEN=1
// rewrites a differing output and fails that case; refused under CI); a missing output fails. Outputs are reviewed against the spec by hand.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { renderOutput, runTranslate } from "../../pkg/weftctl/translate-run.ts";
import { expectGolden } from "../support/golden.ts";
import { GOLDEN_DIR, goldenCases, OTHER_CORPORA, REPO_ROOT } from "./golden-cases.ts";
const cases = goldenCases();

describe("golden corpus", () => {
  it("has at least 90 cases over the required areas", () => {
    expect(cases.length).toBeGreaterThanOrEqual(90);
    const areas = new Set(cases.map((c) => c.area));
    for (const area of ["gatewayclass", "listeners", "attachment", "hostnames", "refgrant", "gamma", "consumer-producer", "backends", "endpoints", "matching", "precedence", "filters", "redirect",
      "rewrite", "mirror", "cors", "timeouts", "retry", "grpc", "invalid-input"])
    {
      expect(areas, `area ${area}`).toContain(area);
    }
  });

  it("has no .out.yaml without its .in.yaml (stale outputs of removed cases)", () => {
    const inputs = new Set(cases.map((c) => c.output));
    const outputs = readdirSync(GOLDEN_DIR).filter((a) => !OTHER_CORPORA.has(a) && statSync(join(GOLDEN_DIR, a)).isDirectory())
      .flatMap((a) => readdirSync(join(GOLDEN_DIR, a)).filter((f) => f.endsWith(".out.yaml")).map((f) => `test/golden/${a}/${f}`));
    expect(outputs.filter((o) => !inputs.has(o))).toEqual([]);
  });

  it("cases outside invalid-input parse cleanly (no ParseError/ParseWarning/DuplicateObject): they test translate", () => {
    const noisy = cases.filter((c) => c.area !== "invalid-input").flatMap((c) => {
      const run = runTranslate([{ text: readFileSync(join(REPO_ROOT, c.input), "utf8"), source: c.input }]);
      const duplicates = run.diagnostics.filter((d) => d.code === "DuplicateObject");
      return [...run.errors, ...run.warnings, ...duplicates].map((i) => `${c.input}: ${i.path ?? ""} ${i.message}`);
    });
    expect(noisy).toEqual([]);
  });

  for (const c of cases) {
    it(`${c.area}/${c.name}`, () => {
      const text = readFileSync(join(REPO_ROOT, c.input), "utf8");
      const rendered = renderOutput(runTranslate([{ text, source: c.input }]));
      expectGolden(join(REPO_ROOT, c.output), rendered, { parse, rerun: "test/golden/golden.test.ts" });
    });
  }
});
