// cluster-helpers: shared pieces of the Kubernetes-tier controller tests: polling, free ports,
// status readers, in-process controller replicas (pkg/controller startController) and the base manifests
// (namespaces, a GatewayClass of ours, a Gateway, Services, two HTTPRoutes, a ReferenceGrant), and the
// suite hooks that start a test cluster with them and stop it (useControllerCluster).
// Must not: assert anything itself (tests do), or leave replicas running (stopAll()).
import { afterAll, beforeAll } from "vitest";
import type { Condition } from "../../pkg/api/index.ts";
import { createKubeClient, type KubeClient, type Log } from "../../pkg/k8s/index.ts";
import { parseControllerOptions } from "../../pkg/controller/options.ts";
import { startController, type ControllerHandle } from "../../pkg/controller/runtime.ts";
import { startCluster, type TestCluster } from "./cluster.ts";
import { pollFor } from "./poll.ts";

export const ME = "weft.dev/gateway-controller";
export const QUIET = { info() {}, warn() {}, error() {} };

export function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  return pollFor(what, fn, { timeoutMs, intervalMs: 200 });
}

export { freePort } from "./free-port.ts";

export type Obj = { metadata: { generation?: number; resourceVersion?: string }; status?: Record<string, unknown> };

export function ourParent(o: Obj): { conditions: Condition[] } | undefined {
  const parents = (o.status?.["parents"] ?? []) as { controllerName: string; conditions: Condition[] }[];
  return parents.find((p) => p.controllerName === ME);
}

export const cond = (list: readonly Condition[] | undefined, type: string): Condition | undefined => list?.find((c) => c.type === type);

export interface Replicas {
  start(identity: string, leaderElect: boolean, extra?: readonly string[], log?: Log): Promise<ControllerHandle>;
  /** Stops one replica (release=true releases its lease) and forgets it. */
  stop(h: ControllerHandle, release?: boolean): Promise<void>;
  stopAll(): Promise<void>;
}

export function replicaSet(cluster: () => TestCluster, leaseNamespace: string): Replicas {
  const live: ControllerHandle[] = [];
  return {
    async start(identity, leaderElect, extra = [], log = QUIET) {
      // Without a mesh CA the kube provider only serves plaintext when told to (--grpc-insecure).
      const argv = [...extra, ...(extra.includes("--ca-secret") ? [] : ["--grpc-insecure"]), "--grpc-address", "127.0.0.1", "--grpc-port", "0", "--health-port", "0", "--identity", identity,
        "--lease-namespace", leaseNamespace];
      if (leaderElect) argv.push("--leader-elect", "--lease-duration=3s", "--renew-deadline=2s", "--retry-period=500ms");
      const h = await startController(parseControllerOptions(argv, {}), log, cluster().kc);
      live.push(h);
      return h;
    },
    async stop(h, release = true) {
      const i = live.indexOf(h);
      if (i >= 0) live.splice(i, 1);
      await h.stop(release);
    },
    async stopAll() {
      for (const h of live.splice(0)) await h.stop(false).catch(() => undefined);
    },
  };
}

/**
 * Registers a suite's hooks (call inside its describe block): before all tests, a test cluster with
 * baseManifests(ns) applied, handed to `ready`; after all, every replica and then the cluster stopped.
 */
export function useControllerCluster(ns: string, replicas: Replicas, ready: (cluster: TestCluster, client: KubeClient) => void): void {
  let cluster: TestCluster | undefined;
  beforeAll(async () => {
    cluster = await startCluster();
    process.stdout.write(`test cluster started in ${cluster.startupMs} ms\n`);
    cluster.kubectl(["apply", "-f", "-"], baseManifests(ns));
    ready(cluster, createKubeClient(cluster.kc));
  }, 180_000);
  afterAll(async () => {
    await replicas.stopAll();
    await cluster?.stop();
  }, 60_000);
}

export function routeReader(client: () => KubeClient, ns: string): (name: string) => Promise<Obj> {
  return (name) => client().request<Obj>("GET", `/apis/gateway.networking.k8s.io/v1/namespaces/${ns}/httproutes/${name}`);
}

export function baseManifests(ns: string): string {
  return `
apiVersion: v1
kind: Namespace
metadata: { name: ${ns} }
---
apiVersion: v1
kind: Namespace
metadata: { name: ${ns}-backend }
---
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: { name: weft-ct }
spec: { controllerName: ${ME} }
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: gw, namespace: ${ns} }
spec:
  gatewayClassName: weft-ct
  listeners: [{ name: http, protocol: HTTP, port: 8080 }]
---
apiVersion: v1
kind: Service
metadata: { name: svc, namespace: ${ns} }
spec: { ports: [{ port: 80 }], selector: { app: svc } }
---
apiVersion: v1
kind: Service
metadata: { name: remote, namespace: ${ns}-backend }
spec: { ports: [{ port: 80 }], selector: { app: remote } }
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: local, namespace: ${ns} }
spec:
  parentRefs: [{ name: gw }]
  hostnames: ["a.example.com"]
  rules: [{ backendRefs: [{ name: svc, port: 80 }] }]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: cross, namespace: ${ns} }
spec:
  parentRefs: [{ name: gw }]
  rules: [{ backendRefs: [{ name: remote, namespace: ${ns}-backend, port: 80 }] }]
---
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: { name: allow-ct, namespace: ${ns}-backend }
spec:
  from: [{ group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: ${ns} }]
  to: [{ group: "", kind: Service }]
`;
}
