// golden-rules: expected outputs never rewrite themselves. Through test/support/golden.ts, run by
// vitest on a fixture: a missing expected file fails (and is not created), UPDATE_GOLDEN rewrites a
// differing file and the run ends red, UPDATE_GOLDEN under CI refuses to run; and no test reads
// UPDATE_GOLDEN but that helper.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { goldenUpdateMode } from "../support/golden.ts";
import { runFixture } from "./run-fixture.ts";
import { testSourcesMatching } from "./test-sources.ts";

const tmp = mkdtempSync(join(tmpdir(), "weft-golden-rules-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("golden files under test/support/golden.ts", { timeout: 60_000 }, () => {
  it("a missing expected file fails with the hint and is not created", () => {
    const file = join(tmp, "missing.txt");
    const r = runFixture("golden.fixture.ts", false, { WEFT_GOLDEN_FILE: file });
    expect(r.out).toMatch(/missing\.txt is missing: run UPDATE_GOLDEN=1 npx vitest run golden\.fixture\.ts, then review it/);
    expect(r.status).toBe(1);
    expect(existsSync(file)).toBe(false);
  });

  it("UPDATE_GOLDEN=1 rewrites a differing file and the run ends red", () => {
    const file = join(tmp, "stale.txt");
    writeFileSync(file, "wrong\n");
    const r = runFixture("golden.fixture.ts", false, { WEFT_GOLDEN_FILE: file, UPDATE_GOLDEN: "1" });
    expect(r.out).toContain("UPDATE_GOLDEN rewrote");
    expect(r.last).toBe("0 passed, 1 failed, 0 skipped");
    expect(r.status).toBe(1);
    expect(readFileSync(file, "utf8")).toBe("right\n");
    const again = runFixture("golden.fixture.ts", false, { WEFT_GOLDEN_FILE: file });
    expect(again.last).toBe("1 passed, 0 failed, 0 skipped");
  });

  it("UPDATE_GOLDEN=1 under CI refuses to run and touches nothing", () => {
    const file = join(tmp, "ci.txt");
    writeFileSync(file, "wrong\n");
    const r = runFixture("golden.fixture.ts", true, { WEFT_GOLDEN_FILE: file, UPDATE_GOLDEN: "1" });
    expect(r.out).toContain("UPDATE_GOLDEN refuses to run under CI");
    expect(r.status).toBe(1);
    expect(readFileSync(file, "utf8")).toBe("wrong\n");
  });

  it("reads the switch the same way everywhere", () => {
    expect(goldenUpdateMode({})).toBe(false);
    expect(goldenUpdateMode({ UPDATE_GOLDEN: "0" })).toBe(false);
    expect(goldenUpdateMode({ UPDATE_GOLDEN: "1" })).toBe(true);
    expect(goldenUpdateMode({ UPDATE_GOLDEN: "1", CI: "false" })).toBe(true);
    expect(() => goldenUpdateMode({ UPDATE_GOLDEN: "true", CI: "1" })).toThrow(/refuses to run under CI/);
  });
});

it("no test reads UPDATE_GOLDEN except test/support/golden.ts", () => {
  expect(testSourcesMatching(/env(\.UPDATE_GOLDEN|\[["']UPDATE_GOLDEN)/, (f) => f.endsWith("test/support/golden.ts"))).toEqual([]);
});
