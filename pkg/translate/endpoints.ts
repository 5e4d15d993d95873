// endpoints: takes the clusters translate needs (namespace/service/port/protocol) and the snapshot's
// EndpointSlices and Pods, gives ClusterIR with endpoints. Spec §3: endpoints come from EndpointSlices
// labelled kubernetes.io/service-name (manually created slices and headless Services included, IPv4
// and IPv6); the endpoint port is the slice port whose name equals the Service port's name; ready /
// serving / terminating are kept (ready and serving default true, terminating false); identity is
// spiffe://<td>/ns/<ns>/sa/<sa> from the Pod named by targetRef, and only when that Pod runs a Weft
// sidecar (pkg/api podRunsWeftSidecar; `meshedPods: "all"` for local mode, where every Pod runs one):
// an endpoint without identity is dialled in plaintext, so a meshed client reaches unmeshed pods (and
// gateway pods) as the app alone would. The Service's weft.dev/max-*
// annotations become the cluster's limits (backend-limits.ts).
// Must not: touch route tables: this is the whole of the endpoint fast path.
import { podRunsWeftSidecar, type EndpointSlice, type Service } from "../api/index.ts";
import type { ClusterIR, EndpointIR, UpstreamProtocol } from "../ir/types.ts";
import { backendLimitsOf } from "./backend-limits.ts";
import { findServicePort } from "./backend-refs.ts";
import type { EndpointIndex } from "./snapshot-index.ts";
import { nsOf } from "./snapshot-index.ts";

export const MAX_ENDPOINTS_PER_CLUSTER = 10_000;

/** Which Pods are meshed: those running a Weft sidecar container (a cluster), or all (local mode). */
export type MeshedPods = "with-sidecar" | "all";

/** How endpoints get their expected SPIFFE identity. */
export interface IdentityPolicy {
  readonly trustDomain: string;
  readonly meshedPods: MeshedPods;
}

export interface ClusterSpec {
  readonly id: string;
  readonly namespace: string;
  readonly service: string;
  readonly port: number;
  readonly protocol: UpstreamProtocol;
}

function identityOf(eps: EndpointIndex, sliceNs: string, targetRef: { kind?: string; namespace?: string; name?: string } | undefined, policy: IdentityPolicy): string | undefined {
  if (targetRef?.kind !== "Pod" || targetRef.name === undefined) return undefined;
  const ns = targetRef.namespace ?? sliceNs;
  const pod = eps.pods.get(`${ns}/${targetRef.name}`);
  if (pod === undefined || (policy.meshedPods === "with-sidecar" && !podRunsWeftSidecar(pod))) return undefined;
  return `spiffe://${policy.trustDomain}/ns/${ns}/sa/${pod.spec?.serviceAccountName ?? "default"}`;
}

export function clusterEndpoints(spec: ClusterSpec, svc: Service | undefined, eps: EndpointIndex, policy: IdentityPolicy): EndpointIR[] {
  if (svc === undefined) return [];
  const sp = findServicePort(svc, spec.port);
  if (sp === undefined) return [];
  const portName = sp.name ?? "";
  const seen = new Map<string, EndpointIR>();
  for (const slice of eps.slicesByService.get(`${spec.namespace}/${spec.service}`) ?? []) {
    try {
      addSlice(seen, slice, portName, eps, policy);
    } catch {
      // A malformed slice contributes no endpoints; the others still do.
    }
  }
  return [...seen.values()].sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : a.port - b.port));
}

function addSlice(seen: Map<string, EndpointIR>, slice: EndpointSlice, portName: string, eps: EndpointIndex, policy: IdentityPolicy): void {
  if (slice.addressType !== "IPv4" && slice.addressType !== "IPv6") return;
  const slicePort = (slice.ports ?? []).find((p) => (p.name ?? "") === portName);
  const port = slicePort?.port;
  if (port === undefined || !Number.isInteger(port) || port < 1 || port > 65535) return;
  const sliceNs = nsOf(slice.metadata);
  for (const ep of slice.endpoints ?? []) {
    if (ep === null || typeof ep !== "object") continue;
    const ready = ep.conditions?.ready ?? true;
    const serving = ep.conditions?.serving ?? ready;
    const terminating = ep.conditions?.terminating ?? false;
    const identity = identityOf(eps, sliceNs, ep.targetRef, policy);
    for (const address of ep.addresses ?? []) {
      const key = `${address}|${port}`;
      if (seen.has(key) || seen.size >= MAX_ENDPOINTS_PER_CLUSTER) continue;
      seen.set(key, {
        address,
        port,
        ready,
        serving,
        terminating,
        ...(ep.zone === undefined ? {} : { zone: ep.zone }),
        ...(identity === undefined ? {} : { identity }),
      });
    }
  }
}

export function buildClusters(specs: readonly ClusterSpec[], services: ReadonlyMap<string, Service>, eps: EndpointIndex, policy: IdentityPolicy): ClusterIR[] {
  return [...specs]
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((s) => {
      const svc = services.get(`${s.namespace}/${s.service}`);
      const limits = backendLimitsOf(svc).limits;
      return {
        id: s.id,
        namespace: s.namespace,
        service: s.service,
        port: s.port,
        protocol: s.protocol,
        endpoints: clusterEndpoints(s, svc, eps, policy),
        ...(limits === undefined ? {} : { limits }),
      };
    });
}
