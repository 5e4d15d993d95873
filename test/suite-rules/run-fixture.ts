// run-fixture: runs vitest with the project's config (reporters included) on one file of
// test/suite-rules/fixtures, as a separate process with CI and UPDATE_GOLDEN cleared unless given.
// Gives the exit status, all output, and the last line of stdout (the summary line).
import { spawnSync } from "node:child_process";
import { join } from "node:path";

const repo = join(import.meta.dirname, "../..");

export function runFixture(file: string, ci: boolean, extraEnv: Record<string, string> = {}): { status: number | null; out: string; last: string } {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("VITEST") && k !== "CI" && k !== "UPDATE_GOLDEN"));
  const r = spawnSync(process.execPath, [join(repo, "node_modules/vitest/vitest.mjs"), "run", "--config", "test/suite-rules/fixtures/vitest.config.ts"], {
    cwd: repo,
    encoding: "utf8",
    timeout: 60_000,
    env: { ...env, ...extraEnv, WEFT_FIXTURE: file, ...(ci ? { CI: "true" } : {}) },
  });
  return { status: r.status, out: `${r.stdout}${r.stderr}`, last: r.stdout.trim().split("\n").pop() ?? "" };
}
