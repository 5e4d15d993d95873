// snapshot-index: takes a ResourceSnapshot, gives sorted copies of every list (so translate output
// is independent of input order) and Maps keyed by "ns/name" for O(1) lookups (10,000 routes over
// 1,000 Services must stay linear).
// Must not: change objects; it only indexes them.
import type {
  EndpointSlice,
  Gateway,
  GatewayClass,
  GRPCRoute,
  HTTPRoute,
  Namespace,
  Pod,
  ReferenceGrant,
  ResourceSnapshot,
  Secret,
  Service,
} from "../api/index.ts";
import { canonicalJson } from "../util/canonical-json.ts";
import { cmp } from "./diagnostics.ts";

export const SERVICE_NAME_LABEL = "kubernetes.io/service-name";

export interface SnapshotIndex {
  readonly gatewayClasses: readonly GatewayClass[];
  readonly gateways: readonly Gateway[];
  readonly httpRoutes: readonly HTTPRoute[];
  readonly grpcRoutes: readonly GRPCRoute[];
  readonly services: ReadonlyMap<string, Service>;
  readonly sortedServices: readonly Service[];
  readonly namespaces: ReadonlyMap<string, Namespace>;
  readonly secrets: ReadonlyMap<string, Secret>;
  readonly gatewaysByKey: ReadonlyMap<string, Gateway>;
  readonly classesByName: ReadonlyMap<string, GatewayClass>;
  /** ReferenceGrants by the namespace they live in (the target namespace, spec §5). */
  readonly grantsByNamespace: ReadonlyMap<string, readonly ReferenceGrant[]>;
}

export function nsOf(meta: { readonly namespace?: string }): string {
  return meta.namespace ?? "default";
}

export function keyOf(meta: { readonly namespace?: string; readonly name: string }): string {
  return `${nsOf(meta)}/${meta.name}`;
}

/** Stable sort of objects by namespace/name (then uid, then creationTimestamp for exact duplicates). */
export function sortObjects<T extends { readonly metadata: { readonly namespace?: string; readonly name: string; readonly uid?: string; readonly creationTimestamp?: string } }>(
  items: readonly T[],
): T[] {
  return [...(items ?? [])].filter((o) => typeof o?.metadata?.name === "string").sort((a, b) =>
    cmp(nsOf(a.metadata), nsOf(b.metadata)) || cmp(a.metadata.name, b.metadata.name) ||
    cmp(a.metadata.uid ?? "", b.metadata.uid ?? "") || cmp(a.metadata.creationTimestamp ?? "", b.metadata.creationTimestamp ?? "") ||
    cmp(tieKey(a), tieKey(b))
  );
}

/** Last tie-break between objects with equal identity: their canonical JSON ("" when unserialisable). */
function tieKey(o: unknown): string {
  try {
    return canonicalJson(o);
  } catch {
    return "";
  }
}

/** Sorted, one object per namespace/name (the first after sorting wins: input order never matters). */
export function uniqueObjects<T extends { readonly metadata: { readonly namespace?: string; readonly name: string; readonly uid?: string; readonly creationTimestamp?: string } }>(
  items: readonly T[],
): T[] {
  const out: T[] = [];
  let last: string | undefined;
  for (const o of sortObjects(items)) {
    const k = keyOf(o.metadata);
    if (k !== last) out.push(o);
    last = k;
  }
  return out;
}

function byKey<T extends { readonly metadata: { readonly namespace?: string; readonly name: string } }>(items: readonly T[]): Map<string, T> {
  const m = new Map<string, T>();
  for (const o of items) if (!m.has(keyOf(o.metadata))) m.set(keyOf(o.metadata), o);
  return m;
}

export function indexSnapshot(s: ResourceSnapshot): SnapshotIndex {
  const classes = uniqueObjects(s.gatewayClasses ?? []);
  const gateways = uniqueObjects(s.gateways ?? []);
  const services = uniqueObjects(s.services ?? []);
  const grants = new Map<string, ReferenceGrant[]>();
  for (const g of sortObjects(s.referenceGrants ?? [])) {
    const ns = nsOf(g.metadata);
    const list = grants.get(ns);
    if (list) list.push(g);
    else grants.set(ns, [g]);
  }
  const namespaces = new Map<string, Namespace>();
  for (const n of sortObjects(s.namespaces ?? [])) if (!namespaces.has(n.metadata.name)) namespaces.set(n.metadata.name, n);
  const classesByName = new Map<string, GatewayClass>();
  for (const c of classes) if (!classesByName.has(c.metadata.name)) classesByName.set(c.metadata.name, c);
  return {
    gatewayClasses: classes,
    gateways,
    httpRoutes: uniqueObjects(s.httpRoutes ?? []),
    grpcRoutes: uniqueObjects(s.grpcRoutes ?? []),
    services: byKey(services),
    sortedServices: services,
    namespaces,
    secrets: byKey(sortObjects(s.secrets ?? [])),
    gatewaysByKey: byKey(gateways),
    classesByName,
    grantsByNamespace: grants,
  };
}

/** EndpointSlices and Pods indexed for cluster building (the endpoint fast path uses only this). */
export interface EndpointIndex {
  /** Slices by "ns/serviceName", sorted by slice name. */
  readonly slicesByService: ReadonlyMap<string, readonly EndpointSlice[]>;
  readonly pods: ReadonlyMap<string, Pod>;
}

export function indexEndpoints(s: ResourceSnapshot): EndpointIndex {
  const slices = new Map<string, EndpointSlice[]>();
  for (const sl of sortObjects(s.endpointSlices ?? [])) {
    const svc = sl.metadata.labels?.[SERVICE_NAME_LABEL];
    if (svc === undefined) continue;
    const k = `${nsOf(sl.metadata)}/${svc}`;
    const list = slices.get(k);
    if (list) list.push(sl);
    else slices.set(k, [sl]);
  }
  return { slicesByService: slices, pods: byKey(sortObjects(s.pods ?? [])) };
}
