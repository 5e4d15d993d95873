// bench-ir: the MeshIR the distribution benchmarks push: 100 Services over 10 namespaces, each
// with a producer route splitting over two clusters of 3 endpoints. `change` edits one route's
// weights and generation, so every sidecar slice changes exactly one resource.
import type { ClusterIR, MeshIR, MeshServiceIR } from "../../pkg/ir/types.ts";

export const NAMESPACES = 10;
export const SERVICES_PER_NS = 10;

/** 100 services over 10 namespaces, each with a producer route splitting over two clusters. */
export function buildIr(change: number): MeshIR {
  const services: MeshServiceIR[] = [];
  const clusters: ClusterIR[] = [];
  for (let n = 0; n < NAMESPACES; n++) {
    for (let s = 0; s < SERVICES_PER_NS; s++) {
      const ns = `ns${n}`;
      const name = `svc${s}`;
      const ids = [`${ns}/${name}:80`, `${ns}/${name}-v2:80`];
      for (const id of ids) {
        const svc = id.slice(ns.length + 1, -3);
        clusters.push({
          id,
          namespace: ns,
          service: svc,
          port: 80,
          protocol: "http1",
          endpoints: [1, 2, 3].map((i) => ({ address: `10.${n}.${s}.${i}`, port: 8080, ready: true, serving: true, terminating: false })),
        });
      }
      // The change touches one service's weights: every sidecar's slice changes one resource.
      const w = n === 0 && s === 0 ? change % 100 : 50;
      const route = { kind: "HTTPRoute" as const, namespace: ns, name: `${name}-split`, generation: n === 0 && s === 0 ? change + 1 : 1 };
      services.push({
        namespace: ns,
        name,
        clusterIPs: [`10.96.${n}.${s}`],
        ports: [{
          port: 80,
          cluster: ids[0]!,
          consumers: {},
          producer: {
            http: {
              kind: "http",
              entries: [{ hostnames: [], match: { kind: "http", path: { type: "PathPrefix", value: "/" }, headers: [], queryParams: [] }, rule: 0, matchIndex: 0 }],
              rules: [{
                id: `HTTPRoute/${ns}/${name}-split/0`,
                route,
                ruleIndex: 0,
                filters: [],
                timeouts: {},
                backends: [
                  { kind: "cluster", cluster: ids[0]!, weight: w, filters: [] },
                  { kind: "cluster", cluster: ids[1]!, weight: 100 - w, filters: [] },
                ],
              }],
            },
            grpc: { kind: "grpc", entries: [], rules: [] },
          },
        }],
      });
    }
  }
  return { gateways: [], services, clusters, secrets: [] };
}
