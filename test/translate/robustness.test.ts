// robustness: translate is deterministic under input order, never throws on hostile or malformed
// snapshots (per-object failures become InternalError diagnostics), and enforces maxItems limits with
// precise UnsupportedValue conditions while only doing bounded work.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ResourceSnapshot } from "../../pkg/api/index.ts";
import { translate } from "../../pkg/translate/index.ts";
import { canonicalJson } from "../../pkg/util/canonical-json.ts";
import {
  cond,
  gateway,
  gatewayClass,
  grant,
  grpcRoute,
  gwRef,
  httpRoute,
  listener,
  namespace,
  pod,
  routeStatus,
  service,
  slice,
  snap,
  svcRef,
} from "./builders.ts";
import { fcParams } from "../support/fast-check-env.ts";

const rich: ResourceSnapshot = snap({
  gatewayClasses: [gatewayClass(), gatewayClass("other", "x.io/other")],
  gateways: [
    gateway("gw", [listener("http", 80, { allowedRoutes: { namespaces: { from: "All" } } }), listener("wild", 80, { hostname: "*.example.com", allowedRoutes: { namespaces: { from: "All" } } })]),
    gateway("gw2", [listener("http", 8080)], "apps"),
  ],
  namespaces: [namespace("apps", { team: "a" }), namespace("default")],
  services: [service("foo"), service("bar", "apps"), service("baz", "apps", [{ name: "grpc", port: 9000, appProtocol: "grpc" }])],
  referenceGrants: [grant("apps", [{ group: "gateway.networking.k8s.io", kind: "HTTPRoute", namespace: "default" }], [{ group: "", kind: "Service" }])],
  endpointSlices: [slice("foo-a", "foo", "default", [{ addresses: ["10.0.0.2"], targetRef: { kind: "Pod", name: "p" } }]), slice("bar-a", "bar", "apps", [{ addresses: ["10.0.1.2"] }])],
  pods: [pod("p", "default", "sa")],
  httpRoutes: [
    httpRoute("a", { parentRefs: [gwRef(), svcRef("foo")], hostnames: ["a.example.com"],
      rules: [{ matches: [{ path: { value: "/a" } }], backendRefs: [{ name: "bar", namespace: "apps", port: 80 }] }] }, "default", { creationTimestamp: "2024-01-01T00:00:00Z" }),
    httpRoute("b", { parentRefs: [gwRef()], rules: [{ matches: [{ path: { value: "/a" } }], backendRefs: [{ name: "foo", port: 80 }] }] }, "default", { creationTimestamp: "2024-01-01T00:00:00Z" }),
    httpRoute("c", { parentRefs: [gwRef("gw", { namespace: "default" }), svcRef("bar", { namespace: "apps" })], rules: [{ matches: [{ method: "BAD" }] }, {}] }, "apps"),
  ],
  grpcRoutes: [grpcRoute("g", { parentRefs: [svcRef("baz")], rules: [{ backendRefs: [{ name: "baz", port: 9000 }] }] }, "apps")],
});

function shuffled(s: ResourceSnapshot, seed: number): ResourceSnapshot {
  let x = seed || 1;
  const rnd = () => ((x = (x * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const sh = <T>(a: readonly T[]): T[] => {
    const out = [...a];
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  };
  return Object.fromEntries(Object.entries(s).map(([k, v]) => [k, sh(v as unknown[])])) as unknown as ResourceSnapshot;
}

describe("determinism", () => {
  it("output is byte-identical under any order of every input list", () => {
    const expected = canonicalJson(translate(rich));
    fc.assert(fc.property(fc.integer({ min: 1, max: 2 ** 30 }), (seed) => {
      expect(canonicalJson(translate(shuffled(rich, seed)))).toBe(expected);
    }), fcParams(60));
  });
  it("duplicate objects with the same namespace/name: one wins regardless of order, one status", () => {
    const dupA = httpRoute("dup", { parentRefs: [gwRef()], rules: [{ matches: [{ path: { value: "/a" } }] }] });
    const dupB = httpRoute("dup", { parentRefs: [gwRef()], rules: [{ matches: [{ path: { value: "/b" } }] }] });
    const one = translate({ ...rich, httpRoutes: [dupA, dupB] });
    const two = translate({ ...rich, httpRoutes: [dupB, dupA] });
    expect(canonicalJson(one)).toBe(canonicalJson(two));
    expect(one.statuses.filter((s) => s.target.name === "dup")).toHaveLength(1);
  });
  it("the rich snapshot exercises statuses, both faces and no internal errors", () => {
    const r = translate(rich);
    expect(r.diagnostics.filter((d) => d.code === "InternalError" || d.code === "ObjectInternalError")).toEqual([]);
    expect(r.ir.gateways.length).toBe(2);
    expect(cond(r, "c", "PartiallyInvalid", 1, "HTTPRoute", "apps").status).toBe("True");
  });
});

describe("never throws", () => {
  it("malformed objects (nulls, wrong types) give statuses or diagnostics, not exceptions", () => {
    const junk = {
      ...rich,
      httpRoutes: [
        ...rich.httpRoutes,
        { apiVersion: "x", kind: "HTTPRoute", metadata: { name: "j1", namespace: "default" }, spec: { parentRefs: [gwRef()], rules: [null] } },
        { apiVersion: "x", kind: "HTTPRoute", metadata: { name: "j2" }, spec: null },
        { apiVersion: "x", kind: "HTTPRoute", metadata: { name: "j3" }, spec: { parentRefs: [gwRef()], rules: [{ matches: [{ headers: [null] }], filters: [{}], backendRefs: [{}] }] } },
        { kind: "HTTPRoute" },
      ],
      gateways: [...rich.gateways, { kind: "Gateway", metadata: { name: "jg" }, spec: { gatewayClassName: "weft", listeners: [null, { name: "x" }] } }],
      services: [...rich.services, { kind: "Service", metadata: { name: "js" }, spec: { ports: [null] } }],
      endpointSlices: [...rich.endpointSlices, { kind: "EndpointSlice", metadata: { name: "je", labels: { "kubernetes.io/service-name": "foo" } }, addressType: "IPv4", endpoints: [null],
        ports: [{ name: "http", port: 1 }] }],
    } as unknown as ResourceSnapshot;
    const r = translate(junk);
    expect(r.diagnostics.filter((d) => d.code === "InternalError" || d.code === "ObjectInternalError")).toEqual([]);
    expect(cond(r, "a", "Accepted").status).toBe("True");
    expect(cond(r, "j1", "Accepted")).toMatchObject({ status: "False", reason: "UnsupportedValue", message: expect.stringContaining("malformed rule") });
    expect(cond(r, "j3", "Accepted").status).toBe("False");
  });
  it("a snapshot that is not even an object still returns a result", () => {
    const r = translate(null as unknown as ResourceSnapshot);
    expect(r.ir).toEqual({ gateways: [], services: [], clusters: [], secrets: [] });
    expect(r.diagnostics.map((d) => d.code)).toEqual(["InternalError"]);
  });
});

describe("limits (CRD maxItems)", () => {
  const base = snap({ gatewayClasses: [gatewayClass()], gateways: [gateway("gw", [listener("http")])], services: [service("foo")] });
  it("10,000 parentRefs ⇒ Accepted=False/UnsupportedValue naming the limit; only the first 32 are considered", () => {
    const parentRefs = Array.from({ length: 10_000 }, (_, i) => gwRef(i === 0 ? "gw" : `gw${i}`));
    const r = translate({ ...base, httpRoutes: [httpRoute("r", { parentRefs })] });
    expect(cond(r, "r", "Accepted")).toMatchObject({ status: "False", reason: "UnsupportedValue", message: expect.stringContaining("10000 parentRefs, over the limit of 32") });
    expect(r.diagnostics.length).toBeLessThanOrEqual(32);
  });
  it("10,000 rules ⇒ UnsupportedValue; 129 matches in a route ⇒ UnsupportedValue", () => {
    const rules = Array.from({ length: 10_000 }, () => ({}));
    const r = translate({ ...base, httpRoutes: [httpRoute("r", { parentRefs: [gwRef()], rules })] });
    expect(cond(r, "r", "Accepted").message).toContain("10000 rules, over the limit of 16");
    const many = Array.from({ length: 3 }, () => ({ matches: Array.from({ length: 43 }, (_, i) => ({ path: { value: `/p${i}` } })) }));
    const r2 = translate({ ...base, httpRoutes: [httpRoute("r", { parentRefs: [gwRef()], rules: many })] });
    expect(cond(r2, "r", "Accepted").message).toContain("129 matches in total, over the limit of 128");
  });
  it("a per-rule maxItems violation refuses the whole route even when another rule is fine (the API server would)", () => {
    const matches = Array.from({ length: 65 }, (_, i) => ({ path: { value: `/m${i}` } }));
    const r = translate({ ...base, httpRoutes: [httpRoute("r", { parentRefs: [gwRef()], rules: [{}, { matches }] })] });
    expect(cond(r, "r", "Accepted")).toMatchObject({ status: "False", reason: "UnsupportedValue", message: "spec.rules[1].matches: 65 matches, over the limit of 64" });
  });
  it("17 hostnames, 17 backendRefs, 17 filters are refused", () => {
    const hostnames = Array.from({ length: 17 }, (_, i) => `h${i}.example.com`);
    expect(cond(translate({ ...base, httpRoutes: [httpRoute("r", { parentRefs: [gwRef()], hostnames })] }), "r", "Accepted").reason).toBe("UnsupportedValue");
    const backendRefs = Array.from({ length: 17 }, () => ({ name: "foo", port: 80 }));
    expect(cond(translate({ ...base, httpRoutes: [httpRoute("r", { parentRefs: [gwRef()], rules: [{ backendRefs }] })] }), "r", "Accepted").message).toContain("17 backendRefs");
    const filters = Array.from({ length: 17 }, () => ({ type: "RequestMirror", requestMirror: { backendRef: { name: "foo", port: 80 } } }));
    expect(cond(translate({ ...base, httpRoutes: [httpRoute("r", { parentRefs: [gwRef()], rules: [{ filters }] })] }), "r", "Accepted").message).toContain("17 filters");
  });
  it("hostile 100,000-character names do not bloat status, IR or diagnostics", () => {
    const long = "x".repeat(100_000);
    const r = translate({ ...base, httpRoutes: [httpRoute("r", { parentRefs: [gwRef(), gwRef(long)], rules: [{ backendRefs: [{ name: long, port: 80 }] }] })] });
    expect(cond(r, "r", "ResolvedRefs").reason).toBe("BackendNotFound");
    const sizes = [...r.statuses.flatMap((s) => ("parents" in s ? s.parents.flatMap((p) => p.conditions.map((c) => c.message.length)) : [])), ...r.diagnostics.map((d) => d.message.length)];
    expect(Math.max(...sizes)).toBeLessThanOrEqual(2048);
    const b = r.ir.gateways[0]?.ports[0]?.listeners[0]?.routes.http.rules[0]?.backends[0];
    expect(b?.kind === "invalid" && b.message.length).toBeLessThanOrEqual(2048);
  });
  it("hostile regexes: nested quantifiers are fine for RE2; huge ones are refused by length", () => {
    const r = translate({ ...base, httpRoutes: [
      httpRoute("nested", { parentRefs: [gwRef()], rules: [{ matches: [{ path: { type: "RegularExpression", value: "/(a+)+(b*)*c{1,1000}" } }] }] }),
      httpRoute("huge", { parentRefs: [gwRef()], rules: [{ matches: [{ headers: [{ type: "RegularExpression", name: "x", value: "(a|b)".repeat(300) }] }] }] }),
    ] });
    expect(cond(r, "nested", "Accepted").status).toBe("True");
    expect(cond(r, "huge", "Accepted").message).toContain("over the limit of 1024");
    expect(routeStatus(r, "huge")?.parents[0]?.conditions[0]?.message.length).toBeLessThan(2000);
  });
});
