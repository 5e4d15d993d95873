// resource: who a process is, as OpenTelemetry resource attributes (semantic conventions: service.*,
// k8s.*), so a trace viewer shows one service per workload: a sidecar is `<workload>.<namespace>` (its
// Deployment, StatefulSet… or, for a bare Pod, the Pod's name), a gateway `<gateway>.<namespace>`, the
// controller `weft-controller` — the way Istio names `productpage.default`. The injector and the gateway
// provisioner hand the pod's facts over through the downward API (POD_NAME, POD_NAMESPACE, NODE_NAME) and
// WEFT_WORKLOAD (`<Kind>/<name>`); OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES are applied on top when
// tracing starts (tracing.ts, the SDK's env detector) and win, as in every OpenTelemetry SDK.
// Takes what a process knows of itself; gives the service name and the other attributes.
// Must not: read the environment or the file system itself (callers pass what they know), or throw.

export const WORKLOAD_ENV = "WEFT_WORKLOAD";
export const CONTROLLER_SERVICE_NAME = "weft-controller";

/** The workload owning a pod, `<Kind>/<name>` (Deployment/reviews-v2, StatefulSet/db, Pod/web-0). */
export interface WorkloadRef {
  readonly kind: string;
  readonly name: string;
}

export interface ProcessIdentity {
  readonly role: "gateway" | "sidecar" | "controller";
  readonly namespace?: string | undefined;
  readonly pod?: string | undefined;
  /** The container the process runs in (k8s.container.name; part of service.instance.id). */
  readonly container?: string | undefined;
  readonly node?: string | undefined;
  /** A gateway's Gateway. */
  readonly gateway?: { readonly namespace: string; readonly name: string } | undefined;
  /** The pod's owning workload (WEFT_WORKLOAD). */
  readonly workload?: WorkloadRef | undefined;
  /** The Weft release (service.version). */
  readonly version?: string | undefined;
}

export interface ProcessResource {
  readonly serviceName: string;
  /** Every other resource attribute (service.name excluded). */
  readonly attributes: Readonly<Record<string, string>>;
}

/** `Deployment/reviews-v2` → {kind, name}; undefined when empty or not of that shape. */
export function parseWorkloadRef(value: string | undefined): WorkloadRef | undefined {
  const m = /^([A-Za-z]{1,63})\/([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?)$/.exec(value?.trim() ?? "");
  return m === null ? undefined : { kind: m[1]!, name: m[2]! };
}

/** k8s.<kind>.name for the workload kinds the semantic conventions name. */
const KIND_ATTRIBUTE: Readonly<Record<string, string>> = {
  Deployment: "k8s.deployment.name",
  StatefulSet: "k8s.statefulset.name",
  DaemonSet: "k8s.daemonset.name",
  ReplicaSet: "k8s.replicaset.name",
  Job: "k8s.job.name",
  CronJob: "k8s.cronjob.name",
};

const present = (v: string | undefined): v is string => v !== undefined && v !== "";

export function processResource(p: ProcessIdentity): ProcessResource {
  const namespace = p.gateway?.namespace ?? p.namespace;
  const attrs: Record<string, string> = { "weft.proxy.mode": p.role };
  if (p.role === "controller") delete attrs["weft.proxy.mode"];
  const workloadName = p.role === "gateway" ? p.gateway?.name : p.workload?.name ?? p.pod;
  const base = p.role === "controller" ? CONTROLLER_SERVICE_NAME : workloadName ?? `weft-${p.role}`;
  const serviceName = p.role !== "controller" && present(namespace) && present(workloadName) ? `${base}.${namespace}` : base;
  if (present(namespace)) {
    attrs["service.namespace"] = namespace;
    attrs["k8s.namespace.name"] = namespace;
  }
  if (present(p.pod)) attrs["k8s.pod.name"] = p.pod;
  if (present(p.container)) attrs["k8s.container.name"] = p.container;
  if (present(p.node)) attrs["k8s.node.name"] = p.node;
  if (present(p.version)) attrs["service.version"] = p.version;
  const kindKey = p.workload === undefined ? undefined : KIND_ATTRIBUTE[p.workload.kind];
  if (kindKey !== undefined) attrs[kindKey] = p.workload!.name;
  if (p.gateway !== undefined) attrs["weft.gateway"] = `${p.gateway.namespace}/${p.gateway.name}`;
  // semconv (service.instance.id on Kubernetes): <namespace>.<pod>.<container>.
  if (present(namespace) && present(p.pod)) attrs["service.instance.id"] = [namespace, p.pod, ...(present(p.container) ? [p.container] : [])].join(".");
  return { serviceName, attributes: attrs };
}
