// tier-groups: `npm run test:unit|test:cluster|test:e2e` split the suite by the tier gates
// (test/support/tier-files.ts), so unit runs need nothing outside node_modules and together the three
// run every test file `npm test` runs.
import { readdirSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { describe, expect, it } from "vitest";
import { exportedGates, groupOf, testFileGroups } from "../support/tier-files.ts";

const root = join(import.meta.dirname, "../..");

function allTestFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    if (n === "fixtures") return [];
    return statSync(p).isDirectory() ? allTestFiles(p) : p.endsWith(".test.ts") ? [relative(root, p).split(sep).join("/")] : [];
  });
}

describe("tier groups", () => {
  const groups = testFileGroups(root);
  it("every test file is in exactly one group, and the groups together are the whole suite", () => {
    expect([...groups.keys()].sort()).toEqual(allTestFiles(join(root, "test")).sort());
    expect(new Set(groups.values())).toEqual(new Set(["unit", "cluster", "e2e"]));
  });
  it("files go where their gates say", () => {
    expect(groups.get("test/k8s/cluster-controller.test.ts")).toBe("cluster");
    expect(groups.get("test/chart/chart-render.test.ts")).toBe("cluster");
    expect(groups.get("test/capture/capture-netns.test.ts")).toBe("e2e");
    expect(groups.get("test/e2e/local-units.test.ts")).toBe("e2e");
    expect(groups.get("test/golden/golden.test.ts")).toBe("unit");
    expect(groups.get("test/arch/module-boundaries.test.ts")).toBe("unit");
  });
  it("a file's own gate, a named exported gate, the .cluster.test.ts name and test/e2e decide; nothing else", () => {
    const gates = exportedGates(new Map([["s.ts", 'export const dbTier = requireTier("kube-cluster", x);\nexport const nsTier = requireTier("netns", y);']]));
    expect(gates).toEqual(new Map([["dbTier", "kube-cluster"], ["nsTier", "netns"]]));
    expect(groupOf("test/a/x.test.ts", 'import { nsTier } from "./s.ts";\nnsTier.it("x", () => {});', gates)).toBe("e2e");
    expect(groupOf("test/a/x.test.ts", 'const t = requireTier("helm", m);', gates)).toBe("cluster");
    expect(groupOf("test/a/x.test.ts", "import { nsTier, dbTier } from './s.ts';", gates)).toBe("cluster");
    expect(groupOf("test/a/y.cluster.test.ts", "", gates)).toBe("cluster");
    expect(groupOf("test/e2e/z.test.ts", "", gates)).toBe("e2e");
    expect(groupOf("test/a/w.test.ts", "const notATier = 1; // dbTierish", gates)).toBe("unit");
  });
});
