// backend-edges: backendRef and ReferenceGrant cases the other files leave open (spec §3, §5) — grant
// entries are OR'd within from and within to; a headless Service's appProtocol reaches its cluster
// through the route's own demand (it has no mesh frontend to declare it); a GRPCRoute cannot use a
// WebSocket or HTTP/1.1 backend; a rule without retry or session persistence has no such key.
import { describe, expect, it } from "vitest";
import type { BackendIR } from "../../pkg/ir/types.ts";
import { translate } from "../../pkg/translate/index.ts";
import { baseGateway, cond, grant, grpcRoute, gwRef, httpRoute, service } from "./builders.ts";

const G = "gateway.networking.k8s.io";

describe("ReferenceGrant entries are OR'd (spec §5)", () => {
  it("one matching from entry and one matching to entry among others permit the reference", () => {
    const g = grant("other", [{ group: G, kind: "GRPCRoute", namespace: "default" }, { group: G, kind: "HTTPRoute", namespace: "default" }], [{ group: "", kind: "Secret" }, {
      group: "",
      kind: "Service",
      name: "far",
    }]);
    const r = translate(baseGateway({
      services: [service("foo"), service("far", "other")],
      referenceGrants: [g],
      httpRoutes: [httpRoute("r", { parentRefs: [gwRef()], rules: [{ backendRefs: [{ name: "far", namespace: "other", port: 80 }] }] })],
    }));
    const backends: readonly BackendIR[] = r.ir.gateways[0]?.ports[0]?.listeners[0]?.routes.http.rules[0]?.backends ?? [];
    expect(backends[0]).toMatchObject({ kind: "cluster", cluster: "other/far:80" });
    expect(cond(r, "r", "ResolvedRefs").status).toBe("True");
  });
});

describe("backend protocols (spec §3)", () => {
  it("a headless Service's appProtocol reaches its cluster from the route's demand", () => {
    const hl = service("hl", "default", [{ name: "h2", port: 80, appProtocol: "kubernetes.io/h2c" }], { clusterIP: "None" });
    const r = translate(baseGateway({ services: [service("foo"), hl], httpRoutes: [httpRoute("r", { parentRefs: [gwRef()], rules: [{ backendRefs: [{ name: "hl", port: 80 }] }] })] }));
    expect(r.ir.clusters.find((c) => c.id === "default/hl:80")?.protocol).toBe("h2c");
  });
  it.each([["kubernetes.io/ws"], ["http"]])("a GRPCRoute backend with appProtocol %s ⇒ UnsupportedProtocol", (appProtocol) => {
    const svc = service("b", "default", [{ name: "p", port: 80, appProtocol }]);
    const r = translate(baseGateway({ services: [service("foo"), svc], grpcRoutes: [grpcRoute("g", { parentRefs: [gwRef()], rules: [{ backendRefs: [{ name: "b", port: 80 }] }] })] }));
    expect(cond(r, "g", "ResolvedRefs", 0, "GRPCRoute")).toMatchObject({ status: "False", reason: "UnsupportedProtocol", message: expect.stringContaining(`appProtocol "${appProtocol}"`) });
  });
});

describe("rule IR keys", () => {
  it("a rule without retry or session persistence carries neither key; one with them carries both", () => {
    const r = translate(baseGateway({
      httpRoutes: [httpRoute("r", {
        parentRefs: [gwRef()],
        rules: [{ backendRefs: [{ name: "foo", port: 80 }] }, { matches: [{ path: { value: "/b" } }], retry: { attempts: 2 }, sessionPersistence: {}, backendRefs: [{ name: "foo", port: 80 }] }],
      })],
    }));
    const rules = r.ir.gateways[0]?.ports[0]?.listeners[0]?.routes.http.rules ?? [];
    expect(rules.map((x) => ["retry" in x, "sessionPersistence" in x])).toStrictEqual([[false, false], [true, true]]);
  });
  it("an invalid filter on a backendRef drops its rule", () => {
    const r = translate(baseGateway({
      httpRoutes: [httpRoute("r", {
        parentRefs: [gwRef()],
        rules: [{ backendRefs: [{ name: "foo", port: 80 }] }, {
          matches: [{ path: { value: "/b" } }],
          backendRefs: [{ name: "foo", port: 80, filters: [{ type: "RequestHeaderModifier", requestHeaderModifier: { set: [{ name: "bad name", value: "v" }] } }] }],
        }],
      })],
    }));
    expect(cond(r, "r", "PartiallyInvalid")).toMatchObject({ status: "True", message: 'Dropped Rule 1: backendRef 0 of rule 1.filters[0].set: invalid header name "bad name" (UnsupportedValue)' });
  });
  it("an HTTPRoute with an empty rules list gets the default rule (PathPrefix /, no backend); a GRPCRoute gets none", () => {
    const r = translate(baseGateway({ httpRoutes: [httpRoute("h", { parentRefs: [gwRef()], rules: [] })] }));
    const routes = r.ir.gateways[0]?.ports[0]?.listeners[0]?.routes;
    expect(routes?.http.rules.map((x) => [x.route.name, x.backends.length])).toStrictEqual([["h", 0]]);
    expect(routes?.http.entries.map((e) => e.match.kind === "http" && [e.match.path.type, e.match.path.value])).toStrictEqual([["PathPrefix", "/"]]);
    const g = translate(baseGateway({ grpcRoutes: [grpcRoute("g", { parentRefs: [gwRef()], rules: [] })] }));
    expect(g.ir.gateways[0]?.ports[0]?.listeners[0]?.routes.grpc.rules).toStrictEqual([]);
  });
});
