// mutation-scope: the vitest config `npm run test:mutation` runs (test/mutation/vitest.config.ts) runs
// exactly its own list of test files — the router, translate and proxy retry/balancing/identity tests —
// and none of the suite's projects, whose includes would run every test file and start the cluster tier.
import { globSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import mutationConfig from "../mutation/vitest.config.ts";

const repo = join(import.meta.dirname, "../..");

describe("the mutation run's test scope", () => {
  it("has no projects and an include list that names existing test files only, none of the cluster tier", () => {
    const test = mutationConfig.test ?? {};
    expect(test.projects).toBeUndefined();
    const include = test.include ?? [];
    expect(include.length).toBeGreaterThan(5);
    for (const pattern of include) {
      const files = globSync(pattern, { cwd: repo });
      expect(files.length, pattern).toBeGreaterThan(0);
      for (const f of files) expect(f, pattern).not.toMatch(/\.cluster\.test\.ts$|^test\/e2e\//);
    }
  });
});
