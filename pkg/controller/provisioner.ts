// provisioner: gives every Gateway of our GatewayClass its data plane — a
// dedicated ServiceAccount (the only identity the distribution server gives that Gateway's slice and
// keys to, distribution-auth.ts), a Deployment of `weft proxy --mode gateway` running as it
// (projected ServiceAccount token for the controller's audience, WEFT_TRUST_BUNDLE = the mesh roots
// that verify the controller's TLS, NODE_OPTIONS = the proxy's V8 heap flags from
// pkg/util/proxy-node-options.ts) and a Service exposing the listener ports — owned by the Gateway (so
// the garbage collector removes them with it), applied with server-side apply (idempotent; no
// write when the desired object did not change since the last apply). It also reports the
// addresses (the Service's cluster IPs) that Gateway status carries.
// Takes snapshots (after translate, leader only) and a KubeClient; gives reconcile(snapshot) and the
// pure desiredGatewayObjects / gatewayAddresses helpers.
// Must not: touch objects it does not own, or throw out of reconcile (failures are logged).
import { createHash } from "node:crypto";
import type { Gateway, ResourceSnapshot } from "../api/index.ts";
import type { KubeClient, Log } from "../k8s/index.ts";
import { apiPath } from "../k8s/index.ts";
import { canonicalJson } from "../util/canonical-json.ts";
import { PROXY_NODE_OPTIONS } from "../util/proxy-node-options.ts";
import { DISTRIBUTION_AUDIENCE } from "../ca/index.ts";

export const FIELD_MANAGER = "weft-controller";
export const GATEWAY_LABEL = "gateway.networking.k8s.io/gateway-name";

export interface ProvisionerOptions {
  readonly client: KubeClient;
  readonly controllerName: string;
  readonly image: string;
  /** host:port proxies dial for config (the controller Service). */
  readonly controllerAddress: string;
  readonly trustDomain: string;
  /** Mesh CA roots for WEFT_TRUST_BUNDLE; absent ⇒ the controller serves plaintext (proxies get --controller-insecure). */
  readonly trustBundle?: () => string;
  readonly log: Log;
}

const TOKEN_DIR = "/var/run/secrets/weft";

/** DNS-1035 name ≤ 63 characters for the Gateway's Deployment and Service. */
export function provisionedName(gatewayName: string): string {
  const name = `weft-gw-${gatewayName}`;
  if (name.length <= 63) return name;
  const h = createHash("sha256").update(gatewayName).digest("hex").slice(0, 8);
  return `${name.slice(0, 54).replace(/[-.]+$/, "")}-${h}`;
}

export function desiredGatewayObjects(gw: Gateway, opts: Pick<ProvisionerOptions, "image" | "controllerAddress" | "trustDomain" | "trustBundle">): Record<string, unknown>[] {
  const ns = gw.metadata.namespace ?? "default";
  const name = provisionedName(gw.metadata.name);
  const labels = { [GATEWAY_LABEL]: gw.metadata.name, "app.kubernetes.io/managed-by": "weft", "app.kubernetes.io/component": "gateway" };
  const owner = [{ apiVersion: gw.apiVersion, kind: "Gateway", name: gw.metadata.name, uid: gw.metadata.uid ?? "", controller: true, blockOwnerDeletion: true }];
  const ports = [...new Map(gw.spec.listeners.map((l) => [l.port, l])).values()].sort((a, b) => a.port - b.port);
  const metadata = { name, namespace: ns, labels, ownerReferences: owner };
  return [
    {
      apiVersion: "apps/v1", kind: "Deployment", metadata,
      spec: {
        replicas: 1,
        selector: { matchLabels: { [GATEWAY_LABEL]: gw.metadata.name } },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: name,
            automountServiceAccountToken: false,
            containers: [{
              name: "proxy", image: opts.image,
              args: [
                "proxy", "--mode", "gateway", "--gateway", `${ns}/${gw.metadata.name}`, "--controller", opts.controllerAddress,
                "--namespace", ns, "--service-account", name, "--trust-domain", opts.trustDomain, "--token-path", `${TOKEN_DIR}/token`,
                ...(opts.trustBundle === undefined ? ["--controller-insecure"] : []),
              ],
              env: [
                ...(opts.trustBundle === undefined ? [] : [{ name: "WEFT_TRUST_BUNDLE", value: opts.trustBundle() }]),
                { name: "NODE_OPTIONS", value: PROXY_NODE_OPTIONS },
              ],
              volumeMounts: [{ name: "weft-token", mountPath: TOKEN_DIR, readOnly: true }],
              ports: ports.map((l) => ({ name: `l-${l.port}`, containerPort: l.port, protocol: "TCP" })),
              securityContext: { runAsNonRoot: true, runAsUser: 1337, allowPrivilegeEscalation: false },
            }],
            volumes: [{ name: "weft-token", projected: { sources: [{ serviceAccountToken: { audience: DISTRIBUTION_AUDIENCE, expirationSeconds: 3600, path: "token" } }] } }],
          },
        },
      },
    },
    {
      apiVersion: "v1", kind: "Service", metadata,
      spec: {
        type: "ClusterIP",
        selector: { [GATEWAY_LABEL]: gw.metadata.name },
        ports: ports.map((l) => ({ name: `l-${l.port}`, port: l.port, targetPort: l.port, protocol: "TCP" })),
      },
    },
    { apiVersion: "v1", kind: "ServiceAccount", metadata, automountServiceAccountToken: false },
  ];
}

/** Our provisioned Service's cluster IPs for a Gateway, as Gateway status addresses. */
export function gatewayAddresses(snapshot: ResourceSnapshot, namespace: string, gatewayName: string): { type: string; value: string }[] | undefined {
  const svc = snapshot.services.find((s) => s.metadata.namespace === namespace && s.metadata.name === provisionedName(gatewayName));
  const ips = svc?.spec.clusterIPs ?? (svc?.spec.clusterIP !== undefined ? [svc.spec.clusterIP] : []);
  const usable = ips.filter((ip) => ip !== "" && ip !== "None");
  return usable.length === 0 ? undefined : usable.map((value) => ({ type: "IPAddress", value }));
}

function pathOf(o: Record<string, unknown>): string {
  const m = o["metadata"] as { name: string; namespace: string };
  if (o["kind"] === "Deployment") return apiPath("apps", "v1", "deployments", m.namespace, m.name);
  return apiPath("", "v1", o["kind"] === "ServiceAccount" ? "serviceaccounts" : "services", m.namespace, m.name);
}

export function createProvisioner(opts: ProvisionerOptions): { reconcile(snapshot: ResourceSnapshot): Promise<number> } {
  const applied = new Map<string, string>();
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
              body: obj, contentType: "application/apply-patch+yaml", query: { fieldManager: FIELD_MANAGER, force: "true" },
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
  };
}
