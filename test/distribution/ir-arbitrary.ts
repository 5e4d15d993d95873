// ir-arbitrary: fast-check arbitraries for valid MeshIRs built from small name pools, so slices
// overlap, references resolve and resources collide between versions (design §5).
import fc from "fast-check";
import type { BackendIR, ClusterIR, GatewayIR, MeshIR, MeshServiceIR, RouteTablesIR, RuleIR, TlsSecretIR } from "../../pkg/ir/types.ts";
import type { ProxyIdentity } from "../../pkg/distribution/slice.ts";

export const NAMESPACES = ["a", "b", "c"] as const;
const SERVICES = ["s1", "s2", "s3"] as const;
const PORTS = [80, 9080] as const;
export const CLUSTER_IDS = NAMESPACES.flatMap((ns) => SERVICES.flatMap((s) => PORTS.map((p) => `${ns}/${s}:${p}`)));
const SECRET_IDS = ["gw/cert-a", "gw/cert-b"] as const;

const clusterArb = (id: string): fc.Arbitrary<ClusterIR> => {
  const [ns, rest] = id.split("/") as [string, string];
  const [svc, port] = rest.split(":") as [string, string];
  return fc.array(fc.record({ last: fc.integer({ min: 1, max: 4 }), ready: fc.boolean() }), { maxLength: 2 }).map((eps) => ({
    id,
    namespace: ns,
    service: svc,
    port: Number(port),
    protocol: "http1" as const,
    endpoints: eps.map((e, i) => ({ address: `10.1.${i}.${e.last}`, port: 8080, ready: e.ready, serving: e.ready, terminating: false })),
  }));
};

const backendArb: fc.Arbitrary<BackendIR> = fc.oneof(
  fc.record({ cluster: fc.constantFrom(...CLUSTER_IDS), weight: fc.integer({ min: 0, max: 100 }) }).map((b) => ({ kind: "cluster" as const, filters: [], ...b })),
  fc.integer({ min: 0, max: 10 }).map((weight) => ({ kind: "invalid" as const, weight, status: 500 as const, reason: "BackendNotFound" as const, message: "missing" })),
);

const rulesArb = (routeNs: string): fc.Arbitrary<RuleIR[]> =>
  fc.array(
    fc.record({ name: fc.constantFrom("r1", "r2"), gen: fc.integer({ min: 1, max: 4 }), backends: fc.array(backendArb, { maxLength: 3 }) }),
    { maxLength: 2 },
  ).map((rs) =>
    rs.map((r, i) => ({
      id: `HTTPRoute/${routeNs}/${r.name}/${i}`,
      route: { kind: "HTTPRoute" as const, namespace: routeNs, name: r.name, generation: r.gen },
      ruleIndex: i,
      filters: [],
      backends: r.backends,
      timeouts: {},
    }))
  );

const tablesArb = (routeNs: string): fc.Arbitrary<RouteTablesIR> =>
  rulesArb(routeNs).map((rules) => ({
    http: {
      kind: "http" as const,
      rules,
      entries: rules.map((_, i) => ({ hostnames: [], match: { kind: "http" as const, path: { type: "PathPrefix" as const, value: `/${i}` }, headers: [], queryParams: [] }, rule: i, matchIndex: 0 })),
    },
    grpc: { kind: "grpc" as const, entries: [], rules: [] },
  }));

const serviceArb = (ns: string, name: string): fc.Arbitrary<MeshServiceIR> =>
  fc.subarray([...PORTS], { minLength: 1 }).chain((ports) =>
    fc.tuple(
      ...ports.map((port) =>
        fc.record({
          producer: fc.option(tablesArb(ns), { nil: undefined }),
          consumers: fc.subarray([...NAMESPACES]).chain((nss) => fc.tuple(...nss.map((c) => tablesArb(c))).map((ts) => Object.fromEntries(nss.map((c, i) => [c, ts[i]!])))),
        }).map((p) => ({ port, cluster: `${ns}/${name}:${port}`, consumers: p.consumers, ...(p.producer ? { producer: p.producer } : {}) }))
      ),
    ).map((ps) => ({ namespace: ns, name, clusterIPs: ["10.96.0.1"], ports: ps }))
  );

const gatewayArb = (name: string): fc.Arbitrary<GatewayIR> =>
  fc.record({ routes: tablesArb("gw"), cert: fc.option(fc.constantFrom(...SECRET_IDS), { nil: undefined }) }).map(({ routes, cert }) => ({
    namespace: "gw",
    name,
    ports: [{ port: 443, protocol: "HTTP" as const, listeners: [{ id: `gw/${name}/l`, name: "l", protocol: "HTTP" as const, certificates: cert ? [cert] : [], routes }] }],
  }));

export const meshIrArb: fc.Arbitrary<MeshIR> = fc
  .record({
    clusters: fc.tuple(...CLUSTER_IDS.map(clusterArb)),
    services: fc.subarray(NAMESPACES.flatMap((ns) => SERVICES.map((s) => [ns, s] as const))).chain((pairs) => fc.tuple(...pairs.map(([ns, s]) => serviceArb(ns, s)))),
    gateways: fc.subarray(["edge", "inner"]).chain((names) => fc.tuple(...names.map(gatewayArb))),
    secretSalt: fc.integer({ min: 0, max: 2 }),
  })
  .map(({ clusters, services, gateways, secretSalt }) => ({
    clusters,
    services,
    gateways,
    secrets: SECRET_IDS.map((id): TlsSecretIR => ({ id, certPem: `CERT-${id}-${secretSalt}`, keyPem: `KEY-${id}` })),
  }));

export const proxyArb: fc.Arbitrary<ProxyIdentity> = fc.oneof(
  fc.constantFrom(...NAMESPACES).map((ns): ProxyIdentity => ({ namespace: ns, serviceAccount: "default", pod: `p-${ns}`, kind: "sidecar" })),
  fc.constantFrom("edge", "inner").map((g): ProxyIdentity => ({ namespace: "gw", serviceAccount: g, pod: `${g}-0`, kind: "gateway", gatewayNamespace: "gw", gatewayName: g })),
);
