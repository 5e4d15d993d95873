// golden (injector): every test/golden/injector/cases/<case>.in.yaml — { config overrides,
// namespace, pod } — through mutate, compared with <case>.out.yaml — { report, patch }.
// Compared through test/support/golden.ts (UPDATE_GOLDEN=1 rewrites a differing output and fails). Cases live in a `cases/` subdirectory so
// the translate golden runner (which reads test/golden/<area>/*.in.yaml) does not pick them up.
// Every injected case is also checked for idempotence: mutate(apply(pod, patch)) is a no-op.
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import type { Namespace, Pod } from "../../pkg/api/index.ts";
import { expectGolden } from "../support/golden.ts";
import { applyJsonPatch, mutate, validateInjectorConfig, type InjectionReason, type InjectorConfig } from "../../injector/index.ts";

const DIR = resolve(import.meta.dirname, "../golden/injector");
const CASES = join(DIR, "cases");
const base = parse(readFileSync(join(DIR, "base-config.yaml"), "utf8")) as InjectorConfig;
const names = readdirSync(CASES).filter((f) => f.endsWith(".in.yaml")).map((f) => f.slice(0, -".in.yaml".length)).sort();

interface CaseInput {
  config?: Partial<InjectorConfig>;
  namespace?: Namespace | null;
  pod: Pod;
}

function runCase(name: string): { input: CaseInput; config: InjectorConfig; result: ReturnType<typeof mutate> } {
  const input = parse(readFileSync(join(CASES, `${name}.in.yaml`), "utf8")) as CaseInput;
  const config = { ...base, ...input.config };
  return { input, config, result: mutate(input.pod, input.namespace ?? undefined, config) };
}

describe("injector golden cases", () => {
  it("has a case for every decision reason and both sidecar modes", () => {
    expect(validateInjectorConfig(base)).toEqual([]);
    const reasons = new Set<InjectionReason>();
    const modes = new Set<string>();
    for (const n of names) {
      const { result } = runCase(n);
      reasons.add(result.report.reason);
      if (result.report.mode) modes.add(result.report.mode);
    }
    const all: InjectionReason[] = ["enabled-by-namespace-label", "enabled-by-pod-annotation", "enabled-by-pod-label", "already-injected", "disabled-by-pod-annotation", "disabled-by-pod-label",
      "namespace-not-enabled", "excluded-namespace", "host-network", "unsupported-os", "invalid-annotation", "invalid-pod"];
    expect([...reasons].sort()).toEqual([...all].sort());
    expect([...modes].sort()).toEqual(["native-sidecar", "sidecar-container"]);
  });

  for (const name of names) {
    it(name, () => {
      const { input, config, result } = runCase(name);
      const rendered = stringify({ report: result.report, patch: result.patch }, { lineWidth: 0, aliasDuplicateObjects: false });
      const outFile = join(CASES, `${name}.out.yaml`);
      expectGolden(outFile, rendered, { parse, rerun: "test/injector/golden.test.ts" });
      expect(result.report.injected).toBe(result.patch.length > 0);
      if (result.report.injected) {
        const injected = applyJsonPatch(input.pod, result.patch) as Pod;
        const again = mutate(injected, input.namespace ?? undefined, config);
        expect(again.report.reason).toBe("already-injected");
        expect(again.patch).toEqual([]);
      }
    });
  }
});
