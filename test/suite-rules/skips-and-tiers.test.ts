// skips-and-tiers: the suite cannot go green by skipping. Runs vitest with the project's config on
// fixture files (test/suite-rules/fixtures) and checks what the summary reporter and the exit code
// say: under CI a missing tier fails naming the tier, an unlisted skip fails; outside CI both are
// skipped and counted. Also: the allow-list rules, no test file skips around the tier gate, and
// scripts/build-test-cluster.sh fails (naming the tiers) without go.
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllowList, readAllowList, unexpectedSkips } from "../support/skip-rules.ts";
import { ALLOW_LIST } from "../support/summary-reporter.ts";
import { runFixture } from "./run-fixture.ts";

const repo = join(import.meta.dirname, "../..");

describe("skips and tiers under the summary reporter", { timeout: 60_000 }, () => {
  // [what, fixture, under CI, what the output says, the closing line, the exit status]
  const runs: [string, string, boolean, string[], string, number][] = [
    ["under CI a missing tier fails, naming the tier and why", "missing-tier.fixture.ts", true, [
      'test tier "fixture-tier" is missing in CI: the fixture never has it',
      "tier missing in CI: fixture-tier: the fixture never has it (1 test failed)",
    ], "1 passed, 1 failed, 0 skipped", 1],
    ["outside CI a missing tier skips its tests, counted and explained", "missing-tier.fixture.ts", false, [
      "tier missing: fixture-tier: the fixture never has it (2 tests skipped)",
    ], "1 passed, 0 failed, 2 skipped", 0],
    ["under CI a skip that test/allowed-skips.json does not list fails the run", "raw-skip.fixture.ts", true, [
      "skipped under CI and not in test/allowed-skips.json: test/suite-rules/fixtures/raw-skip.fixture.ts > is skipped without a reason anyone allowed",
    ], "1 passed, 1 failed, 0 skipped", 1],
    ["outside CI the same skip is counted on the closing line", "raw-skip.fixture.ts", false, [], "1 passed, 0 failed, 1 skipped", 0],
  ];
  for (const [what, fixture, ci, says, last, status] of runs) {
    it(what, () => {
      const r = runFixture(fixture, ci);
      for (const s of says) expect(r.out).toContain(s);
      expect(r.last).toBe(last);
      expect(r.status).toBe(status);
    });
  }
});

describe("the allow-list", () => {
  it("is valid, and every entry names one test and says why", () => {
    expect(() => readAllowList(ALLOW_LIST)).not.toThrow();
    expect(() => parseAllowList('{"allowed":[{"test":"test/a.test.ts > x"}]}', "t")).toThrow(/must say why/);
    expect(() => parseAllowList('{"allowed":[{"why":"because it cannot run here"}]}', "t")).toThrow(/no "test"/);
    expect(() => parseAllowList("[]", "t")).toThrow(/expected/);
  });

  it("allows a listed skip under CI and nothing unlisted; outside CI nothing is unexpected", () => {
    const allowed = parseAllowList('{"allowed":[{"test":"test/a.test.ts > x","why":"needs hardware this machine lacks"}]}', "t");
    const skipped = [{ id: "test/a.test.ts > x" }, { id: "test/a.test.ts > y" }];
    expect(unexpectedSkips(skipped, allowed, true)).toEqual([{ id: "test/a.test.ts > y" }]);
    expect(unexpectedSkips(skipped, allowed, false)).toEqual([]);
  });
});

function testFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return f === "node_modules" || f === "fixtures" ? [] : testFiles(p);
    return p.endsWith(".ts") ? [p] : [];
  });
}

describe("no way around the gate", () => {
  it("no test file skips by itself: tiers go through requireTier (test/support/tiers.ts), nothing else skips", () => {
    const offenders = [...testFiles(join(repo, "test")), ...testFiles(join(repo, "injector"))]
      .filter((f) => !f.endsWith("test/support/tiers.ts") && !f.endsWith("suite-rules/skips-and-tiers.test.ts"))
      .flatMap((f) => readFileSync(f, "utf8").split("\n").map((l, i) => ({ f, i, l })))
      .filter(({ l }) => /\b(describe|it|test|suite)\.(skip|skipIf|runIf|todo)\b|\bctx\.skip\(|\bcontext\.skip\(/.test(l))
      .map(({ f, i, l }) => `${relative(repo, f)}:${i + 1}: ${l.trim()}`);
    expect(offenders).toEqual([]);
  });

  it("scripts/build-test-cluster.sh fails without go and names the tiers it cannot build", () => {
    const r = spawnSync("bash", ["scripts/build-test-cluster.sh"], { cwd: repo, encoding: "utf8", timeout: 30_000, env: { PATH: "/usr/bin:/bin", HOME: "/nonexistent" } });
    expect(r.stderr).toContain("go not found on PATH: cannot build test tiers kube-cluster, helm and real-node");
    expect(r.status).toBe(1);
  });
});
