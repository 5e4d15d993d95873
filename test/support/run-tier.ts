// run-tier: `node test/support/run-tier.ts unit|cluster|e2e [vitest args…]` — runs the test files of
// one tier group (tier-files.ts) with the project's vitest config and summary reporter, and exits
// with vitest's code. What `npm run test:unit`, `test:cluster` and `test:e2e` run.
// Must not: change which tests exist or how they are gated (a missing tier under CI still fails).
import { spawnSync } from "node:child_process";
import { join, resolve } from "node:path";
import { testFileGroups } from "./tier-files.ts";

const root = resolve(import.meta.dirname, "../..");
const [group, ...rest] = process.argv.slice(2);
if (group !== "unit" && group !== "cluster" && group !== "e2e") {
  process.stderr.write("usage: node test/support/run-tier.ts unit|cluster|e2e [vitest args…]\n");
  process.exit(2);
}
const files = [...testFileGroups(root)].filter(([, g]) => g === group).map(([f]) => f);
const r = spawnSync(join(root, "node_modules/.bin/vitest"), ["run", ...rest, ...files], { cwd: root, stdio: "inherit" });
process.exit(r.status ?? 1);
