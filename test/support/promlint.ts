// promlint: Prometheus's metrics linter for what Weft serves on /metrics — the check
// `promtool check metrics` runs (client_golang's promlint over the text exposition format), built from
// tools/promlint by scripts/build-test-cluster.sh promlint at the library versions Prometheus pins.
// Gives `promlintTier` (the "promlint" tier gate: a skip with the reason, or a failure under CI) and
// promlintCheck(text): the linter's complaints about an exposition text, "" when it passes.
// Must not: fetch anything (callers hand it the text).
import { spawnSync } from "node:child_process";
import { pieceBin, toolsetMissing } from "../../tools/toolset.ts";
import { requireTier } from "./tiers.ts";

const promlint = pieceBin("promlint", "promlint");
export const promlintTier = requireTier("promlint", toolsetMissing(["promlint"]) ?? (promlint === undefined ? "promlint binary missing: run scripts/build-test-cluster.sh promlint" : undefined));

export function promlintCheck(text: string): string {
  if (promlint === undefined) throw new Error("promlint not built: run scripts/build-test-cluster.sh promlint");
  if (!/^# HELP /m.test(text)) return "no metric families in the text";
  const r = spawnSync(promlint, [], { input: text, encoding: "utf8", timeout: 30_000 });
  return r.status === 0 ? "" : `${r.stdout}${r.stderr}`.trim() || `promlint exited ${r.status}`;
}
