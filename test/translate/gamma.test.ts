// gamma: routes on Services (spec §1, §2): ClusterIP only, port/sectionName selection, producer vs
// consumer tables, route-type conflict, self-backend, hostnames ignored, no grant for mesh backends.
import { describe, expect, it } from "vitest";
import { translate } from "../../pkg/translate/index.ts";
import { cond, grant, grpcRoute, httpRoute, routeStatus, service, snap, svcRef } from "./builders.ts";

const ports = [{ name: "http", port: 80 }, { name: "admin", port: 9090 }];
const reviews = service("reviews", "default", ports);

function meshPort(r: ReturnType<typeof translate>, svc: string, port: number, ns = "default") {
  return r.ir.services.find((s) => s.name === svc && s.namespace === ns)?.ports.find((p) => p.port === port);
}

describe("GAMMA parent selection (spec §1)", () => {
  it("no port: route applies to every Service port", () => {
    const r = translate(snap({ services: [reviews], httpRoutes: [httpRoute("r", { parentRefs: [svcRef("reviews")], rules: [{ backendRefs: [{ name: "reviews", port: 80 }] }] })] }));
    expect(meshPort(r, "reviews", 80)?.producer?.http.rules).toHaveLength(1);
    expect(meshPort(r, "reviews", 9090)?.producer?.http.rules).toHaveLength(1);
    expect(cond(r, "r", "Accepted").status).toBe("True");
  });
  it("port selects one Service port; sectionName selects by port NAME", () => {
    const r = translate(snap({ services: [reviews], httpRoutes: [
      httpRoute("byport", { parentRefs: [svcRef("reviews", { port: 9090 })] }),
      httpRoute("byname", { parentRefs: [svcRef("reviews", { sectionName: "http" })] }),
    ] }));
    expect(meshPort(r, "reviews", 80)?.producer?.http.rules.map((x) => x.route.name)).toEqual(["byname"]);
    expect(meshPort(r, "reviews", 9090)?.producer?.http.rules.map((x) => x.route.name)).toEqual(["byport"]);
  });
  it("port and sectionName naming different ports ⇒ NoMatchingParent", () => {
    const r = translate(snap({ services: [reviews], httpRoutes: [httpRoute("r", { parentRefs: [svcRef("reviews", { port: 80, sectionName: "admin" })] })] }));
    const c = cond(r, "r", "Accepted");
    expect([c.status, c.reason]).toEqual(["False", "NoMatchingParent"]);
    expect(c.message).toContain('port 80 named "admin"');
  });
  it("UDP ports are not parents: a parentRef naming only a UDP port ⇒ NoMatchingParent; no port ⇒ only TCP ports", () => {
    const dns = service("dns", "default", [{ name: "dns", port: 53, protocol: "UDP" }, { name: "http", port: 80 }]);
    const r = translate(snap({ services: [dns], httpRoutes: [httpRoute("udp", { parentRefs: [svcRef("dns", { port: 53 })] }), httpRoute("all", { parentRefs: [svcRef("dns")] })] }));
    expect(cond(r, "udp", "Accepted").reason).toBe("NoMatchingParent");
    expect(cond(r, "all", "Accepted").message).toContain("port 80 as a producer route");
    expect(r.ir.services[0]?.ports.map((p) => p.port)).toEqual([80]);
  });
  it("unknown port ⇒ NoMatchingParent", () => {
    const r = translate(snap({ services: [reviews], httpRoutes: [httpRoute("r", { parentRefs: [svcRef("reviews", { port: 81 })] })] }));
    expect(cond(r, "r", "Accepted").reason).toBe("NoMatchingParent");
  });
  it("headless and ExternalName Services are not parents (Accepted=False with a precise message)", () => {
    const r = translate(snap({
      services: [service("hl", "default", ports, { clusterIP: "None" }), service("ext", "default", ports, { type: "ExternalName", externalName: "x.example.com" })],
      httpRoutes: [httpRoute("a", { parentRefs: [svcRef("hl")] }), httpRoute("b", { parentRefs: [svcRef("ext")] })],
    }));
    expect(cond(r, "a", "Accepted")).toMatchObject({ status: "False", message: expect.stringContaining("headless") });
    expect(cond(r, "b", "Accepted")).toMatchObject({ status: "False", message: expect.stringContaining("ExternalName") });
    expect(r.ir.services).toEqual([]);
  });
  it("a nonexistent parent Service gets no status entry but a diagnostic", () => {
    const r = translate(snap({ httpRoutes: [httpRoute("r", { parentRefs: [svcRef("ghost")] })] }));
    expect(routeStatus(r, "r")).toBeUndefined();
    expect(r.diagnostics).toContainEqual(expect.objectContaining({ code: "ParentNotFound", object: "HTTPRoute/default/r" }));
  });
  it("a Service without routes is still in the IR with its own cluster and no tables (route presence)", () => {
    const r = translate(snap({ services: [reviews] }));
    const p = meshPort(r, "reviews", 80);
    expect(p).toEqual({ port: 80, name: "http", cluster: "default/reviews:80", consumers: {} });
    expect(r.ir.clusters.map((c) => c.id)).toEqual(["default/reviews:80", "default/reviews:9090"]);
  });
  it("mesh routes ignore hostnames (entries carry [] and invalid hostnames do not reject)", () => {
    const r = translate(snap({ services: [reviews], httpRoutes: [httpRoute("r", { parentRefs: [svcRef("reviews", { port: 80 })], hostnames: ["a.example.com", "10.0.0.1"] })] }));
    expect(cond(r, "r", "Accepted").status).toBe("True");
    expect(meshPort(r, "reviews", 80)?.producer?.http.entries.map((e) => e.hostnames)).toEqual([[]]);
  });
});

describe("producer vs consumer routes (spec §2)", () => {
  it("same-namespace route is a producer route; other-namespace route is keyed by its namespace", () => {
    const r = translate(snap({ services: [reviews], httpRoutes: [
      httpRoute("prod", { parentRefs: [svcRef("reviews", { port: 80 })] }),
      httpRoute("cons", { parentRefs: [svcRef("reviews", { port: 80, namespace: "default" })] }, "client"),
    ] }));
    const p = meshPort(r, "reviews", 80);
    expect(p?.producer?.http.rules.map((x) => x.route.name)).toEqual(["prod"]);
    expect(Object.keys(p?.consumers ?? {})).toEqual(["client"]);
    expect(p?.consumers["client"]?.http.rules.map((x) => x.route.name)).toEqual(["cons"]);
    expect(cond(r, "cons", "Accepted", 0, "HTTPRoute", "client").message).toContain("consumer route for namespace client");
  });
  it("mesh backendRefs across namespaces need no ReferenceGrant", () => {
    const r = translate(snap({ services: [reviews, service("other", "far")], httpRoutes: [
      httpRoute("r", { parentRefs: [svcRef("reviews")], rules: [{ backendRefs: [{ name: "other", namespace: "far", port: 80 }] }] }),
    ] }));
    expect(cond(r, "r", "ResolvedRefs").status).toBe("True");
    expect(meshPort(r, "reviews", 80)?.producer?.http.rules[0]?.backends[0]).toMatchObject({ kind: "cluster", cluster: "far/other:80" });
  });
  it("a route whose backend is its own parent Service resolves to that Service's cluster", () => {
    const r = translate(snap({ services: [reviews], httpRoutes: [httpRoute("self", { parentRefs: [svcRef("reviews", { port: 80 })], rules: [{ backendRefs: [{ name: "reviews", port: 80 }] }] })] }));
    const p = meshPort(r, "reviews", 80);
    expect(p?.producer?.http.rules[0]?.backends).toEqual([{ kind: "cluster", weight: 1, cluster: p?.cluster, filters: [] }]);
  });
});

describe("route-type conflict on a Service port (spec §1.9)", () => {
  it("GRPCRoute beats HTTPRoute on the same port; the loser gets Accepted=False/Conflicted", () => {
    const r = translate(
      snap({ services: [reviews], httpRoutes: [httpRoute("h", { parentRefs: [svcRef("reviews", { port: 80 })] })],
        grpcRoutes: [grpcRoute("g", { parentRefs: [svcRef("reviews", { port: 80 })], rules: [{}] })] }),
    );
    expect(cond(r, "h", "Accepted")).toMatchObject({ status: "False", reason: "Conflicted" });
    expect(cond(r, "g", "Accepted", 0, "GRPCRoute").status).toBe("True");
    const p = meshPort(r, "reviews", 80);
    expect(p?.producer?.http.rules).toEqual([]);
    expect(p?.producer?.grpc.rules).toHaveLength(1);
  });
  it("an HTTPRoute on all ports keeps the ports where no GRPCRoute is attached", () => {
    const r = translate(
      snap({ services: [reviews], httpRoutes: [httpRoute("h", { parentRefs: [svcRef("reviews")] })], grpcRoutes: [grpcRoute("g", { parentRefs: [svcRef("reviews", { port: 80 })], rules: [{}] })] }),
    );
    expect(cond(r, "h", "Accepted").status).toBe("True");
    expect(meshPort(r, "reviews", 80)?.producer?.http.rules).toEqual([]);
    expect(meshPort(r, "reviews", 9090)?.producer?.http.rules).toHaveLength(1);
  });
  it("a consumer GRPCRoute does not conflict with a producer HTTPRoute (different groups)", () => {
    const r = translate(
      snap({ services: [reviews], httpRoutes: [httpRoute("h", { parentRefs: [svcRef("reviews", { port: 80 })] })],
        grpcRoutes: [grpcRoute("g", { parentRefs: [svcRef("reviews", { port: 80, namespace: "default" })], rules: [{}] }, "client")] }),
    );
    expect(cond(r, "h", "Accepted").status).toBe("True");
  });
  it("GRPCRoute backends default to protocol grpc; HTTPRoute backends to http1; appProtocol wins", () => {
    const r = translate(
      snap({ services: [service("g"), service("h"), service("w", "default", [{ name: "http", port: 80, appProtocol: "kubernetes.io/ws" }])],
        httpRoutes: [httpRoute("hr", { parentRefs: [svcRef("h")], rules: [{ backendRefs: [{ name: "h", port: 80 }, { name: "w", port: 80 }] }] })],
        grpcRoutes: [grpcRoute("gr", { parentRefs: [svcRef("g")], rules: [{ backendRefs: [{ name: "g", port: 80 }] }] })] }),
    );
    expect(Object.fromEntries(r.ir.clusters.map((c) => [c.id, c.protocol]))).toEqual({ "default/g:80": "grpc", "default/h:80": "http1", "default/w:80": "ws" });
  });
});

describe("ReferenceGrant is not used for mesh parents", () => {
  it("a grant does not matter for a consumer parentRef (always allowed)", () => {
    const r = translate(snap({ services: [reviews], referenceGrants: [grant("default", [], [])], httpRoutes: [httpRoute("c", { parentRefs: [svcRef("reviews", { namespace: "default" })] }, "x")] }));
    expect(cond(r, "c", "Accepted", 0, "HTTPRoute", "x").status).toBe("True");
  });
});
