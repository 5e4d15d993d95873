// attachment: routes on Gateway listeners (spec §4, §6, §7): sectionName/port matching, allowedRoutes
// namespaces (Same/All/Selector) and kinds, hostname intersection, attachedRoutes, parents we do not
// own, HTTPRoute vs GRPCRoute on one listener.
import { describe, expect, it } from "vitest";
import { translate } from "../../pkg/translate/index.ts";
import {
  baseGateway,
  cond,
  gateway,
  gatewayClass,
  gatewayStatusOf,
  grpcRoute,
  gwRef,
  httpRoute,
  listener,
  namespace,
  routeStatus,
  service,
  snap,
} from "./builders.ts";

const all = { namespaces: { from: "All" } };

describe("parentRef sectionName / port (spec §6)", () => {
  const listeners = [listener("http", 80, { allowedRoutes: all }), listener("alt", 8080, { allowedRoutes: all })];
  it("sectionName selects one listener", () => {
    const r = translate(baseGateway({ httpRoutes: [httpRoute("r", { parentRefs: [gwRef("gw", { sectionName: "alt" })] })] }, listeners));
    expect(gatewayStatusOf(r)?.listeners.map((l) => [l.name, l.attachedRoutes])).toEqual([["http", 0], ["alt", 1]]);
  });
  it("port selects listeners on that port", () => {
    const r = translate(baseGateway({ httpRoutes: [httpRoute("r", { parentRefs: [gwRef("gw", { port: 80 })] })] }, listeners));
    expect(gatewayStatusOf(r)?.listeners.map((l) => l.attachedRoutes)).toEqual([1, 0]);
  });
  it.each([
    [{ sectionName: "nope" }, 'no listener "nope"'],
    [{ port: 81 }, "no listener on port 81"],
    [{ sectionName: "http", port: 8080 }, 'no listener "http" on port 8080'],
  ])("%j ⇒ NoMatchingParent", (extra, msg) => {
    const r = translate(baseGateway({ httpRoutes: [httpRoute("r", { parentRefs: [gwRef("gw", extra)] })] }, listeners));
    expect(cond(r, "r", "Accepted")).toMatchObject({ status: "False", reason: "NoMatchingParent", message: expect.stringContaining(msg) });
    expect(gatewayStatusOf(r)?.listeners.map((l) => l.attachedRoutes)).toEqual([0, 0]);
  });
  it("no sectionName attaches to every admitting listener", () => {
    const r = translate(baseGateway({ httpRoutes: [httpRoute("r", { parentRefs: [gwRef()] })] }, listeners));
    expect(gatewayStatusOf(r)?.listeners.map((l) => l.attachedRoutes)).toEqual([1, 1]);
    expect(r.ir.gateways[0]?.ports.map((p) => p.port)).toEqual([80, 8080]);
  });
});

describe("allowedRoutes (spec §6)", () => {
  it("default from: Same rejects a cross-namespace route with NotAllowedByListeners; attachedRoutes stays 0", () => {
    const r = translate(baseGateway({ httpRoutes: [httpRoute("r", { parentRefs: [gwRef("gw", { namespace: "default" })] }, "other")] }, [listener("http")]));
    expect(cond(r, "r", "Accepted", 0, "HTTPRoute", "other")).toMatchObject({ status: "False", reason: "NotAllowedByListeners" });
    expect(gatewayStatusOf(r)?.listeners[0]?.attachedRoutes).toBe(0);
  });
  it("from: Selector uses Namespace labels (matchLabels + matchExpressions) and the automatic name label", () => {
    const sel = { namespaces: { from: "Selector", selector: { matchLabels: { team: "a" }, matchExpressions: [{ key: "env", operator: "NotIn", values: ["prod"] }] } } };
    const byName = { namespaces: { from: "Selector", selector: { matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "In", values: ["named"] }] } } };
    const r = translate(baseGateway({
      namespaces: [namespace("ok", { team: "a" }), namespace("prod", { team: "a", env: "prod" }), namespace("b", { team: "b" }), namespace("named")],
      httpRoutes: ["ok", "prod", "b", "named"].map((ns) => httpRoute("r", { parentRefs: [gwRef("gw", { namespace: "default" })] }, ns)),
    }, [listener("sel", 80, { allowedRoutes: sel }), listener("byname", 8080, { allowedRoutes: byName })]));
    expect(cond(r, "r", "Accepted", 0, "HTTPRoute", "ok").status).toBe("True");
    expect(cond(r, "r", "Accepted", 0, "HTTPRoute", "named").message).toContain("byname");
    expect(cond(r, "r", "Accepted", 0, "HTTPRoute", "prod").reason).toBe("NotAllowedByListeners");
    expect(cond(r, "r", "Accepted", 0, "HTTPRoute", "b").reason).toBe("NotAllowedByListeners");
  });
  it("a malformed selector admits nothing and the listener says why", () => {
    const bad = { namespaces: { from: "Selector", selector: { matchExpressions: [{ key: "k", operator: "Near" }] } } };
    const r = translate(baseGateway({ httpRoutes: [httpRoute("r", { parentRefs: [gwRef()] })] }, [listener("http", 80, { allowedRoutes: bad })]));
    expect(cond(r, "r", "Accepted").reason).toBe("NotAllowedByListeners");
    expect(gatewayStatusOf(r)?.listeners[0]?.conditions.find((c) => c.type === "Accepted")?.message).toContain('unknown operator "Near"');
  });
  it("kinds excluding HTTPRoute ⇒ NotAllowedByListeners; invalid kinds ⇒ InvalidRouteKinds and only valid supportedKinds", () => {
    const kinds = { namespaces: { from: "All" }, kinds: [{ kind: "GRPCRoute" }, { kind: "TCPRoute" }] };
    const r = translate(baseGateway({ httpRoutes: [httpRoute("r", { parentRefs: [gwRef()] })] }, [listener("http", 80, { allowedRoutes: kinds })]));
    expect(cond(r, "r", "Accepted")).toMatchObject({ status: "False", reason: "NotAllowedByListeners", message: expect.stringContaining("kind HTTPRoute") });
    const l = gatewayStatusOf(r)?.listeners[0];
    expect(l?.supportedKinds).toEqual([{ group: "gateway.networking.k8s.io", kind: "GRPCRoute" }]);
    expect(l?.conditions.find((c) => c.type === "ResolvedRefs")).toMatchObject({ status: "False", reason: "InvalidRouteKinds" });
  });
});

describe("hostnames on listeners (spec §7)", () => {
  it("no intersection ⇒ NoMatchingListenerHostname", () => {
    const r = translate(baseGateway({ httpRoutes: [httpRoute("r", { parentRefs: [gwRef()], hostnames: ["other.org"] })] }, [listener("http", 80, { hostname: "*.example.com" })]));
    expect(cond(r, "r", "Accepted")).toMatchObject({ status: "False", reason: "NoMatchingListenerHostname" });
  });
  it("listener isolation: each listener has its own table with effective hostnames; listeners ordered most specific first", () => {
    const r = translate(baseGateway({ httpRoutes: [httpRoute("r", { parentRefs: [gwRef()], hostnames: ["a.example.com", "*.example.com"] })] }, [
      listener("any", 80, { allowedRoutes: all }),
      listener("wild", 80, { hostname: "*.example.com", allowedRoutes: all }),
      listener("exact", 80, { hostname: "a.example.com", allowedRoutes: all }),
    ]));
    const ls = r.ir.gateways[0]!.ports[0]!.listeners;
    expect(ls.map((l) => l.name)).toEqual(["exact", "wild", "any"]);
    expect(ls.map((l) => l.routes.http.entries.map((e) => e.hostnames[0]))).toEqual([
      ["a.example.com"],
      ["a.example.com", "*.example.com"],
      ["a.example.com", "*.example.com"],
    ]);
  });
});

describe("parents we do not own (spec §4)", () => {
  it("Gateways of another controller get nothing; their routes' parentRefs get no entry", () => {
    const r = translate(snap({
      gatewayClasses: [gatewayClass("weft"), gatewayClass("other", "example.com/other")],
      gateways: [gateway("theirs", [listener("http")], "default", "other"), gateway("gw", [listener("http")])],
      services: [service("foo")],
      httpRoutes: [httpRoute("r", { parentRefs: [gwRef("theirs"), gwRef("gw")] })],
    }));
    expect(r.statuses.map((s) => `${s.target.kind}/${s.target.name}`)).toEqual(["Gateway/gw", "GatewayClass/weft", "HTTPRoute/r"]);
    expect(routeStatus(r, "r")?.parents.map((p) => p.parentRef.name)).toEqual(["gw"]);
    expect(r.ir.gateways.map((g) => g.name)).toEqual(["gw"]);
  });
  it("a nonexistent Gateway and a missing GatewayClass are explained by diagnostics", () => {
    const r = translate(
      snap({ gatewayClasses: [gatewayClass()], gateways: [gateway("orphan", [listener("http")], "default", "nope")], httpRoutes: [httpRoute("r", { parentRefs: [gwRef("ghost"), gwRef("orphan")] })] }),
    );
    expect(routeStatus(r, "r")).toBeUndefined();
    expect(r.diagnostics.map((d) => d.code).sort()).toEqual(["ParentClassNotFound", "ParentNotFound"]);
  });
  it("observedGeneration follows metadata.generation; defaults to 1 when absent", () => {
    const route = httpRoute("r", { parentRefs: [gwRef()] });
    const noGen = { ...route, metadata: { name: "r2", namespace: "default" } };
    const r = translate(baseGateway({ httpRoutes: [route, noGen] }));
    expect(cond(r, "r", "Accepted").observedGeneration).toBe(3);
    expect(cond(r, "r2", "Accepted").observedGeneration).toBe(1);
    expect(routeStatus(r, "r2")?.target.generation).toBe(1);
  });
});

describe("HTTPRoute vs GRPCRoute on one listener (spec §6)", () => {
  it("intersecting hostnames: the older route is accepted, the newer is Conflicted and not in the IR", () => {
    const r = translate(baseGateway({
      httpRoutes: [httpRoute("h", { parentRefs: [gwRef()], hostnames: ["a.example.com"] }, "default", { creationTimestamp: "2024-01-01T00:03:00Z" })],
      grpcRoutes: [grpcRoute("g", { parentRefs: [gwRef()], hostnames: ["a.example.com"], rules: [{}] }, "default", { creationTimestamp: "2024-01-01T00:04:00Z" })],
    }));
    expect(cond(r, "h", "Accepted").status).toBe("True");
    expect(cond(r, "g", "Accepted", 0, "GRPCRoute")).toMatchObject({ status: "False", reason: "Conflicted", message: expect.stringContaining("HTTPRoute default/h") });
    expect(r.ir.gateways[0]!.ports[0]!.listeners[0]!.routes.grpc.rules).toEqual([]);
    expect(gatewayStatusOf(r)?.listeners[0]?.attachedRoutes).toBe(1);
  });
  it("losing on one listener only: Accepted on the others, a Conflicted diagnostic names the loss", () => {
    const r = translate(baseGateway({
      httpRoutes: [httpRoute("h", { parentRefs: [gwRef("gw", { sectionName: "a" })] }, "default", { creationTimestamp: "2024-01-01T00:00:00Z" })],
      grpcRoutes: [grpcRoute("g", { parentRefs: [gwRef()], rules: [{}] }, "default", { creationTimestamp: "2024-06-01T00:00:00Z" })],
    }, [listener("a", 80, { allowedRoutes: all }), listener("b", 8080, { allowedRoutes: all })]));
    expect(cond(r, "g", "Accepted", 0, "GRPCRoute")).toMatchObject({ status: "True", message: expect.stringContaining("listener b of") });
    expect(r.diagnostics).toContainEqual(expect.objectContaining({ code: "Conflicted", object: "GRPCRoute/default/g" }));
    expect(gatewayStatusOf(r)?.listeners.map((l) => l.attachedRoutes)).toEqual([1, 1]);
    expect(r.ir.gateways[0]?.ports.map((p) => p.listeners[0]?.routes.grpc.rules.length)).toEqual([0, 1]);
  });
  it("cascade: a GRPCRoute that lost does not push out a newer HTTPRoute", () => {
    const t = (m: number) => ({ creationTimestamp: `2024-01-01T00:0${m}:00Z` });
    const r = translate(baseGateway({
      httpRoutes: [httpRoute("h1", { parentRefs: [gwRef()] }, "default", t(1)), httpRoute("h2", { parentRefs: [gwRef()] }, "default", t(3))],
      grpcRoutes: [grpcRoute("g", { parentRefs: [gwRef()], rules: [{}] }, "default", t(2))],
    }));
    expect([cond(r, "h1", "Accepted").status, cond(r, "g", "Accepted", 0, "GRPCRoute").reason, cond(r, "h2", "Accepted").status]).toEqual(["True", "Conflicted", "True"]);
    expect(gatewayStatusOf(r)?.listeners[0]?.attachedRoutes).toBe(2);
  });
  it("equal age: the namespace, then the name, then the kind (GRPCRoute first) pick the accepted route", () => {
    const same = { creationTimestamp: "2024-01-01T00:00:00Z" };
    const run = (h: [string, string], g: [string, string]) =>
      translate(baseGateway({
        httpRoutes: [httpRoute(h[1], { parentRefs: [gwRef("gw", { namespace: "default" })] }, h[0], same)],
        grpcRoutes: [grpcRoute(g[1], { parentRefs: [gwRef("gw", { namespace: "default" })], rules: [{}] }, g[0], same)],
      }));
    const verdict = (h: [string, string], g: [string, string]): string[] => {
      const r = run(h, g);
      return [cond(r, h[1], "Accepted", 0, "HTTPRoute", h[0]).reason, cond(r, g[1], "Accepted", 0, "GRPCRoute", g[0]).reason];
    };
    expect(verdict(["a", "z"], ["b", "a"])).toEqual(["Accepted", "Conflicted"]);
    expect(verdict(["b", "a"], ["a", "z"])).toEqual(["Conflicted", "Accepted"]);
    expect(verdict(["default", "a"], ["default", "b"])).toEqual(["Accepted", "Conflicted"]);
    expect(verdict(["default", "b"], ["default", "a"])).toEqual(["Conflicted", "Accepted"]);
    expect(verdict(["default", "r"], ["default", "r"])).toEqual(["Conflicted", "Accepted"]);
  });
  it("losing on one listener only: the warning names the winner and its listener", () => {
    const r = translate(baseGateway({
      httpRoutes: [httpRoute("h", { parentRefs: [gwRef("gw", { sectionName: "a" })] }, "default", { creationTimestamp: "2024-01-01T00:00:00Z" })],
      grpcRoutes: [grpcRoute("g", { parentRefs: [gwRef()], rules: [{}] }, "default", { creationTimestamp: "2024-06-01T00:00:00Z" })],
    }, [listener("a", 80, { allowedRoutes: all }), listener("b", 8080, { allowedRoutes: all })]));
    expect(r.diagnostics.filter((d) => d.code === "Conflicted")).toEqual([
      expect.objectContaining({
        severity: "warning",
        object: "GRPCRoute/default/g",
        message: "not attached to some listeners: an older route with intersecting hostnames is accepted instead: HTTPRoute default/h on listener a",
      }),
    ]);
  });
  it("disjoint hostnames: both accepted", () => {
    const r = translate(baseGateway({
      httpRoutes: [httpRoute("h", { parentRefs: [gwRef()], hostnames: ["a.example.com"] })],
      grpcRoutes: [grpcRoute("g", { parentRefs: [gwRef()], hostnames: ["b.example.com"], rules: [{}] })],
    }));
    expect(cond(r, "g", "Accepted", 0, "GRPCRoute").status).toBe("True");
    expect(gatewayStatusOf(r)?.listeners[0]?.attachedRoutes).toBe(2);
  });
});
