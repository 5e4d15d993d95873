// gateway-objects: what the provisioner (provisioner.ts) applies for one Gateway of our class, as pure
// data — a ServiceAccount of its own (the only identity the distribution server gives that Gateway's
// slice and keys to, distribution-auth.ts), a Deployment of `weft proxy --mode gateway` running as it,
// and a Service exposing the listener ports; all owned by the Gateway (the garbage collector removes
// them with it). Also the Service's cluster IPs as the Gateway's status addresses.
// The Deployment is built to roll without dropping a request and to run under Pod Security
// `restricted`:
// - the pod binds listener ports below 1024 as UID 1337 with every capability dropped, through the
//   namespaced sysctl net.ipv4.ip_unprivileged_port_start=0 (allowed by PSS baseline and restricted;
//   an added NET_BIND_SERVICE never reaches a non-root process's effective set under the CRI);
// - `weft proxy` through the image's `weft` launcher, which runs it from the proxy bundle (Dockerfile)
//   with the proxy's node arguments from WEFT_NODE_ARGS (no V8 pretenuring, pkg/util/proxy-node-options.ts);
// - a readiness probe on the proxy's /ready (503 until a config is in force, its mesh certificate is
//   issued and every listener is bound, and from SIGTERM on), so a rollout waits for the new pod and
//   kube-proxy stops sending to it;
//   liveness on /live only once a startup probe passed (a slow start on a busy node is no failure);
// - maxUnavailable 0 / maxSurge 1; on SIGTERM the proxy keeps serving for --drain-delay-ms (endpoint
//   removal reaches every node meanwhile; each response closes its connection), on while new
//   connections still arrive up to --drain-delay-max-ms, and then drains
//   in-flight requests for --drain-ms, within terminationGracePeriodSeconds;
// - resource requests (the scheduler counts them), a memory limit;
// - POD_NAME from the downward API, so its proxies register as <ns>/<pod> with the controller;
// - weft.dev/inject: disabled (the gateway proxy is itself the mesh client; a sidecar would capture it);
// - spec.infrastructure labels and annotations on every object and the pod (GatewayInfrastructure); ours
//   win over a clash (the selector label, managed-by, weft.dev/inject).
// Takes a Gateway and the provisioner's settings; gives plain objects for server-side apply.
// Must not: do I/O, or put anything secret in the objects (the trust bundle holds public roots only).
import { createHash } from "node:crypto";
import type { Gateway, ResourceSnapshot } from "../api/index.ts";
import { GATEWAY_NODE_OPTIONS, NODE_ARGS_ENV, PROXY_NODE_ARGS } from "../util/proxy-node-options.ts";
import { DISTRIBUTION_AUDIENCE } from "../ca/index.ts";
import { proxyTracingEnv, type ProxyTracing } from "../../injector/index.ts";
import { WORKLOAD_ENV } from "../telemetry/index.ts";

export const GATEWAY_LABEL = "gateway.networking.k8s.io/gateway-name";
/** Labels every provisioned object carries (the provisioner watches its Deployments by them). */
export const MANAGED_LABELS = { "app.kubernetes.io/managed-by": "weft", "app.kubernetes.io/component": "gateway" } as const;
/** The proxy's admin port in a gateway pod: /ready, /live, /metrics. */
export const GATEWAY_ADMIN_PORT = 15021;
/** How long a terminating gateway proxy keeps serving before it closes its listeners. */
export const GATEWAY_DRAIN_DELAY_MS = 5_000;
/** ...and up to this long while new connections still arrive (a node's kube-proxy is late). */
export const GATEWAY_DRAIN_DELAY_MAX_MS = 12_000;
/** In-flight requests get this long once the listeners are closed. */
export const GATEWAY_DRAIN_MS = 15_000;
const TERMINATION_GRACE_SECONDS = 30;
export const GATEWAY_RESOURCES = { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "512Mi" } } as const;

export interface GatewayObjectSettings {
  readonly image: string;
  /** host:port proxies dial for config (the controller Service). */
  readonly controllerAddress: string;
  readonly trustDomain: string;
  /** Mesh CA roots for WEFT_TRUST_BUNDLE; absent ⇒ the controller serves plaintext (proxies get --controller-insecure). */
  readonly trustBundle?: () => string;
  /** Tracing for the gateway proxies (WEFT_TRACING_*), the controller's own. */
  readonly tracing?: ProxyTracing;
}

const TOKEN_DIR = "/var/run/secrets/weft";

/** DNS-1035 name ≤ 63 characters for the Gateway's Deployment, Service and ServiceAccount. */
export function provisionedName(gatewayName: string): string {
  const name = `weft-gw-${gatewayName}`;
  if (name.length <= 63) return name;
  const h = createHash("sha256").update(gatewayName).digest("hex").slice(0, 8);
  return `${name.slice(0, 54).replace(/[-.]+$/, "")}-${h}`;
}

function proxyContainer(gw: Gateway, ns: string, name: string, ports: readonly number[], o: GatewayObjectSettings): Record<string, unknown> {
  const probe = (path: string) => ({ httpGet: { path, port: GATEWAY_ADMIN_PORT } });
  return {
    name: "proxy",
    image: o.image,
    command: ["weft"],
    args: [
      "proxy",
      "--mode",
      "gateway",
      "--gateway",
      `${ns}/${gw.metadata.name}`,
      "--controller",
      o.controllerAddress,
      "--namespace",
      ns,
      "--service-account",
      name,
      "--trust-domain",
      o.trustDomain,
      "--token-path",
      `${TOKEN_DIR}/token`,
      "--admin-port",
      String(GATEWAY_ADMIN_PORT),
      "--drain-delay-ms",
      String(GATEWAY_DRAIN_DELAY_MS),
      "--drain-delay-max-ms",
      String(GATEWAY_DRAIN_DELAY_MAX_MS),
      "--drain-ms",
      String(GATEWAY_DRAIN_MS),
      ...(o.trustBundle === undefined ? ["--controller-insecure"] : []),
    ],
    env: [
      { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
      // Its traces' resource (pkg/telemetry resource.ts): pod, node and the Deployment it belongs to.
      { name: "NODE_NAME", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } },
      { name: WORKLOAD_ENV, value: `Deployment/${name}` },
      ...(o.tracing === undefined ? [] : proxyTracingEnv(o.tracing)),
      ...(o.trustBundle === undefined ? [] : [{ name: "WEFT_TRUST_BUNDLE", value: o.trustBundle() }]),
      { name: "NODE_OPTIONS", value: GATEWAY_NODE_OPTIONS },
      // Node arguments NODE_OPTIONS refuses (no pretenuring), put on node's command line by the `weft` launcher.
      { name: NODE_ARGS_ENV, value: PROXY_NODE_ARGS },
    ],
    volumeMounts: [{ name: "weft-token", mountPath: TOKEN_DIR, readOnly: true }],
    ports: [
      ...ports.map((p) => ({ name: `l-${p}`, containerPort: p, protocol: "TCP" })),
      { name: "admin", containerPort: GATEWAY_ADMIN_PORT, protocol: "TCP" },
    ],
    // The admin server answers once the proxy has started, which takes a while on a busy node: liveness
    // counts only after the startup probe passed (up to 2 minutes).
    startupProbe: { ...probe("/live"), periodSeconds: 1, failureThreshold: 120, timeoutSeconds: 2 },
    readinessProbe: { ...probe("/ready"), periodSeconds: 2, failureThreshold: 1, timeoutSeconds: 2 },
    livenessProbe: { ...probe("/live"), periodSeconds: 10, failureThreshold: 3, timeoutSeconds: 2 },
    resources: GATEWAY_RESOURCES,
    securityContext: {
      runAsNonRoot: true,
      runAsUser: 1337,
      runAsGroup: 1337,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
    },
  };
}

/** The string entries of a label or annotation map (the API server validates keys and values). */
function stringMap(m: Readonly<Record<string, unknown>> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(m ?? {}).filter((e): e is [string, string] => typeof e[1] === "string"));
}

export function desiredGatewayObjects(gw: Gateway, o: GatewayObjectSettings): Record<string, unknown>[] {
  const ns = gw.metadata.namespace ?? "default";
  const name = provisionedName(gw.metadata.name);
  const infra = gw.spec.infrastructure;
  const labels = { ...stringMap(infra?.labels), [GATEWAY_LABEL]: gw.metadata.name, ...MANAGED_LABELS };
  const annotations = stringMap(infra?.annotations);
  const owner = [{ apiVersion: gw.apiVersion, kind: "Gateway", name: gw.metadata.name, uid: gw.metadata.uid ?? "", controller: true, blockOwnerDeletion: true }];
  const ports = [...new Set(gw.spec.listeners.map((l) => l.port))].sort((a, b) => a - b);
  const metadata = { name, namespace: ns, labels, ...(Object.keys(annotations).length > 0 ? { annotations } : {}), ownerReferences: owner };
  return [
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata,
      spec: {
        replicas: 1,
        selector: { matchLabels: { [GATEWAY_LABEL]: gw.metadata.name } },
        strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
        template: {
          metadata: { labels, annotations: { ...annotations, "weft.dev/inject": "disabled" } },
          spec: {
            serviceAccountName: name,
            automountServiceAccountToken: false,
            terminationGracePeriodSeconds: TERMINATION_GRACE_SECONDS,
            securityContext: {
              runAsNonRoot: true,
              seccompProfile: { type: "RuntimeDefault" },
              sysctls: [{ name: "net.ipv4.ip_unprivileged_port_start", value: "0" }],
            },
            containers: [proxyContainer(gw, ns, name, ports, o)],
            volumes: [{ name: "weft-token", projected: { sources: [{ serviceAccountToken: { audience: DISTRIBUTION_AUDIENCE, expirationSeconds: 3600, path: "token" } }] } }],
          },
        },
      },
    },
    {
      apiVersion: "v1",
      kind: "Service",
      metadata,
      spec: {
        type: "ClusterIP",
        selector: { [GATEWAY_LABEL]: gw.metadata.name },
        ports: ports.map((p) => ({ name: `l-${p}`, port: p, targetPort: p, protocol: "TCP" })),
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
