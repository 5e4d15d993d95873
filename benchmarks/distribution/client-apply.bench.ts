// client-apply bench: CPU cost of one proxy applying an update (decode + hash check + structural
// validation + assembly) for the bench IR's sidecar slice (300 resources), full and one-resource
// diff. Bounded by count. Prints JSON lines. Usage: node benchmarks/distribution/client-apply.bench.ts
import { EMPTY_CLIENT_STATE, applyUpdate } from "../../pkg/distribution/apply-update.ts";
import { NOTHING_HELD, buildSnapshot, buildUpdate } from "../../pkg/distribution/snapshot.ts";
import type { ProxyIdentity } from "../../pkg/distribution/slice.ts";
import { buildIr } from "./bench-ir.ts";

const proxy: ProxyIdentity = { namespace: "ns1", serviceAccount: "default", pod: "p", kind: "sidecar" };
const s1 = buildSnapshot(buildIr(1), proxy, "k");
const s2 = buildSnapshot(buildIr(2), proxy, "k");
const full = buildUpdate(NOTHING_HELD, s1.encoded);
const diff = buildUpdate(s1.encoded, s2.encoded);
const first = applyUpdate(EMPTY_CLIENT_STATE, full);
if (!first.ok) throw new Error(first.reason);

function measure(name: string, n: number, fn: () => void): void {
  for (let i = 0; i < 20; i++) fn();
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) fn();
  const us = ((performance.now() - t0) / n) * 1000;
  const cpu = process.cpuUsage(c0);
  const cpuUs = (cpu.user + cpu.system) / n;
  console.log(JSON.stringify({ bench: `distribution.client-apply.${name}`, resources: s1.encoded.resources.size, usPerUpdate: Math.round(us), cpuUsPerUpdate: Math.round(cpuUs) }));
}

measure("full", 200, () => {
  if (!applyUpdate(EMPTY_CLIENT_STATE, full).ok) throw new Error("rejected");
});
measure("one-changed", Number(process.env["N"] ?? 500), () => {
  if (!applyUpdate(first.state, diff).ok) throw new Error("rejected");
});
