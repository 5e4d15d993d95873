// slice + pkg/ir validateIr: which parts of the IR each proxy gets, and structural rejection.
import { describe, expect, it } from "vitest";
import { sliceForProxy } from "../../pkg/distribution/slice.ts";
import { validateIr } from "../../pkg/ir/index.ts";
import { sampleIr } from "./ir-fixtures.ts";

const sidecar = (ns: string) => ({ namespace: ns, serviceAccount: "default", pod: "p", kind: "sidecar" as const });
const gw = { namespace: "gw", serviceAccount: "edge", pod: "edge-1", kind: "gateway" as const, gatewayNamespace: "gw", gatewayName: "edge" };

describe("sliceForProxy", () => {
  it("gives a sidecar in a foreign namespace producer routes but not other namespaces' consumer routes", () => {
    const s = sliceForProxy(sampleIr(), sidecar("shop"));
    const reviews = s.services.find((x) => x.name === "reviews")!;
    expect(reviews.ports[0]!.producer).toBeDefined();
    expect(reviews.ports[0]!.consumers).toEqual({});
    expect(s.clusters.map((c) => c.id)).toEqual(["bookinfo/ratings:9080", "bookinfo/reviews-v2:9080", "bookinfo/reviews:9080"]);
    expect(s.gateways).toEqual([]);
    expect(s.secrets).toEqual([]);
  });

  it("gives a sidecar in the consumer namespace its consumer table and the clusters it references", () => {
    const s = sliceForProxy(sampleIr(), sidecar("frontend"));
    const port = s.services.find((x) => x.name === "reviews")!.ports[0]!;
    expect(Object.keys(port.consumers)).toEqual(["frontend"]);
    expect(s.clusters.map((c) => c.id)).toContain("bookinfo/reviews-v3:9080");
  });

  it("gives a gateway only its gateway, its clusters and its listener secrets", () => {
    const s = sliceForProxy(sampleIr(), gw);
    expect(s.gateways.map((g) => g.name)).toEqual(["edge"]);
    expect(s.services).toEqual([]);
    expect(s.clusters.map((c) => c.id)).toEqual(["bookinfo/productpage:9080"]);
    expect(s.secrets.map((x) => x.id)).toEqual(["gw/edge-cert"]);
  });

  it("gives an unknown gateway an empty slice", () => {
    const s = sliceForProxy(sampleIr(), { ...gw, gatewayName: "nope" });
    expect(s).toEqual({ gateways: [], services: [], clusters: [], secrets: [] });
  });

  it("produces slices that pass validation", () => {
    for (const p of [sidecar("shop"), sidecar("frontend"), gw]) expect(validateIr(sliceForProxy(sampleIr(), p)).ok).toBe(true);
  });
});

describe("validateIr", () => {
  const good = sliceForProxy(sampleIr(), sidecar("frontend"));

  it("rejects a route that references a cluster absent from the slice, naming the path", () => {
    const bad = { ...good, clusters: good.clusters.filter((c) => c.id !== "bookinfo/reviews-v3:9080") };
    const r = validateIr(bad);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/consumers\.frontend\.http\.rules\[0\]\.backends\[0\]\.cluster: cluster "bookinfo\/reviews-v3:9080" not in slice/);
  });

  it("rejects out-of-range ports, bad rule indices and non-objects without throwing", () => {
    const c0 = good.clusters[0]!;
    expect(validateIr({ ...good, clusters: [{ ...c0, port: 70000 }, ...good.clusters.slice(1)] }).ok).toBe(false);
    const svc = good.services[1]!;
    const port = svc.ports[0]!;
    const table = port.producer!.http;
    const broken = { ...port, producer: { ...port.producer!, http: { ...table, entries: [{ ...table.entries[0]!, rule: 7 }] } } };
    const r = validateIr({ ...good, services: [good.services[0]!, { ...svc, ports: [broken] }] });
    expect(r.ok).toBe(false);
    for (const v of [null, 42, "x", [], { gateways: {} }]) expect(validateIr(v).ok).toBe(false);
  });

  it("rejects a listener certificate that is not in the slice", () => {
    const s = sliceForProxy(sampleIr(), gw);
    const r = validateIr({ ...s, secrets: [] });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).not.toContain("KEY");
  });
});
