// backend-transport: for route status (pkg/status weft.dev/MeshTLS), how each route's backends are
// reached, from the IR in force: per backend cluster its ready endpoints and how many of them have a
// SPIFFE identity (run a Weft sidecar: mTLS); the rest get plaintext.
// Takes a MeshIR; gives the lookup decorateStatuses takes, computed once per IR object.
// Must not: mutate the IR.
import { routeBackendClusters, type MeshIR } from "../ir/index.ts";
import type { BackendTransport, BackendTransportLookup } from "../status/index.ts";

const cache = new WeakMap<MeshIR, ReadonlyMap<string, readonly BackendTransport[]>>();

function compute(ir: MeshIR): ReadonlyMap<string, readonly BackendTransport[]> {
  const byCluster = new Map<string, BackendTransport>();
  for (const c of ir.clusters) {
    const ready = c.endpoints.filter((e) => e.ready);
    byCluster.set(c.id, { cluster: c.id, ready: ready.length, mtls: ready.filter((e) => e.identity !== undefined).length });
  }
  const out = new Map<string, readonly BackendTransport[]>();
  for (const [route, clusters] of routeBackendClusters(ir)) {
    out.set(route, clusters.map((id) => byCluster.get(id) ?? { cluster: id, ready: 0, mtls: 0 }));
  }
  return out;
}

export function backendTransportLookup(ir: MeshIR): BackendTransportLookup {
  let table = cache.get(ir);
  if (table === undefined) cache.set(ir, table = compute(ir));
  const t = table;
  return (routeKey) => t.get(routeKey);
}
