// summary-reporter: prints the one closing line CI reads: "N passed, N failed, N skipped".
// Counts every test case once by its final state; a file that failed without a failing test case
// (it did not load, or a beforeAll/afterAll hook failed) counts as one failure. Above that line it
// names every missing test tier (test/support/tiers.ts) and, when CI is set, every skip that
// test/allowed-skips.json does not allow: such a skip counts as a failure and the run exits 1.
// Must not: let a CI run with an unexpected skip exit 0, or count a test twice.
import { join, relative } from "node:path";
import type { Reporter, TestModule } from "vitest/node";
import { isCi } from "./ci-env.ts";
import { readAllowList, unexpectedSkips, type SkippedTest } from "./skip-rules.ts";

const repo = join(import.meta.dirname, "../..");
export const ALLOW_LIST = join(repo, "test/allowed-skips.json");

export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): void {
    let passed = 0;
    let failed = 0;
    const skipped: SkippedTest[] = [];
    const tiers = new Map<string, number>();
    for (const mod of testModules) {
      let failedHere = 0;
      for (const test of mod.children.allTests()) {
        const state = test.result().state;
        const tier = test.meta().tierMissing;
        if (tier !== undefined) tiers.set(tier, (tiers.get(tier) ?? 0) + 1);
        if (state === "passed") passed++;
        else if (state === "failed") failedHere++;
        else skipped.push({ id: `${relative(repo, mod.moduleId)} > ${test.fullName}`, ...(tier === undefined ? {} : { tierMissing: tier }) });
      }
      // A file that failed without a failing test (load error, failing beforeAll/afterAll) counts once.
      if (failedHere === 0 && mod.state() === "failed") failedHere = 1;
      failed += failedHere;
    }
    failed += unhandledErrors.length;
    const ci = isCi();
    const lines: string[] = [];
    for (const [tier, n] of [...tiers].sort()) lines.push(`tier missing${ci ? " in CI" : ""}: ${tier} (${n} test${n === 1 ? "" : "s"} ${ci ? "failed" : "skipped"})`);
    let unexpected: SkippedTest[] = [];
    try {
      unexpected = unexpectedSkips(skipped, readAllowList(ALLOW_LIST), ci);
    } catch (e) {
      lines.push(`allow-list unreadable: ${e instanceof Error ? e.message : String(e)}`);
      failed++;
    }
    for (const s of unexpected) lines.push(`skipped under CI and not in test/allowed-skips.json: ${s.id}`);
    failed += unexpected.length;
    const skippedCount = skipped.length - unexpected.length;
    if (failed > 0) process.exitCode = 1;
    process.stdout.write(`\n${lines.map((l) => `${l}\n`).join("")}${passed} passed, ${failed} failed, ${skippedCount} skipped\n`);
  }
}
