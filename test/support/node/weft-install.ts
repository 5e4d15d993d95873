// weft-install: Weft installed on the shared real-node cluster the way the README tells a platform
// engineer: `helm install weft mesh-charts/weft -n weft-system --create-namespace --wait`, chart
// defaults but the sidecar's CPU request (SIDECAR_CPU_REQUEST: the node has 2 CPUs, and at the chart's
// 50m the scheduler fits only about 30 meshed pods — fewer than the Gateway API conformance suite runs),
// the locally built image (its real name is the chart's default, present on the node), and
// tracing on (`tracing.enabled`, chart-default sampling) towards the in-cluster Jaeger of examples/jaeger
// (TRACE_ENDPOINT, cluster-jaeger.ts), which the journey (test/e2e/journey.cluster.test.ts) deploys,
// with one mesh-wide resource attribute through `tracing.otelEnv` (TRACE_ENVIRONMENT, which the journey
// finds on every span's process); while Jaeger is not there, the proxies' few sampled spans are dropped.
// Files that need the mesh call installWeft(); the first one installs, under a lock, the rest find
// the release deployed. Takes the SharedCluster; gives the install time (0 when already there).
// Must not: change the release of another file (it never upgrades or uninstalls).
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { pieceBin, repoRoot } from "../../../tools/toolset.ts";
import { TRACE_ENDPOINT } from "./cluster-jaeger.ts";
import type { SharedCluster } from "./shared-cluster.ts";

export const WEFT_NAMESPACE = "weft-system";
/** The sidecar's CPU request on the 2-CPU test node (chart default 50m; a CPU request only weights CPU shares). */
export const SIDECAR_CPU_REQUEST = "5m";
/** deployment.environment.name of every proxy, set through the chart's tracing.otelEnv.OTEL_RESOURCE_ATTRIBUTES. */
export const TRACE_ENVIRONMENT = "weft-test-node";

export function installWeft(c: SharedCluster): number {
  const helm = pieceBin("helm", "helm");
  if (helm === undefined) throw new Error("helm not built: run scripts/build-test-cluster.sh helm");
  const t0 = Date.now();
  const script = [
    `"$0" --kubeconfig="$1" status weft -n ${WEFT_NAMESPACE} >/dev/null 2>&1 && exit 0`,
    `exec "$0" --kubeconfig="$1" install weft "$2" -n ${WEFT_NAMESPACE} --create-namespace --wait --timeout 5m`
    + ` --set tracing.enabled=true --set tracing.endpoint=${TRACE_ENDPOINT}`
    + ` --set tracing.otelEnv.OTEL_RESOURCE_ATTRIBUTES=deployment.environment.name=${TRACE_ENVIRONMENT}`
    + ` --set proxy.resources.requests.cpu=${SIDECAR_CPU_REQUEST}`,
  ].join("\n");
  const r = spawnSync("flock", [join(c.info.dir, "weft-install.lock"), "sh", "-c", script, helm, c.info.kubeconfig, join(repoRoot, "mesh-charts/weft")], {
    encoding: "utf8",
    timeout: 400_000,
  });
  if (r.status !== 0) throw new Error(`helm install weft failed: ${r.stdout}${r.stderr}\n${c.dump(WEFT_NAMESPACE)}`);
  return r.stdout.includes("STATUS: deployed") ? Date.now() - t0 : 0;
}
