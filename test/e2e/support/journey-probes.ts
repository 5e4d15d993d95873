// journey-probes: what the user journey (journey.cluster.test.ts) looks at, the way a user would —
// running a script in an app container (kubectl exec), a route's status conditions, the proxies' own
// config (the admin /config that `weftctl proxy-config` reads) to know which proxies serve a route, their
// /metrics through Prometheus's metrics linter, and, for a failing step, the report issue 15 item 4 asks for: pod status,
// events and container logs of the namespaces involved, `weftctl proxy-config` of the relevant proxies
// and the routes' status.
// Takes the SharedCluster; gives plain values and text. Must not: change the cluster's objects.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { routeBackendClusters } from "../../../pkg/ir/index.ts";
import { fetchProxyConfig } from "../../../pkg/weftctl/proxy-config.ts";
import { repoRoot } from "../../../tools/toolset.ts";
import { promlintCheck } from "../../support/promlint.ts";
import type { SharedCluster } from "../../support/node/shared-cluster.ts";

const NODE = join(repoRoot, "node_modules/.bin/node");

/** Runs an ES module script with node in a pod's `app` container; gives its stdout. */
export function inPod(c: SharedCluster, ns: string, pod: string, script: string, timeoutMs = 60_000): string {
  return c.kubectl(["-n", ns, "exec", pod, "-c", "app", "--", "node", "--input-type=module", "-e", script], undefined, timeoutMs);
}

/** A script that GETs `url` n times (headers given) and prints {statuses, versions, pods, errors} as JSON; http-demo answers carry version and pod. */
export function countScript(url: string, n: number, headers: Readonly<Record<string, string>> = {}): string {
  return `const out = { statuses: {}, versions: {}, pods: {}, errors: [] };
for (let i = 0; i < ${n}; i++) {
  try {
    const r = await fetch(${JSON.stringify(url)}, { headers: ${JSON.stringify(headers)}, signal: AbortSignal.timeout(5000) });
    const text = await r.text();
    out.statuses[r.status] = (out.statuses[r.status] ?? 0) + 1;
    let b = {}; try { b = JSON.parse(text); } catch {}
    const leaf = b.upstream?.body ?? b;
    if (leaf.version !== undefined) out.versions[leaf.version] = (out.versions[leaf.version] ?? 0) + 1;
    if (leaf.pod !== undefined) out.pods[leaf.pod] = (out.pods[leaf.pod] ?? 0) + 1;
  } catch (e) { out.errors.push(String(e.cause?.code ?? e.message)); }
}
console.log(JSON.stringify(out));`;
}

export interface Counts {
  statuses: Record<string, number>;
  versions: Record<string, number>;
  pods: Record<string, number>;
  errors: string[];
}

export interface RouteCondition {
  type: string;
  status: string;
  reason: string;
  message: string;
}

/** The conditions of a route's first parent status (ours), or []. */
export function routeConditions(c: SharedCluster, ns: string, kind: "httproute" | "grpcroute", name: string): RouteCondition[] {
  const r = JSON.parse(c.kubectl(["-n", ns, "get", kind, name, "-o", "json"])) as { status?: { parents?: { controllerName: string; conditions?: RouteCondition[] }[] } };
  return r.status?.parents?.find((p) => p.controllerName === "weft.dev/gateway-controller")?.conditions ?? [];
}

interface AnyPod {
  metadata: { name: string; namespace: string; labels?: Record<string, string>; deletionTimestamp?: string };
  spec: { initContainers?: { name: string }[]; containers: { name: string }[] };
  status?: { phase?: string; podIP?: string };
}

/**
 * Admin URLs of every Weft proxy running in the cluster — sidecars (admin :15020) in any namespace and
 * provisioned gateway pods (:15021) — so counts compare with what the controllers see, whatever other
 * tests run beside the journey.
 */
export function clusterProxyAdmins(c: SharedCluster): string[] {
  const all = (JSON.parse(c.kubectl(["get", "pods", "-A", "-o", "json"])) as { items: AnyPod[] }).items
    .filter((p) => p.status?.phase === "Running" && p.status.podIP !== undefined && p.metadata.deletionTimestamp === undefined);
  const sidecars = all.filter((p) => [...(p.spec.initContainers ?? []), ...p.spec.containers].some((x) => x.name === "weft-proxy")).map((p) => `http://${p.status?.podIP}:15020`);
  const gateways = all.filter((p) => p.metadata.labels?.["app.kubernetes.io/managed-by"] === "weft" && p.metadata.labels["app.kubernetes.io/component"] === "gateway")
    .map((p) => `http://${p.status?.podIP}:15021`);
  return [...sidecars, ...gateways];
}

/** How many of these proxies (admin base URLs) hold `routeKey` ("HTTPRoute/<ns>/<name>") in the config they run. */
export async function proxiesServing(admins: readonly string[], routeKey: string): Promise<number> {
  let n = 0;
  for (const admin of admins) {
    const { ir } = await fetchProxyConfig(admin);
    if (ir !== null && routeBackendClusters(ir).has(routeKey)) n++;
  }
  return n;
}

/** Prometheus's metrics linter (`promtool check metrics`'s check) on the text a /metrics endpoint serves; gives its complaints ("" when clean). */
export async function promlintProblems(metricsUrl: string): Promise<string> {
  const res = await fetch(metricsUrl, { signal: AbortSignal.timeout(5_000) });
  if (!res.ok) throw new Error(`GET ${metricsUrl}: HTTP ${res.status}`);
  return promlintCheck(await res.text());
}

function safe(fn: () => string): string {
  try {
    return fn();
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

/** What a failing step prints: each namespace's pods, events and logs, the proxies' config, the routes' status. */
export function failureReport(c: SharedCluster, o: { namespaces: readonly string[]; proxyAdmins: readonly string[]; routes: readonly { ns: string; kind: string; name: string }[] }): string {
  const parts = o.namespaces.map((ns) => c.dump(ns));
  for (const admin of o.proxyAdmins) {
    parts.push(`--- weftctl proxy-config --admin ${admin} --section routes`, safe(() => {
      const r = spawnSync(NODE, [join(repoRoot, "cmd/weftctl.ts"), "proxy-config", "--admin", admin, "--section", "routes"], { encoding: "utf8", timeout: 20_000 });
      return `${r.stdout}${r.stderr}`;
    }));
  }
  for (const r of o.routes) {
    parts.push(`--- ${r.kind} ${r.ns}/${r.name} status`, safe(() => c.kubectl(["-n", r.ns, "get", r.kind, r.name, "-o", "jsonpath={.status}"], undefined, 20_000)));
  }
  return parts.join("\n");
}
