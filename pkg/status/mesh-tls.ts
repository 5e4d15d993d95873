// mesh-tls: adds the `weft.dev/MeshTLS` condition to route parent statuses — whether the route's
// backends are reached over mesh mTLS (every ready endpoint runs a Weft sidecar, so it has a SPIFFE
// identity) or partly in plaintext (endpoints without a sidecar: an unmeshed namespace, a gateway pod),
// and which. Incremental adoption is legitimate: False here is information, not a failure (route health
// stays Accepted + ResolvedRefs). Accepted=True parents only.
//   True    AllEndpointsMeshed   "every ready endpoint of demo/reviews-v1:9080 runs a Weft sidecar (mTLS)"
//   False   PlaintextEndpoints   "plaintext (no Weft sidecar): legacy/web:80 1/1; mTLS: demo/reviews-v1:9080 2/2"
//   Unknown NoReadyEndpoints     "no ready endpoint behind demo/reviews-v1:9080 yet"
// Takes statuses and a lookup (route key → its backends' ready and mTLS endpoint counts); gives new statuses.
// Must not: mutate its input, or touch conditions other than weft.dev/MeshTLS.
import type { Condition, StatusUpdate } from "../api/index.ts";

export const MESH_TLS_CONDITION = "weft.dev/MeshTLS";

/** One backend cluster of a route: its id ("ns/service:port") and ready endpoints, with and without identity. */
export interface BackendTransport {
  readonly cluster: string;
  readonly ready: number;
  readonly mtls: number;
}

export type BackendTransportLookup = (routeKey: string) => readonly BackendTransport[] | undefined;

const MAX_LISTED = 8;

function listed(items: readonly string[]): string {
  return items.length <= MAX_LISTED ? items.join(", ") : `${items.slice(0, MAX_LISTED).join(", ")} and ${items.length - MAX_LISTED} more`;
}

export function meshTlsCondition(backends: readonly BackendTransport[], generation: number): Condition {
  const live = backends.filter((b) => b.ready > 0);
  const names = backends.map((b) => b.cluster);
  if (live.length === 0) {
    return { type: MESH_TLS_CONDITION, status: "Unknown", reason: "NoReadyEndpoints", message: `no ready endpoint behind ${listed(names) || "this route"} yet`, observedGeneration: generation };
  }
  const plain = live.filter((b) => b.mtls < b.ready);
  if (plain.length === 0) {
    return { type: MESH_TLS_CONDITION, status: "True", reason: "AllEndpointsMeshed", message: `every ready endpoint of ${listed(live.map((b) => b.cluster))} runs a Weft sidecar (mTLS)`,
      observedGeneration: generation };
  }
  const meshed = live.filter((b) => b.mtls > 0);
  const message = `plaintext (no Weft sidecar): ${listed(plain.map((b) => `${b.cluster} ${b.ready - b.mtls}/${b.ready}`))}`
    + (meshed.length > 0 ? `; mTLS: ${listed(meshed.map((b) => `${b.cluster} ${b.mtls}/${b.ready}`))}` : "");
  return { type: MESH_TLS_CONDITION, status: "False", reason: "PlaintextEndpoints", message, observedGeneration: generation };
}

export function withMeshTlsConditions(statuses: readonly StatusUpdate[], lookup: BackendTransportLookup): readonly StatusUpdate[] {
  return statuses.map((s) => {
    if (!("parents" in s)) return s;
    const { target } = s;
    const backends = lookup(`${target.kind}/${target.namespace}/${target.name}`);
    return {
      ...s,
      parents: s.parents.map((p) => {
        const rest = p.conditions.filter((c) => c.type !== MESH_TLS_CONDITION);
        const accepted = p.conditions.some((c) => c.type === "Accepted" && c.status === "True");
        if (!accepted || backends === undefined || backends.length === 0) return { ...p, conditions: rest };
        return { ...p, conditions: [...rest, meshTlsCondition(backends, target.generation)] };
      }),
    };
  });
}
