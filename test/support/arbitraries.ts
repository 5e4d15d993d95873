// arbitraries: fast-check generators of ResourceSnapshots for translate property tests. Names come
// from small pools (3 namespaces, 4 Services, 2 Gateways, 4 route names) so references resolve AND
// collide; a share of them is deliberately wrong: unknown enum values, dangling parent/backend refs,
// missing or mismatched ReferenceGrants, headless/ExternalName Services, bad durations and regexes.
// Most parentRefs name a Gateway (with its namespace and often a listener) or a Service the snapshot
// has, listeners are mostly HTTP and admit other namespaces, and listeners share ports, so most
// snapshots attach routes, routes have several parents, and routes and listeners compete; the
// translate properties fail when too few generated snapshots do (test/support/translate-coverage.ts).
// Gives `snapshotArb`, `endpointSlicesArb(services)` and `shuffleSnapshot(snapshot, seed)`.
// Must not: produce duplicate kind/namespace/name objects (buildSnapshot removes those), or values
// parseManifests would reject (types and required fields stay valid; only values vary).
import fc from "fast-check";
import type {
  EndpointSlice,
  Gateway,
  GatewayClass,
  GRPCRoute,
  HTTPRoute,
  Listener,
  Namespace,
  ParentReference,
  Pod,
  ReferenceGrant,
  ResourceSnapshot,
  Secret,
  Service,
} from "../../pkg/api/index.ts";

export const NAMESPACES = ["default", "team-a", "team-b"] as const;
export const SERVICE_NAMES = ["echo", "reviews", "ratings", "grpc-echo"] as const;
export const GATEWAY_NAMES = ["gw-a", "gw-b"] as const;
export const ROUTE_NAMES = ["r1", "r2", "r3", "r4"] as const;
const SERVICE_PORTS = [80, 9080, 50051] as const;
const TIMESTAMPS = ["2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z", "2026-01-03T00:00:00Z"] as const;
const HOSTNAMES = ["a.example.com", "b.example.com", "*.example.com", "*.a.example.com", "example.com"] as const;
const GW = "gateway.networking.k8s.io/v1";

const ns = fc.constantFrom(...NAMESPACES);
const svcName = fc.constantFrom(...SERVICE_NAMES, "missing");
const port = fc.constantFrom(...SERVICE_PORTS, 1234);
const maybe = <T>(arb: fc.Arbitrary<T>, freq = 0.5): fc.Arbitrary<T | undefined> =>
  fc.oneof({ weight: Math.round(freq * 10), arbitrary: arb }, { weight: Math.round((1 - freq) * 10), arbitrary: fc.constant(undefined) });

/** Drops keys whose value is undefined (exactOptionalPropertyTypes, and parse never yields them). */
function clean<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

// ---- core ------------------------------------------------------------------------------
const namespacesArb: fc.Arbitrary<Namespace[]> = fc.tuple(...NAMESPACES.map((n) => fc.tuple(fc.constant(n), fc.boolean(), fc.boolean())))
  .map((xs) => xs.filter(([, present]) => present).map(([name, , exposed]) => ({ apiVersion: "v1", kind: "Namespace", metadata: { name, labels: { expose: exposed ? "true" : "false" } } })));

const serviceArb = (namespace: string, name: string, index: number): fc.Arbitrary<Service> =>
  fc.record({
    kind: fc.constantFrom("ClusterIP", "ClusterIP", "ClusterIP", "ClusterIP", "Headless", "ExternalName"),
    ports: fc.uniqueArray(port, { minLength: 1, maxLength: 3 }),
    appProtocol: maybe(fc.constantFrom("kubernetes.io/h2c", "grpc", "mysql", "kubernetes.io/ws"), 0.3),
  }).map(({ kind, ports, appProtocol }) =>
    ({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name, namespace },
      spec: clean({
        type: kind === "ExternalName" ? "ExternalName" : undefined,
        externalName: kind === "ExternalName" ? "example.org" : undefined,
        clusterIP: kind === "ExternalName" ? undefined : kind === "Headless" ? "None" : `10.96.${index >> 8}.${index & 255}`,
        ports: ports.map((p, i) => clean({ name: `p${p}`, port: p, targetPort: p + 1000, appProtocol: i === 0 ? appProtocol : undefined })),
      }),
    }) as Service
  );

const servicesArb: fc.Arbitrary<Service[]> = fc.subarray(NAMESPACES.flatMap((n) => SERVICE_NAMES.map((s) => [n, s] as const)), { minLength: 1 })
  .chain((keys) => fc.tuple(...keys.map(([n, s], i) => serviceArb(n, s, i + 1))));

/** 0–2 slices per Service with 0–3 endpoints from a small address pool (collisions across Services allowed). */
export function endpointSlicesArb(services: readonly Service[]): fc.Arbitrary<EndpointSlice[]> {
  const endpoint = fc.record({
    last: fc.integer({ min: 1, max: 6 }),
    ready: maybe(fc.boolean(), 0.8),
    serving: maybe(fc.boolean(), 0.3),
    terminating: maybe(fc.boolean(), 0.3),
    pod: maybe(fc.constantFrom("pod-0", "pod-1"), 0.4),
  });
  const perService = (svc: Service): fc.Arbitrary<EndpointSlice[]> =>
    fc.array(fc.tuple(fc.array(endpoint, { maxLength: 3 }), fc.boolean()), { maxLength: 2 }).map((slices) =>
      slices.map(([eps, v6], i) => ({
        apiVersion: "discovery.k8s.io/v1",
        kind: "EndpointSlice",
        metadata: { name: `${svc.metadata.name}-${i}`, namespace: svc.metadata.namespace ?? "default", labels: { "kubernetes.io/service-name": svc.metadata.name } },
        addressType: v6 ? "IPv6" : "IPv4",
        endpoints: eps.map((e) =>
          clean({
            addresses: [v6 ? `fd00::${e.last}` : `10.244.0.${e.last}`],
            conditions: clean({ ready: e.ready, serving: e.serving, terminating: e.terminating }),
            targetRef: e.pod === undefined ? undefined : { kind: "Pod", namespace: svc.metadata.namespace ?? "default", name: e.pod },
          })
        ),
        ports: (svc.spec.ports ?? []).map((p) => clean({ name: p.name, port: p.port + 1000, protocol: "TCP" })),
      } as EndpointSlice))
    );
  return services.length === 0 ? fc.constant([]) : fc.tuple(...services.map(perService)).map((xs) => xs.flat());
}

const podsArb: fc.Arbitrary<Pod[]> = fc.subarray(NAMESPACES.flatMap((n) => ["pod-0", "pod-1"].map((p) => [n, p] as const)))
  .map((keys) =>
    keys.map(([namespace, name]): Pod => ({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name, namespace },
      spec: { serviceAccountName: `sa-${name}`, containers: [{ name: "app" }] },
    }))
  );

// ---- gateways ------------------------------------------------------------------------------
const listenerArb = (i: number): fc.Arbitrary<Listener> =>
  fc.record({
    protocol: fc.constantFrom("HTTP", "HTTP", "HTTP", "HTTP", "HTTP", "HTTPS", "TCP", "Bogus"),
    port: fc.constantFrom(80, 80, 443, 8080),
    hostname: maybe(fc.constantFrom(...HOSTNAMES.filter((h) => h !== "example.com")), 0.4),
    from: maybe(fc.constantFrom("Same", "All", "All", "All", "Selector", "Nowhere"), 0.7),
    kinds: maybe(fc.subarray(["HTTPRoute", "GRPCRoute", "TCPRoute"], { minLength: 1 }), 0.2),
    cert: fc.constantFrom("tls", "missing"),
  }).map((l) =>
    clean({
      name: `l${i}`,
      port: l.port,
      protocol: l.protocol,
      hostname: l.hostname,
      tls: l.protocol === "HTTPS" ? { certificateRefs: [{ name: l.cert }] } : undefined,
      allowedRoutes: l.from === undefined && l.kinds === undefined ? undefined : clean({
        namespaces: l.from === undefined ? undefined : clean({ from: l.from, selector: l.from === "Selector" ? { matchLabels: { expose: "true" } } : undefined }),
        kinds: l.kinds?.map((kind) => ({ kind })),
      }),
    }) as Listener
  );

const gatewaysArb: fc.Arbitrary<Gateway[]> = fc.subarray(GATEWAY_NAMES.flatMap((g) => NAMESPACES.slice(0, 2).map((n) => [n, g] as const)), { minLength: 1, maxLength: 2 })
  .chain((keys) =>
    fc.tuple(...keys.map(([namespace, name]) =>
      fc.tuple(
        fc.integer({ min: 1, max: 4 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => listenerArb(i)))),
        fc.constantFrom("weft", "weft", "weft", "weft", "other-class"),
      ).map(([listeners, cls]): Gateway => ({
        apiVersion: GW,
        kind: "Gateway",
        metadata: { name, namespace, generation: 1 },
        spec: { gatewayClassName: cls, listeners },
      }))
    ))
  );

const classes: GatewayClass[] = [
  { apiVersion: GW, kind: "GatewayClass", metadata: { name: "weft" }, spec: { controllerName: "weft.dev/gateway-controller" } },
  { apiVersion: GW, kind: "GatewayClass", metadata: { name: "other-class" }, spec: { controllerName: "example.com/other" } },
];

// The certificate's validity does not matter to the properties; an invalid one exercises InvalidCertificateRef.
const secretsArb: fc.Arbitrary<Secret[]> = fc.subarray(NAMESPACES.slice(0, 2)).map((nss) =>
  nss.map((namespace): Secret => ({
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "tls", namespace },
    type: "kubernetes.io/tls",
    data: { "tls.crt": Buffer.from("not a certificate").toString("base64"), "tls.key": Buffer.from("not a key").toString("base64") },
  }))
);

const grantsArb: fc.Arbitrary<ReferenceGrant[]> = fc.subarray(NAMESPACES.slice()).chain((nss) =>
  fc.tuple(...nss.map((namespace) =>
    fc.record({
      fromKind: fc.constantFrom("HTTPRoute", "GRPCRoute", "Gateway"),
      fromNs: ns,
      toKind: fc.constantFrom("Service", "Secret"),
      toName: maybe(svcName, 0.3),
    }).map((g) =>
      ({
        apiVersion: GW,
        kind: "ReferenceGrant",
        metadata: { name: "grant", namespace },
        spec: { from: [{ group: "gateway.networking.k8s.io", kind: g.fromKind, namespace: g.fromNs }], to: [clean({ group: "", kind: g.toKind, name: g.toName })] },
      }) as ReferenceGrant
    )
  ))
);

// ---- routes ----------------------------------------------------------------------------------
/** The objects a parentRef can aim at: most refs name one of them (namespace spelled out), some anything. */
interface Parents {
  readonly gateways: readonly (readonly [string, string])[];
  readonly services: readonly (readonly [string, string])[];
}

const parentRefArb = (parents: Parents): fc.Arbitrary<ParentReference> => {
  const wild = fc.oneof(
    fc.record({ name: fc.constantFrom(...GATEWAY_NAMES, "gw-missing"), namespace: maybe(ns, 0.4), sectionName: maybe(fc.constantFrom("l0", "l1", "nope"), 0.2),
      port: maybe(fc.constantFrom(80, 443, 81), 0.1) }).map(clean),
    fc.record({ group: fc.constant(""), kind: fc.constant("Service"), name: svcName, namespace: maybe(ns, 0.4), port: maybe(port, 0.3),
      sectionName: maybe(fc.constantFrom("p80", "p9080", "nope"), 0.1) }).map(clean),
  );
  const aimed: fc.Arbitrary<object>[] = [];
  if (parents.gateways.length > 0) {
    aimed.push(fc.record({ gw: fc.constantFrom(...parents.gateways), sectionName: maybe(fc.constantFrom("l0", "l1", "l2"), 0.3), port: maybe(fc.constantFrom(80, 8080), 0.1) })
      .map(({ gw, sectionName, port: p }) => clean({ name: gw[1], namespace: gw[0], sectionName, port: p })));
  }
  if (parents.services.length > 0) {
    aimed.push(fc.record({ svc: fc.constantFrom(...parents.services), port: maybe(port, 0.3) })
      .map(({ svc, port: p }) => clean({ group: "", kind: "Service", name: svc[1], namespace: svc[0], port: p })));
  }
  return (aimed.length === 0 ? wild : fc.oneof({ weight: 1, arbitrary: wild }, ...aimed.map((a) => ({ weight: 3, arbitrary: a })))) as fc.Arbitrary<ParentReference>;
};

const backendRefArb = fc.record({
  name: svcName,
  namespace: maybe(ns, 0.3),
  port: maybe(port, 0.9),
  weight: maybe(fc.constantFrom(0, 1, 3, 70), 0.4),
  kind: maybe(fc.constantFrom("Service", "Bucket"), 0.1),
}).map(clean);

const headerMatch = fc.record({ type: maybe(fc.constantFrom("Exact", "RegularExpression", "Glob"), 0.3), name: fc.constantFrom("X-Env", "version", "x-env"),
  value: fc.constantFrom("prod", "a.*", "(*") }).map(clean);

const httpMatchArb = fc.record({
  path: maybe(
    fc.record({ type: maybe(fc.constantFrom("Exact", "PathPrefix", "RegularExpression", "Fuzzy"), 0.8), value: maybe(fc.constantFrom("/", "/a", "/a/", "/a/b", "/a//b", "abc", "/v[0-9]+"), 0.9) }).map(
      clean,
    ),
    0.8,
  ),
  headers: maybe(fc.array(headerMatch, { maxLength: 2 }), 0.4),
  queryParams: maybe(fc.array(fc.record({ name: fc.constantFrom("q", "Q"), value: fc.constantFrom("1", "2") }), { maxLength: 2 }), 0.3),
  method: maybe(fc.constantFrom("GET", "PATCH", "BREW"), 0.3),
}).map(clean);

const filterArb = fc.constantFrom(
  { type: "RequestHeaderModifier", requestHeaderModifier: { set: [{ name: "X-A", value: "1" }], remove: ["X-B"] } },
  { type: "ResponseHeaderModifier", responseHeaderModifier: { add: [{ name: "X-C", value: "2" }] } },
  { type: "RequestRedirect", requestRedirect: { scheme: "https" } },
  { type: "RequestRedirect", requestRedirect: { statusCode: 418 } },
  { type: "URLRewrite", urlRewrite: { path: { type: "ReplacePrefixMatch", replacePrefixMatch: "/x" } } },
  { type: "URLRewrite", urlRewrite: { hostname: "h.example.com" } },
  { type: "RequestMirror", requestMirror: { backendRef: { name: "ratings", port: 80 }, percent: 50 } },
  { type: "RequestMirror", requestMirror: { backendRef: { name: "missing", port: 80 } } },
  { type: "CORS", cors: { allowOrigins: ["*"] } },
  { type: "ExtensionRef", extensionRef: { group: "example.com", kind: "Magic", name: "m" } },
  { type: "Teleport" },
);

const httpRuleArb = fc.record({
  matches: maybe(fc.array(httpMatchArb, { maxLength: 3 }), 0.7),
  filters: maybe(fc.array(filterArb, { maxLength: 2 }), 0.3),
  backendRefs: maybe(fc.array(backendRefArb, { maxLength: 3 }), 0.9),
  timeouts: maybe(fc.record({ request: maybe(fc.constantFrom("10s", "0s", "1.5s", "100ms"), 0.7), backendRequest: maybe(fc.constantFrom("1s", "20s"), 0.5) }).map(clean), 0.2),
  retry: maybe(fc.record({ codes: fc.constantFrom([500], [502, 503]), attempts: fc.integer({ min: 0, max: 3 }), backoff: maybe(fc.constantFrom("10ms", "x"), 0.5) }).map(clean), 0.2),
}).map(clean);

const grpcRuleArb = fc.record({
  matches: maybe(fc.array(fc.record({
    method: maybe(
      fc.record({ type: maybe(fc.constantFrom("Exact", "RegularExpression", "Prefix"), 0.3), service: maybe(fc.constantFrom("svc.A", "svc.Longer", "bad/name"), 0.8),
        method: maybe(fc.constantFrom("Get", "GetMore"), 0.7) }).map(clean),
      0.8,
    ),
    headers: maybe(fc.array(headerMatch, { maxLength: 2 }), 0.3),
  }).map(clean), { maxLength: 2 }), 0.7),
  filters: maybe(fc.array(fc.constantFrom(
    { type: "RequestHeaderModifier", requestHeaderModifier: { set: [{ name: "x-a", value: "1" }] } },
    { type: "RequestMirror", requestMirror: { backendRef: { name: "echo", port: 80 } } },
    { type: "Teleport" },
  ), { maxLength: 2 }), 0.2),
  backendRefs: maybe(fc.array(backendRefArb, { maxLength: 3 }), 0.9),
}).map(clean);

function routesArb<R>(kind: "HTTPRoute" | "GRPCRoute", rule: fc.Arbitrary<object>, max: number, parents: Parents): fc.Arbitrary<R[]> {
  return fc.uniqueArray(fc.tuple(ns, fc.constantFrom(...ROUTE_NAMES)), { maxLength: max, selector: ([n, r]) => `${n}/${r}` })
    .chain((keys) =>
      keys.length === 0 ? fc.constant([]) : fc.tuple(...keys.map(([namespace, name]) =>
        fc.record({
          parentRefs: fc.array(parentRefArb(parents), { minLength: 1, maxLength: 3 }),
          hostnames: maybe(fc.uniqueArray(fc.constantFrom(...HOSTNAMES), { maxLength: 2 }), 0.4),
          rules: fc.array(rule, { maxLength: 3 }),
          ts: fc.constantFrom(...TIMESTAMPS),
          generation: fc.integer({ min: 1, max: 3 }),
        }).map((r) =>
          ({
            apiVersion: GW,
            kind,
            metadata: { name, namespace, creationTimestamp: r.ts, generation: r.generation },
            spec: clean({ parentRefs: r.parentRefs, hostnames: r.hostnames, rules: r.rules }),
          }) as R
        )
      ))
    );
}

const keyOf = (o: { metadata: { namespace?: string; name: string } }): readonly [string, string] => [o.metadata.namespace ?? "default", o.metadata.name];

export const snapshotArb: fc.Arbitrary<ResourceSnapshot> = fc.record({
  namespaces: namespacesArb,
  services: servicesArb,
  gateways: gatewaysArb,
  secrets: secretsArb,
  referenceGrants: grantsArb,
  pods: podsArb,
}).chain((s) => {
  const parents: Parents = { gateways: s.gateways.map(keyOf), services: s.services.filter((svc) => svc.spec.type !== "ExternalName").map(keyOf) };
  return fc.record({
    httpRoutes: routesArb<HTTPRoute>("HTTPRoute", httpRuleArb, 5, parents),
    grpcRoutes: routesArb<GRPCRoute>("GRPCRoute", grpcRuleArb, 3, parents),
    endpointSlices: endpointSlicesArb(s.services),
  }).map((r) => ({ ...s, ...r, gatewayClasses: classes }));
});

/** The same snapshot with every list reordered by a seeded permutation (and its objects copied). */
export function shuffleSnapshot(s: ResourceSnapshot, seed: number): ResourceSnapshot {
  let state = (seed >>> 0) || 1;
  const next = (): number => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state;
  };
  const shuffle = <T>(xs: readonly T[]): T[] => {
    const out = xs.map((x) => structuredClone(x));
    for (let i = out.length - 1; i > 0; i--) {
      const j = next() % (i + 1);
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  };
  return {
    gatewayClasses: shuffle(s.gatewayClasses),
    gateways: shuffle(s.gateways),
    httpRoutes: shuffle(s.httpRoutes),
    grpcRoutes: shuffle(s.grpcRoutes),
    referenceGrants: shuffle(s.referenceGrants),
    services: shuffle(s.services),
    endpointSlices: shuffle(s.endpointSlices),
    namespaces: shuffle(s.namespaces),
    secrets: shuffle(s.secrets),
    pods: shuffle(s.pods),
  };
}
