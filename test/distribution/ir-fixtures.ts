// ir-fixtures: small MeshIR builders for distribution tests (services with producer/consumer
// routes, a gateway with an HTTPS listener and its secret). Plain data, no behaviour under test.
import type {
  ClusterIR,
  GatewayIR,
  MeshIR,
  MeshServiceIR,
  RouteTableIR,
  RouteTablesIR,
  RuleIR,
} from "../../pkg/ir/types.ts";

export function cluster(ns: string, svc: string, port: number, endpoints = 1): ClusterIR {
  return {
    id: `${ns}/${svc}:${port}`,
    namespace: ns,
    service: svc,
    port,
    protocol: "http1",
    endpoints: Array.from({ length: endpoints }, (_, i) => ({
      address: `10.0.0.${i + 1}`,
      port: 8080,
      ready: true,
      serving: true,
      terminating: false,
    })),
  };
}

export function rule(routeNs: string, routeName: string, generation: number, backends: { cluster: string; weight: number }[]): RuleIR {
  return {
    id: `HTTPRoute/${routeNs}/${routeName}/0`,
    route: { kind: "HTTPRoute", namespace: routeNs, name: routeName, generation },
    ruleIndex: 0,
    filters: [],
    backends: backends.map((b) => ({ kind: "cluster" as const, weight: b.weight, cluster: b.cluster, filters: [] })),
    timeouts: {},
  };
}

export const emptyTable = (kind: "http" | "grpc"): RouteTableIR => ({ kind, entries: [], rules: [] });

export function tables(rules: RuleIR[]): RouteTablesIR {
  return {
    http: {
      kind: "http",
      rules,
      entries: rules.map((_, i) => ({ hostnames: [], match: { kind: "http", path: { type: "PathPrefix", value: "/" }, headers: [], queryParams: [] }, rule: i, matchIndex: 0 })),
    },
    grpc: emptyTable("grpc"),
  };
}

export function service(ns: string, name: string, port: number, opts: { producer?: RouteTablesIR; consumers?: Record<string, RouteTablesIR> } = {}): MeshServiceIR {
  return {
    namespace: ns,
    name,
    clusterIPs: ["10.96.0.10"],
    ports: [
      {
        port,
        cluster: `${ns}/${name}:${port}`,
        consumers: opts.consumers ?? {},
        ...(opts.producer ? { producer: opts.producer } : {}),
      },
    ],
  };
}

export function gateway(ns: string, name: string, routes: RouteTablesIR, secretId?: string): GatewayIR {
  return {
    namespace: ns,
    name,
    ports: [
      {
        port: 443,
        protocol: secretId ? "HTTPS" : "HTTP",
        listeners: [{ id: `${ns}/${name}/web`, name: "web", protocol: secretId ? "HTTPS" : "HTTP", certificates: secretId ? [secretId] : [], routes }],
      },
    ],
  };
}

/**
 * reviews (ns bookinfo) has a producer route at `generation` sending to reviews-v2, and a consumer
 * route from ns "frontend" sending to reviews-v3; ratings has no route; gateway gw/edge routes to
 * productpage with secret gw/edge-cert.
 */
export function sampleIr(generation = 1, v2Weight = 100): MeshIR {
  return {
    services: [
      service("bookinfo", "reviews", 9080, {
        producer: tables([rule("bookinfo", "reviews-split", generation, [{ cluster: "bookinfo/reviews-v2:9080", weight: v2Weight }])]),
        consumers: { frontend: tables([rule("frontend", "reviews-canary", 3, [{ cluster: "bookinfo/reviews-v3:9080", weight: 1 }])]) },
      }),
      service("bookinfo", "ratings", 9080),
    ],
    gateways: [gateway("gw", "edge", tables([rule("gw", "edge-route", 5, [{ cluster: "bookinfo/productpage:9080", weight: 1 }])]), "gw/edge-cert")],
    clusters: [
      cluster("bookinfo", "reviews", 9080),
      cluster("bookinfo", "reviews-v2", 9080),
      cluster("bookinfo", "reviews-v3", 9080),
      cluster("bookinfo", "ratings", 9080),
      cluster("bookinfo", "productpage", 9080),
    ],
    secrets: [
      { id: "gw/edge-cert", certPem: "CERT", keyPem: "KEY" },
      { id: "other/cert", certPem: "C2", keyPem: "K2" },
    ],
  };
}
