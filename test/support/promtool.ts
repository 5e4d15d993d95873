// promtool: Prometheus's own checker for what Weft serves on /metrics — `promtool check metrics`
// (github.com/prometheus/prometheus/cmd/promtool, built by scripts/build-test-cluster.sh promtool).
// Gives `promtoolTier` (the "promtool" tier gate: a skip with the reason, or a failure under CI) and
// promtoolCheck(text): promtool's complaints about an exposition text, "" when it passes.
// Must not: fetch anything (callers hand it the text).
import { spawnSync } from "node:child_process";
import { pieceBin, toolsetMissing } from "../../tools/toolset.ts";
import { requireTier } from "./tiers.ts";

const promtool = pieceBin("promtool", "promtool");
export const promtoolTier = requireTier("promtool", toolsetMissing(["promtool"]) ?? (promtool === undefined ? "promtool binary missing: run scripts/build-test-cluster.sh promtool" : undefined));

export function promtoolCheck(text: string): string {
  if (promtool === undefined) throw new Error("promtool not built: run scripts/build-test-cluster.sh promtool");
  if (!/^# HELP /m.test(text)) return "no metric families in the text";
  const r = spawnSync(promtool, ["check", "metrics"], { input: text, encoding: "utf8", timeout: 30_000 });
  return r.status === 0 ? "" : `${r.stdout}${r.stderr}`.trim() || `promtool exited ${r.status}`;
}
