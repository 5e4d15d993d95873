// helm: runs the real Helm binary built by scripts/build-test-cluster.sh on mesh-charts/weft.
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { parseAllDocuments } from "yaml";
import { pieceBin, toolsetMissing } from "../../tools/toolset.ts";
import { requireTier } from "../support/tiers.ts";

export const chartDir = resolve(import.meta.dirname, "../../mesh-charts/weft");
export const helmBin = pieceBin("helm", "helm");
export const helmSkipReason = helmBin === undefined ? toolsetMissing(["helm"]) ?? "helm not built: run scripts/setup-test-deps.sh" : undefined;
export const helmTier = requireTier("helm", helmSkipReason);

export interface HelmResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function helm(args: readonly string[]): HelmResult {
  const r = spawnSync(helmBin!, [...args], { encoding: "utf8", timeout: 60_000 });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  [k: string]: unknown;
}

/** `helm template` for release "weft" in weft-system; throws with Helm's stderr on failure. */
export function render(extra: readonly string[] = []): { text: string; objects: K8sObject[] } {
  const r = helm(["template", "weft", chartDir, "--namespace", "weft-system", "--kube-version", "1.34.0", ...extra]);
  if (r.status !== 0) throw new Error(`helm template failed: ${r.stderr}`);
  const objects = parseAllDocuments(r.stdout).map((d) => d.toJS() as K8sObject | null).filter((o): o is K8sObject => o !== null);
  return { text: r.stdout, objects };
}
