// tier-files: which test files belong to which tier group, read from the tier gates themselves
// (tiers.ts): a gate is `const <name> = requireTier("<tier>", …)`. A file belongs to a tier when it
// declares such a gate itself, or names a gate a support module exports (`export const clusterTier =
// requireTier(…)`; a file names it to declare tests through it — lint allows no unused import). Groups: "cluster" — files needing a Kubernetes API server, Helm or the real node
// (kube-cluster, helm, real-node, and every *.cluster.test.ts); "e2e" — whole processes and network
// namespaces (netns, unprivileged-user, jaeger, h2spec, promlint, and everything under test/e2e); "unit" — the rest: no
// prerequisite outside node_modules. `npm run test:unit|test:cluster|test:e2e` run one group; `npm test` runs all.
// Takes the repository root; gives the test files of a group (repo-relative, sorted).
// Must not: run anything, or decide a file's group from anything but its gates and its path.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";

export type TierGroup = "unit" | "cluster" | "e2e";

/** The tier group each tier name belongs to (a tier not listed here is a cluster tier). */
export const TIER_GROUPS: Readonly<Record<string, TierGroup>> = {
  "kube-cluster": "cluster",
  helm: "cluster",
  "real-node": "cluster",
  netns: "e2e",
  "unprivileged-user": "e2e",
  jaeger: "e2e",
  h2spec: "e2e",
  promlint: "e2e",
};

function walk(dir: string, keep: (p: string) => boolean): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === "node_modules" || name === "fixtures") continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p, keep));
    else if (keep(p)) out.push(p);
  }
  return out;
}

/** Exported gate name → tier, from every `export const <name> = requireTier("<tier>"` in the given texts. */
export function exportedGates(texts: ReadonlyMap<string, string>): Map<string, string> {
  const gates = new Map<string, string>();
  for (const text of texts.values()) {
    for (const m of text.matchAll(/\bexport\s+const\s+(\w+)\s*=\s*requireTier\(\s*"([a-z0-9-]+)"/g)) gates.set(m[1]!, m[2]!);
  }
  return gates;
}

/** The group of one test file, from the gates it declares or names, and its path. */
export function groupOf(file: string, text: string, gates: ReadonlyMap<string, string>): TierGroup {
  const tiers = [...text.matchAll(/\brequireTier\(\s*"([a-z0-9-]+)"/g)].map((m) => m[1]!);
  for (const [name, tier] of gates) if (new RegExp(`\\b${name}\\b`).test(text)) tiers.push(tier);
  const groups = new Set<TierGroup>(tiers.map((t) => TIER_GROUPS[t] ?? "cluster"));
  if (file.endsWith(".cluster.test.ts")) groups.add("cluster");
  if (file.startsWith("test/e2e/")) groups.add("e2e");
  return groups.has("cluster") ? "cluster" : groups.has("e2e") ? "e2e" : "unit";
}

/** Every *.test.ts file under test/ (repo-relative) with its group. */
export function testFileGroups(root: string): Map<string, TierGroup> {
  const texts = new Map<string, string>();
  for (const p of walk(join(root, "test"), (f) => f.endsWith(".ts"))) texts.set(relative(root, p).split(sep).join("/"), readFileSync(p, "utf8"));
  const gates = exportedGates(texts);
  const out = new Map<string, TierGroup>();
  for (const [file, text] of [...texts].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (file.endsWith(".test.ts")) out.set(file, groupOf(file, text, gates));
  }
  return out;
}
