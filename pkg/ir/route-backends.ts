// route-backends: which clusters each route sends to, read off an IR — every rule of every table
// (gateway listeners, mesh producer and consumer tables) gives its route's backend clusters.
// Takes a MeshIR; gives route key ("HTTPRoute/<ns>/<name>", the key route status uses) → cluster ids,
// sorted. Invalid backends (no cluster) and mirrors are not backends here.
// Must not: mutate the IR, or depend on the order of tables.
import type { MeshIR, RouteTablesIR } from "./types.ts";

export function routeBackendClusters(ir: MeshIR): ReadonlyMap<string, readonly string[]> {
  const byRoute = new Map<string, Set<string>>();
  const add = (tables: RouteTablesIR | undefined): void => {
    if (tables === undefined) return;
    for (const table of [tables.http, tables.grpc]) {
      for (const rule of table.rules) {
        const key = `${rule.route.kind}/${rule.route.namespace}/${rule.route.name}`;
        let set = byRoute.get(key);
        if (set === undefined) byRoute.set(key, set = new Set());
        for (const b of rule.backends) if (b.kind === "cluster") set.add(b.cluster);
      }
    }
  };
  for (const g of ir.gateways) for (const p of g.ports) for (const l of p.listeners) add(l.routes);
  for (const s of ir.services) {
    for (const p of s.ports) {
      add(p.producer);
      for (const t of Object.values(p.consumers)) add(t);
    }
  }
  return new Map([...byRoute].map(([k, v]) => [k, [...v].sort()]));
}
