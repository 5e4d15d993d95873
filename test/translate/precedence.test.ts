// precedence: every step of spec §7/§8 (HTTP) and §9 (gRPC) has a case decided on that step. The
// cases go through translate(), so they check the sorted route table the router consumes.
import { describe, expect, it } from "vitest";
import type { GRPCRoute, HTTPRoute } from "../../pkg/api/index.ts";
import type { RouteTableIR } from "../../pkg/ir/types.ts";
import { translate } from "../../pkg/translate/index.ts";
import { baseGateway, gwRef, grpcRoute, httpRoute, listener, service } from "./builders.ts";

function table(routes: { http?: HTTPRoute[]; grpc?: GRPCRoute[] }, kind: "http" | "grpc" = "http", listenerHost?: string): RouteTableIR {
  const l = listener("http", 80, { allowedRoutes: { namespaces: { from: "All" } }, ...(listenerHost === undefined ? {} : { hostname: listenerHost }) });
  const r = translate(baseGateway({ httpRoutes: routes.http ?? [], grpcRoutes: routes.grpc ?? [], services: [service("foo")] }, [l]));
  const t = r.ir.gateways[0]?.ports[0]?.listeners[0]?.routes[kind];
  if (t === undefined) throw new Error("no table");
  return t;
}

/** "<route>/<ruleIndex>.<matchIndex>@<host>" for each entry in order. */
function order(t: RouteTableIR): string[] {
  return t.entries.map((e) => {
    const rule = t.rules[e.rule]!;
    return `${rule.route.name}/${rule.ruleIndex}.${e.matchIndex}${e.hostnames.length ? `@${e.hostnames[0]}` : ""}`;
  });
}

const be = [{ name: "foo", port: 80 }];
const r = (name: string, matches: NonNullable<NonNullable<HTTPRoute["spec"]["rules"]>[number]["matches"]>, extra: Partial<HTTPRoute["spec"]> = {}, meta: Partial<HTTPRoute["metadata"]> = {}) =>
  httpRoute(name, { parentRefs: [gwRef("gw", { namespace: "default" })], rules: [{ matches, backendRefs: be }], ...extra }, meta.namespace ?? "default", meta);

describe("HTTP precedence (spec §7, §8)", () => {
  it("§7 precise hostname beats wildcard hostname", () => {
    const t = table({ http: [r("a-wild", [{ path: { type: "Exact", value: "/x" } }], { hostnames: ["*.example.com"] }), r("b-exact", [{ path: { value: "/" } }], { hostnames: ["a.example.com"] })] });
    expect(order(t)).toEqual(["b-exact/0.0@a.example.com", "a-wild/0.0@*.example.com"]);
  });
  it("§7 longer wildcard beats shorter wildcard, and any-host comes last", () => {
    const t = table({ http: [r("a", [{}], { hostnames: ["*.example.com"] }), r("b", [{}], { hostnames: ["*.foo.example.com"] }), r("c", [{}])] });
    expect(order(t)).toEqual(["b/0.0@*.foo.example.com", "a/0.0@*.example.com", "c/0.0"]);
  });
  it("§8.1 Exact path beats any prefix, even a longer one", () => {
    const t = table({ http: [r("a", [{ path: { type: "PathPrefix", value: "/very/long/prefix" } }]), r("b", [{ path: { type: "Exact", value: "/x" } }])] });
    expect(order(t)).toEqual(["b/0.0", "a/0.0"]);
  });
  it("§8.2 longer PathPrefix wins", () => {
    const t = table({ http: [r("a", [{ path: { value: "/abc" } }]), r("b", [{ path: { value: "/abcdef" } }])] });
    expect(order(t)).toEqual(["b/0.0", "a/0.0"]);
  });
  it("§8.2 trailing slash does not count (normalised)", () => {
    const t = table({
      http: [r("a", [{ path: { value: "/abc/" } }], {}, { creationTimestamp: "2024-01-02T00:00:00Z" }), r("b", [{ path: { value: "/abc" } }], {}, { creationTimestamp: "2024-01-01T00:00:00Z" })],
    });
    expect(order(t)).toEqual(["b/0.0", "a/0.0"]);
    expect(t.entries.every((e) => e.match.kind === "http" && e.match.path.value === "/abc")).toBe(true);
  });
  it("§8.3 method match beats none (longer prefix still wins over method)", () => {
    const t = table({ http: [r("a", [{ path: { value: "/p" } }]), r("b", [{ path: { value: "/p" }, method: "PATCH" }]), r("c", [{ path: { value: "/path5" } }])] });
    expect(order(t)).toEqual(["c/0.0", "b/0.0", "a/0.0"]);
  });
  it("§8.4 more header matches win (method still beats headers)", () => {
    const t = table({ http: [
      r("a", [{ headers: [{ name: "x", value: "1" }] }]),
      r("b", [{ headers: [{ name: "x", value: "1" }, { name: "y", value: "2" }] }]),
      r("c", [{ method: "GET" }]),
    ] });
    expect(order(t)).toEqual(["c/0.0", "b/0.0", "a/0.0"]);
  });
  it("§8.5 more query param matches win (headers beat query params)", () => {
    const t = table({ http: [
      r("a", [{ queryParams: [{ name: "q", value: "1" }] }]),
      r("b", [{ queryParams: [{ name: "q", value: "1" }, { name: "r", value: "2" }] }]),
      r("c", [{ headers: [{ name: "version", value: "four" }] }]),
    ] });
    expect(order(t)).toEqual(["c/0.0", "b/0.0", "a/0.0"]);
  });
  it("§8.6 older creationTimestamp wins; missing timestamp counts as newest", () => {
    const t = table({ http: [
      r("a", [{}], {}, { creationTimestamp: "2024-05-01T00:00:00Z" }),
      r("b", [{}], {}, { creationTimestamp: "2023-05-01T00:00:00Z" }),
      r("0-none", [{}]),
    ] });
    expect(order(t)).toEqual(["b/0.0", "a/0.0", "0-none/0.0"]);
  });
  it("§8.7 alphabetical namespace/name on equal timestamps", () => {
    const ts = { creationTimestamp: "2024-01-01T00:00:00Z" };
    const t = table({ http: [r("b", [{}], {}, ts), r("a", [{}], {}, { ...ts, namespace: "zz" }), r("a", [{}], {}, ts)] });
    expect(t.entries.map((e) => `${t.rules[e.rule]!.route.namespace}/${t.rules[e.rule]!.route.name}`)).toEqual(["default/a", "default/b", "zz/a"]);
  });
  it("§8.8 first rule, then first match, within a route", () => {
    const route = httpRoute("x", { parentRefs: [gwRef()], rules: [
      { matches: [{ path: { value: "/a" } }, { path: { value: "/b" } }], backendRefs: be },
      { matches: [{ path: { value: "/c" } }], backendRefs: be },
    ] });
    expect(order(table({ http: [route] }))).toEqual(["x/0.0", "x/0.1", "x/1.0"]);
  });
  it("RegularExpression paths sort after Exact and before PathPrefix (implementation-specific)", () => {
    const t = table({ http: [r("a", [{ path: { value: "/abcdefgh" } }]), r("b", [{ path: { type: "RegularExpression", value: "/r.*" } }]), r("c", [{ path: { type: "Exact", value: "/e" } }])] });
    expect(order(t)).toEqual(["c/0.0", "b/0.0", "a/0.0"]);
  });
});

const gbe = [{ name: "foo", port: 80 }];
const g = (name: string, matches: NonNullable<NonNullable<GRPCRoute["spec"]["rules"]>[number]["matches"]>, extra: Partial<GRPCRoute["spec"]> = {}, meta: Partial<GRPCRoute["metadata"]> = {}) =>
  grpcRoute(name, { parentRefs: [gwRef()], rules: [{ matches, backendRefs: gbe }], ...extra }, "default", meta);

describe("gRPC precedence (spec §9)", () => {
  it("hostname: precise beats wildcard", () => {
    const t = table({ grpc: [g("a", [{ method: { service: "very.long.Service", method: "M" } }], { hostnames: ["*.example.com"] }), g("b", [{}], { hostnames: ["x.example.com"] })] }, "grpc");
    expect(order(t)).toEqual(["b/0.0@x.example.com", "a/0.0@*.example.com"]);
  });
  it("more characters in service wins", () => {
    const t = table({ grpc: [g("a", [{ method: { service: "a.B", method: "LongMethodName" } }]), g("b", [{ method: { service: "a.bb.C", method: "M" } }])] }, "grpc");
    expect(order(t)).toEqual(["b/0.0", "a/0.0"]);
  });
  it("then more characters in method", () => {
    const t = table({ grpc: [g("a", [{ method: { service: "s.S", method: "M" } }]), g("b", [{ method: { service: "s.S", method: "Mm" } }])] }, "grpc");
    expect(order(t)).toEqual(["b/0.0", "a/0.0"]);
  });
  it("then more header matches", () => {
    const t = table({ grpc: [g("a", [{ method: { service: "s.S" } }]), g("b", [{ method: { service: "s.S" }, headers: [{ name: "h", value: "v" }] }])] }, "grpc");
    expect(order(t)).toEqual(["b/0.0", "a/0.0"]);
  });
  it("then oldest route, then namespace/name", () => {
    const t = table({
      grpc: [g("a", [{}], {}, { creationTimestamp: "2025-01-01T00:00:00Z" }), g("c", [{}], {}, { creationTimestamp: "2020-01-01T00:00:00Z" }),
        g("b", [{}], {}, { creationTimestamp: "2025-01-01T00:00:00Z" })],
    }, "grpc");
    expect(order(t)).toEqual(["c/0.0", "a/0.0", "b/0.0"]);
  });
  it("an entry without a method match comes after method matches", () => {
    const t = table({ grpc: [g("a", [{}, { method: { service: "s.S" } }])] }, "grpc");
    expect(order(t)).toEqual(["a/0.1", "a/0.0"]);
  });
  it("gRPC and HTTP routes are never merged into one table", () => {
    const r2 = translate(baseGateway({ httpRoutes: [r("h", [{}], { hostnames: ["web.example.com"] })], grpcRoutes: [g("x", [{}], { hostnames: ["rpc.example.com"] })] }));
    const routes = r2.ir.gateways[0]!.ports[0]!.listeners[0]!.routes;
    expect(routes.http.rules.map((x) => x.route.kind)).toEqual(["HTTPRoute"]);
    expect(routes.grpc.rules.map((x) => x.route.kind)).toEqual(["GRPCRoute"]);
  });
});

describe("tie-breaks at their edges", () => {
  it("gRPC: an Exact method beats a RegularExpression method, which beats no method (spec §9)", () => {
    const t = table({ grpc: [
      g("a", [{}]),
      g("b", [{ method: { type: "RegularExpression", service: "s\\..*", method: "M.*" } }]),
      g("c", [{ method: { type: "Exact", service: "s.S", method: "M" } }]),
    ] }, "grpc");
    expect(order(t)).toEqual(["c/0.0", "b/0.0", "a/0.0"]);
  });
  it("gRPC: a match naming only a method counts no service characters", () => {
    const t = table({ grpc: [g("a", [{ method: { method: "LongMethodName" } }]), g("b", [{ method: { service: "s.S" } }])] }, "grpc");
    expect(order(t)).toEqual(["b/0.0", "a/0.0"]);
  });
  it("a method match beats more headers whichever route comes first by name", () => {
    const t = table({ http: [r("b", [{ headers: [{ name: "x", value: "1" }, { name: "y", value: "2" }] }]), r("a", [{ method: "GET" }])] });
    expect(order(t)).toEqual(["a/0.0", "b/0.0"]);
  });
  it("gRPC: a method-only match compared from either side counts no service characters", () => {
    const t = table({ grpc: [g("b", [{ method: { method: "LongMethodName" } }]), g("a", [{ method: { service: "s.S" } }])] }, "grpc");
    expect(order(t)).toEqual(["a/0.0", "b/0.0"]);
  });
  it("an unparsable creationTimestamp counts as newest, like a missing one", () => {
    const t = table({ http: [r("a-bad", [{}], {}, { creationTimestamp: "yesterday" }), r("b", [{}], {}, { creationTimestamp: "2024-01-01T00:00:00Z" }), r("c-none", [{}])] });
    expect(order(t)).toEqual(["b/0.0", "a-bad/0.0", "c-none/0.0"]);
  });
  it("the route's age decides before its namespace and name; the rule before the match", () => {
    const t = table({ http: [
      r("a", [{}], {}, { creationTimestamp: "2024-02-01T00:00:00Z" }),
      r("z", [{}], {}, { creationTimestamp: "2024-01-01T00:00:00Z", namespace: "zz" }),
    ] });
    expect(order(t)).toEqual(["z/0.0", "a/0.0"]);
    const ts = { creationTimestamp: "2024-01-01T00:00:00Z" };
    const a = httpRoute("a", { parentRefs: [gwRef()], rules: [{ matches: [{ path: { type: "Exact", value: "/only-a" } }], backendRefs: be }, { backendRefs: be }] }, "default", ts);
    expect(order(table({ http: [r("b", [{}], {}, ts), a] }))).toEqual(["a/0.0", "a/1.0", "b/0.0"]);
    const route = httpRoute("x", { parentRefs: [gwRef()], rules: [
      { matches: [{ path: { value: "/a" } }, { path: { value: "/b" } }, { path: { value: "/c" } }], backendRefs: be },
      { matches: [{ path: { value: "/d" } }, { path: { value: "/e" } }], backendRefs: be },
      { matches: [{ path: { value: "/f" } }], backendRefs: be },
    ] });
    expect(order(table({ http: [route] }))).toEqual(["x/0.0", "x/0.1", "x/0.2", "x/1.0", "x/1.1", "x/2.0"]);
  });
});
