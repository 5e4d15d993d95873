// endpoints: clusters from EndpointSlices (spec §3) and the endpoint fast path. Slice port chosen by
// the Service port's name; IPv4 + IPv6 (FQDN ignored); manual slices and headless Services; condition
// defaults; SPIFFE identity from the Pod's service account; translateEndpoints equals a full
// translate whenever only EndpointSlices/Pods changed (property test).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { EndpointSlice, Pod } from "../../pkg/api/index.ts";
import { translate, translateEndpoints } from "../../pkg/translate/index.ts";
import { MAX_ENDPOINTS_PER_CLUSTER } from "../../pkg/translate/endpoints.ts";
import { httpRoute, pod, service, slice, snap, svcRef } from "./builders.ts";
import { fcParams } from "../support/fast-check-env.ts";

const web = service("web", "default", [{ name: "http", port: 80 }, { name: "metrics", port: 9100 }]);

function cluster(r: ReturnType<typeof translate>, id: string) {
  return r.ir.clusters.find((c) => c.id === id);
}

describe("clusters from EndpointSlices", () => {
  it("uses the slice port whose name equals the Service port name", () => {
    const r = translate(snap({ services: [web], endpointSlices: [slice("s1", "web", "default", [{ addresses: ["10.0.0.5"] }], [{ name: "http", port: 8080 }, { name: "metrics", port: 9101 }])] }));
    expect(cluster(r, "default/web:80")?.endpoints.map((e) => e.port)).toEqual([8080]);
    expect(cluster(r, "default/web:9100")?.endpoints.map((e) => e.port)).toEqual([9101]);
  });
  it("IPv4 and IPv6 slices, FQDN ignored, duplicates across slices merged, sorted by address", () => {
    const r = translate(snap({ services: [web], endpointSlices: [
      slice("a", "web", "default", [{ addresses: ["10.0.0.9"] }, { addresses: ["10.0.0.1"] }]),
      slice("b", "web", "default", [{ addresses: ["fd00::1"] }], [{ name: "http", port: 8080 }], "IPv6"),
      slice("c", "web", "default", [{ addresses: ["x.example.com"] }], [{ name: "http", port: 8080 }], "FQDN"),
      slice("d", "web", "default", [{ addresses: ["10.0.0.1"] }]),
    ] }));
    expect(cluster(r, "default/web:80")?.endpoints.map((e) => e.address)).toEqual(["10.0.0.1", "10.0.0.9", "fd00::1"]);
  });
  it("one address on two ports is two endpoints, sorted by port", () => {
    const r = translate(snap({ services: [web], endpointSlices: [
      slice("a", "web", "default", [{ addresses: ["10.0.0.1"] }], [{ name: "http", port: 9090 }]),
      slice("b", "web", "default", [{ addresses: ["10.0.0.1"] }], [{ name: "http", port: 8080 }]),
    ] }));
    expect(cluster(r, "default/web:80")?.endpoints.map((e) => `${e.address}:${e.port}`)).toEqual(["10.0.0.1:8080", "10.0.0.1:9090"]);
  });
  it("a cluster keeps at most MAX_ENDPOINTS_PER_CLUSTER endpoints; a repeated address does not count twice", () => {
    const addr = (i: number): string => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
    const many = Array.from({ length: MAX_ENDPOINTS_PER_CLUSTER + 1 }, (_, i) => ({ addresses: [addr(i + 1)] }));
    const full = translate(snap({ services: [web], endpointSlices: [slice("a", "web", "default", many)] }));
    expect(cluster(full, "default/web:80")?.endpoints.length).toBe(MAX_ENDPOINTS_PER_CLUSTER);
    const repeated = [{ addresses: [addr(1)] }, ...many.slice(0, MAX_ENDPOINTS_PER_CLUSTER - 1)];
    const r = translate(snap({ services: [web], endpointSlices: [slice("a", "web", "default", repeated)] }));
    expect(cluster(r, "default/web:80")?.endpoints.length).toBe(MAX_ENDPOINTS_PER_CLUSTER - 1);
  });
  it("conditions: ready/serving default true, terminating false; explicit values kept", () => {
    const r = translate(snap({ services: [web], endpointSlices: [slice("a", "web", "default", [
      { addresses: ["10.0.0.1"] },
      { addresses: ["10.0.0.2"], conditions: { ready: false, serving: true, terminating: true }, zone: "z1" },
    ])] }));
    expect(cluster(r, "default/web:80")?.endpoints).toEqual([
      { address: "10.0.0.1", port: 8080, ready: true, serving: true, terminating: false },
      { address: "10.0.0.2", port: 8080, ready: false, serving: true, terminating: true, zone: "z1" },
    ]);
  });
  it("identity from the Pod's serviceAccountName (default SA when unset) with the trust domain option", () => {
    const r = translate(snap({ services: [web], pods: [pod("p1", "default", "web-sa"), pod("p2", "default")], endpointSlices: [slice("a", "web", "default", [
      { addresses: ["10.0.0.1"], targetRef: { kind: "Pod", name: "p1" } },
      { addresses: ["10.0.0.2"], targetRef: { kind: "Pod", name: "p2" } },
      { addresses: ["10.0.0.3"], targetRef: { kind: "Pod", name: "gone" } },
    ])] }), { trustDomain: "mesh.example" });
    expect(cluster(r, "default/web:80")?.endpoints.map((e) => e.identity)).toEqual([
      "spiffe://mesh.example/ns/default/sa/web-sa",
      "spiffe://mesh.example/ns/default/sa/default",
      undefined,
    ]);
  });
  it("only Pods running a Weft sidecar get an identity; the rest are reached in plaintext (issue 15 item 2)", () => {
    const pods = [
      pod("native", "default", "a", "native"),
      pod("legacy", "default", "a", "container"),
      pod("plain", "default", "a", "none"),
      // A weft-proxy init container that is not a sidecar (no restartPolicy Always) runs to completion: no proxy serves the pod.
      { ...pod("init-only", "default", "a", "none"), spec: { serviceAccountName: "a", containers: [{ name: "app" }], initContainers: [{ name: "weft-proxy" }] } },
      // The injection-status annotation is not the signal: anyone who may patch a pod can change it.
      { ...pod("annotated", "default", "a", "none"), metadata: { name: "annotated", namespace: "default", annotations: { "weft.dev/injection-status": '{"injected":true}' } } },
    ] as Pod[];
    const slices = [slice("a", "web", "default", pods.map((p, i) => ({ addresses: [`10.0.0.${i + 1}`], targetRef: { kind: "Pod", name: p.metadata.name } })))];
    const idOf = (r: ReturnType<typeof translate>) => cluster(r, "default/web:80")?.endpoints.map((e) => e.identity ?? "plaintext");
    const sa = "spiffe://cluster.local/ns/default/sa/a";
    expect(idOf(translate(snap({ services: [web], pods, endpointSlices: slices })))).toEqual([sa, sa, "plaintext", "plaintext", "plaintext"]);
    // Local mode runs a sidecar per Pod: every Pod is meshed.
    expect(idOf(translate(snap({ services: [web], pods, endpointSlices: slices }), { meshedPods: "all" }))).toEqual([sa, sa, sa, sa, sa]);
    // The endpoint fast path applies the same rule.
    const first = translate(snap({ services: [web], pods: [], endpointSlices: slices }));
    expect(idOf(translateEndpoints(first, snap({ services: [web], pods, endpointSlices: slices })))).toEqual([sa, sa, "plaintext", "plaintext", "plaintext"]);
  });
  it("headless Service as a backend: cluster from its (manually created) slices; not a mesh parent", () => {
    const hl = service("hl", "default", [{ name: "http", port: 80 }], { clusterIP: "None" });
    const r = translate(
      snap({ services: [web, hl], endpointSlices: [slice("manual", "hl", "default", [{ addresses: ["10.9.0.1"] }])],
        httpRoutes: [httpRoute("r", { parentRefs: [svcRef("web", { port: 80 })], rules: [{ backendRefs: [{ name: "hl", port: 80 }] }] })] }),
    );
    expect(cluster(r, "default/hl:80")?.endpoints.map((e) => e.address)).toEqual(["10.9.0.1"]);
    expect(r.ir.services.map((s) => s.name)).toEqual(["web"]);
  });
});

describe("translateEndpoints fast path", () => {
  const base = snap({
    services: [web, service("api", "prod", [{ name: "grpc", port: 50051, appProtocol: "grpc" }])],
    httpRoutes: [httpRoute("r", { parentRefs: [svcRef("web")], rules: [{ backendRefs: [{ name: "api", namespace: "prod", port: 50051 }] }] })],
  });
  const addr = fc.oneof(fc.ipV4(), fc.ipV6());
  const endpoint = fc.record({
    addresses: fc.array(addr, { minLength: 1, maxLength: 2 }),
    conditions: fc.option(fc.record({ ready: fc.boolean(), serving: fc.boolean(), terminating: fc.boolean() }), { nil: undefined }),
    targetRef: fc.option(fc.record({ kind: fc.constant("Pod"), name: fc.constantFrom("p1", "p2", "p3") }), { nil: undefined }),
  }).map((e) => Object.fromEntries(Object.entries(e).filter(([, v]) => v !== undefined)) as unknown as NonNullable<EndpointSlice["endpoints"]>[number]);
  const sliceArb = fc.record({
    name: fc.constantFrom("s1", "s2", "s3"),
    svc: fc.constantFrom("web", "api", "ghost"),
    ns: fc.constantFrom("default", "prod"),
    eps: fc.array(endpoint, { maxLength: 4 }),
    portName: fc.constantFrom("http", "metrics", "grpc"),
    family: fc.constantFrom("IPv4", "IPv6"),
  }).map((s) => slice(s.name, s.svc, s.ns, s.eps, [{ name: s.portName, port: 8000 }], s.family));
  const podArb = fc.record({ name: fc.constantFrom("p1", "p2", "p3"), ns: fc.constantFrom("default", "prod"), sa: fc.option(fc.constantFrom("a", "b"), { nil: undefined }) })
    .map((p) => pod(p.name, p.ns, p.sa));

  it("equals a full translate when only EndpointSlices/Pods change", () => {
    fc.assert(fc.property(fc.array(sliceArb, { maxLength: 6 }), fc.array(sliceArb, { maxLength: 6 }), fc.array(podArb, { maxLength: 4 }), (before, after, pods: Pod[]) => {
      const prev = translate({ ...base, endpointSlices: before });
      const next = { ...base, endpointSlices: after, pods };
      expect(translateEndpoints(prev, next)).toEqual(translate(next));
    }), fcParams(150));
  });
  it("actually changes clusters (not a no-op)", () => {
    const prev = translate(base);
    const next = { ...base, endpointSlices: [slice("s", "web", "default", [{ addresses: ["10.1.1.1"] }])] };
    const fast = translateEndpoints(prev, next);
    expect(fast.ir.clusters.find((c) => c.id === "default/web:80")?.endpoints).toHaveLength(1);
    expect(fast.ir.services).toBe(prev.ir.services);
  });
});
