// provisioner: gives every Gateway of our GatewayClass its data plane (gateway-objects.ts: its
// ServiceAccount, Deployment and Service), applied with server-side apply (idempotent; no write when
// the desired object did not change since the last apply), and watches those Deployments (by the
// labels it puts on them) so the Gateway's Programmed condition can follow their readiness
// (workload(); onWorkloadChange fires on every change).
// Takes snapshots (after translate, leader only, for reconcile) and a KubeClient; gives reconcile,
// workload and stop.
// Must not: touch objects it does not own, or throw out of reconcile (failures are logged).
import type { KubeConfig } from "@kubernetes/client-node";
import type { ResourceSnapshot } from "../api/index.ts";
import type { KubeClient, Log, WatchSource } from "../k8s/index.ts";
import { apiPath, startWatchSource } from "../k8s/index.ts";
import type { GatewayWorkload } from "../status/index.ts";
import { canonicalJson } from "../util/canonical-json.ts";
import { MANAGED_LABELS, desiredGatewayObjects, provisionedName, type GatewayObjectSettings } from "./gateway-objects.ts";

export const FIELD_MANAGER = "weft-controller";

export interface ProvisionerOptions extends GatewayObjectSettings {
  readonly client: KubeClient;
  /** For the Deployment watch; absent ⇒ no watch (workload() knows nothing). */
  readonly kc?: KubeConfig;
  readonly controllerName: string;
  readonly log: Log;
  /** A provisioned Deployment changed (its readiness feeds Gateway status). */
  readonly onWorkloadChange?: () => void;
}

export interface Provisioner {
  reconcile(snapshot: ResourceSnapshot): Promise<number>;
  /** The Gateway's provisioned Deployment as last seen, or undefined when there is none. */
  workload(namespace: string, gatewayName: string): GatewayWorkload | undefined;
  stop(): void;
}

interface DeploymentView {
  metadata?: { name?: string; namespace?: string; generation?: number };
  spec?: { replicas?: number };
  status?: { observedGeneration?: number; replicas?: number; readyReplicas?: number; conditions?: { type?: string; status?: string; message?: string }[] };
}

/** A Deployment's status as a GatewayWorkload. */
export function workloadOf(d: DeploymentView): GatewayWorkload {
  const failure = d.status?.conditions?.find((c) => c.type === "ReplicaFailure" && c.status === "True");
  return {
    deployment: `${d.metadata?.namespace ?? ""}/${d.metadata?.name ?? ""}`,
    replicas: d.spec?.replicas ?? 1,
    readyReplicas: d.status?.readyReplicas ?? 0,
    ...(failure !== undefined ? { replicaFailure: failure.message ?? "ReplicaFailure" } : {}),
  };
}

function pathOf(o: Record<string, unknown>): string {
  const m = o["metadata"] as { name: string; namespace: string };
  if (o["kind"] === "Deployment") return apiPath("apps", "v1", "deployments", m.namespace, m.name);
  return apiPath("", "v1", o["kind"] === "ServiceAccount" ? "serviceaccounts" : "services", m.namespace, m.name);
}

const DEPLOYMENTS = { group: "apps", versions: ["v1"], plural: "deployments" } as const;

export function createProvisioner(opts: ProvisionerOptions): Provisioner {
  const applied = new Map<string, string>();
  const watch: WatchSource | undefined = opts.kc === undefined ? undefined : startWatchSource({
    kc: opts.kc,
    client: opts.client,
    resource: DEPLOYMENTS,
    log: opts.log,
    labelSelector: Object.entries(MANAGED_LABELS).map(([k, v]) => `${k}=${v}`).join(","),
    onEvent: () => opts.onWorkloadChange?.(),
  });
  return {
    async reconcile(snapshot: ResourceSnapshot): Promise<number> {
      const ours = new Set(snapshot.gatewayClasses.filter((c) => c.spec.controllerName === opts.controllerName).map((c) => c.metadata.name));
      let writes = 0;
      for (const gw of snapshot.gateways) {
        if (!ours.has(gw.spec.gatewayClassName) || gw.metadata.uid === undefined) continue;
        // The ServiceAccount first, so the Deployment's pods can be created at once.
        const objs = desiredGatewayObjects(gw, opts).sort((a, b) => Number(b["kind"] === "ServiceAccount") - Number(a["kind"] === "ServiceAccount"));
        for (const obj of objs) {
          const path = pathOf(obj);
          const hash = canonicalJson(obj);
          if (applied.get(path) === hash) continue;
          try {
            await opts.client.request("PATCH", path, {
              body: obj,
              contentType: "application/apply-patch+yaml",
              query: { fieldManager: FIELD_MANAGER, force: "true" },
            });
            applied.set(path, hash);
            writes++;
          } catch (err) {
            opts.log.warn({ path, err: err instanceof Error ? err.message : String(err) }, "gateway provisioning failed");
          }
        }
      }
      return writes;
    },
    workload(namespace: string, gatewayName: string): GatewayWorkload | undefined {
      const name = provisionedName(gatewayName);
      const d = watch?.list().find((o) => o.metadata?.namespace === namespace && o.metadata.name === name);
      return d === undefined ? undefined : workloadOf(d);
    },
    stop(): void {
      watch?.stop();
    },
  };
}
