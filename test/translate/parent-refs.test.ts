// parent-refs: what a route's status says about each Gateway parentRef (spec §4, §6) — the parentRef
// echoed with the CRD's defaults, the exact NoMatchingParent / NotAllowedByListeners /
// NoMatchingListenerHostname messages, and which parentRefs count as a Gateway, a Service or neither.
import { describe, expect, it } from "vitest";
import { translate } from "../../pkg/translate/index.ts";
import { parentTarget } from "../../pkg/translate/parent-refs.ts";
import { baseGateway, cond, gwRef, httpRoute, listener, routeStatus } from "./builders.ts";

const GW = "gateway.networking.k8s.io";
const all = { namespaces: { from: "All" as const } };

describe("the parentRef echoed in route status (spec §4)", () => {
  it("group and kind filled in with the CRD defaults; unset fields stay out", () => {
    const r = translate(baseGateway({ httpRoutes: [httpRoute("r", { parentRefs: [gwRef("gw")] })] }));
    expect(routeStatus(r, "r")?.parents[0]?.parentRef).toStrictEqual({ group: GW, kind: "Gateway", name: "gw" });
  });
  it("namespace, sectionName and port echoed as written", () => {
    const r = translate(baseGateway({ httpRoutes: [httpRoute("r", { parentRefs: [gwRef("gw", { group: GW, kind: "Gateway", namespace: "default", sectionName: "http", port: 80 })] })] }));
    expect(routeStatus(r, "r")?.parents[0]?.parentRef).toStrictEqual({ group: GW, kind: "Gateway", namespace: "default", name: "gw", sectionName: "http", port: 80 });
    expect(cond(r, "r", "Accepted").status).toBe("True");
  });
});

describe("why a route does not attach to a Gateway (spec §6, §7), message by message", () => {
  const listeners = [listener("http", 80, { allowedRoutes: all }), listener("alt", 8080, { allowedRoutes: all })];
  it.each([
    [{ sectionName: "nope" }, 'Gateway default/gw has no listener "nope"'],
    [{ port: 81 }, "Gateway default/gw has no listener on port 81"],
    [{ sectionName: "http", port: 8080 }, 'Gateway default/gw has no listener "http" on port 8080'],
  ])("%j ⇒ NoMatchingParent: %s", (extra, message) => {
    const r = translate(baseGateway({ httpRoutes: [httpRoute("r", { parentRefs: [gwRef("gw", extra)] })] }, listeners));
    expect(cond(r, "r", "Accepted")).toMatchObject({ status: "False", reason: "NoMatchingParent", message });
  });
  it("a Gateway without listeners ⇒ NoMatchingParent: has no listener", () => {
    const r = translate(baseGateway({ httpRoutes: [httpRoute("r", { parentRefs: [gwRef()] })] }, []));
    expect(cond(r, "r", "Accepted")).toMatchObject({ status: "False", reason: "NoMatchingParent", message: "Gateway default/gw has no listener" });
  });
  it("sectionName and port naming the same listener attach", () => {
    const r = translate(baseGateway({ httpRoutes: [httpRoute("r", { parentRefs: [gwRef("gw", { sectionName: "alt", port: 8080 })] })] }, listeners));
    expect(cond(r, "r", "Accepted").status).toBe("True");
  });
  it("the kind is checked before the namespace, on the listeners the parentRef selects", () => {
    const grpcOnly = { namespaces: { from: "Same" as const }, kinds: [{ kind: "GRPCRoute" }] };
    const ls = [listener("grpc", 80, { allowedRoutes: grpcOnly }), listener("same", 8080)];
    const r = translate(baseGateway({ httpRoutes: [httpRoute("r", { parentRefs: [gwRef("gw", { namespace: "default", port: 80 })] }, "other")] }, ls));
    expect(cond(r, "r", "Accepted", 0, "HTTPRoute", "other")).toMatchObject({
      status: "False",
      reason: "NotAllowedByListeners",
      message: "no matching listener of Gateway default/gw allows kind HTTPRoute",
    });
    const r2 = translate(baseGateway({ httpRoutes: [httpRoute("r", { parentRefs: [gwRef("gw", { namespace: "default" })] }, "other")] }, ls));
    expect(cond(r2, "r", "Accepted", 0, "HTTPRoute", "other")).toMatchObject({
      status: "False",
      reason: "NotAllowedByListeners",
      message: "no matching listener of Gateway default/gw allows routes from namespace other",
    });
  });
  it("hostnames: attached where they intersect; none ⇒ NoMatchingListenerHostname naming them", () => {
    const ls = [listener("a", 80, { hostname: "a.example.com", allowedRoutes: all }), listener("b", 8080, { hostname: "b.example.com", allowedRoutes: all })];
    const some = translate(baseGateway({ httpRoutes: [httpRoute("r", { parentRefs: [gwRef()], hostnames: ["b.example.com"] })] }, ls));
    expect(cond(some, "r", "Accepted").status).toBe("True");
    expect(some.ir.gateways[0]?.ports.map((p) => [p.port, p.listeners.map((l) => l.routes.http.entries.length)])).toStrictEqual([[80, [0]], [8080, [1]]]);
    const none = translate(baseGateway({ httpRoutes: [httpRoute("r", { parentRefs: [gwRef()], hostnames: ["c.example.com", "d.example.com"] })] }, ls));
    expect(cond(none, "r", "Accepted")).toMatchObject({
      status: "False",
      reason: "NoMatchingListenerHostname",
      message: "route hostnames c.example.com, d.example.com do not intersect any matching listener hostname of Gateway default/gw",
    });
  });
});

describe("parentTarget", () => {
  it("Gateway by default, Service only in the core group, anything else Other", () => {
    expect(parentTarget({ name: "x" })).toBe("Gateway");
    expect(parentTarget({ group: GW, name: "x" })).toBe("Gateway");
    expect(parentTarget({ kind: "Gateway", name: "x" })).toBe("Gateway");
    expect(parentTarget({ group: "", kind: "Service", name: "x" })).toBe("Service");
    expect(parentTarget({ kind: "Service", name: "x" })).toBe("Other");
    expect(parentTarget({ group: "", kind: "Gateway", name: "x" })).toBe("Other");
    expect(parentTarget({ group: "example.com", kind: "Gateway", name: "x" })).toBe("Other");
    expect(parentTarget({ group: "", name: "x" })).toBe("Other");
  });
});
