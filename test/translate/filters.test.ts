// filters: FilterIR per spec §10: redirect port rules and status codes, IncompatibleFilters,
// ReplacePrefixMatch constraints, mirror resolution and fractions, CORS defaults, ExtensionRef.
import { describe, expect, it } from "vitest";
import type { HTTPRouteRule } from "../../pkg/api/index.ts";
import type { FilterIR } from "../../pkg/ir/types.ts";
import { translate } from "../../pkg/translate/index.ts";
import { baseGateway, cond, gwRef, httpRoute, service } from "./builders.ts";

function run(rule: HTTPRouteRule) {
  const r = translate(baseGateway({ services: [service("foo"), service("mirror"), service("far", "other")], httpRoutes: [httpRoute("r", { parentRefs: [gwRef()], rules: [rule] })] }));
  const filters: readonly FilterIR[] = r.ir.gateways[0]?.ports[0]?.listeners[0]?.routes.http.rules[0]?.filters ?? [];
  return { r, filters };
}

describe("RequestRedirect (spec §10)", () => {
  it.each([
    [{}, { statusCode: 302 }],
    [{ scheme: "https" }, { scheme: "https", port: 443, statusCode: 302 }],
    [{ scheme: "http" }, { scheme: "http", port: 80, statusCode: 302 }],
    [{ scheme: "https", port: 8443 }, { scheme: "https", port: 8443, statusCode: 302 }],
    [{ port: 8080, statusCode: 301 }, { port: 8080, statusCode: 301 }],
    [{ hostname: "b.example.com", statusCode: 308 }, { hostname: "b.example.com", statusCode: 308 }],
  ])("%j ⇒ %j (port unset+scheme set ⇒ well-known port; both unset ⇒ absent = listener port)", (redirect, expected) => {
    const { filters } = run({ filters: [{ type: "RequestRedirect", requestRedirect: redirect }] });
    expect(filters).toEqual([{ type: "RequestRedirect", ...expected }]);
  });
  it.each([[{ scheme: "ftp" }], [{ statusCode: 304 }], [{ path: { type: "Rewrite" } }]])("%j ⇒ UnsupportedValue", (redirect) => {
    const { r } = run({ filters: [{ type: "RequestRedirect", requestRedirect: redirect }] });
    expect(cond(r, "r", "Accepted")).toMatchObject({ status: "False", reason: "UnsupportedValue" });
  });
  it("RequestRedirect with backendRefs ⇒ IncompatibleFilters", () => {
    const { r } = run({ filters: [{ type: "RequestRedirect", requestRedirect: {} }], backendRefs: [{ name: "foo", port: 80 }] });
    expect(cond(r, "r", "Accepted")).toMatchObject({ status: "False", reason: "IncompatibleFilters" });
  });
  it("RequestRedirect + URLRewrite ⇒ IncompatibleFilters; a repeated single-use filter too", () => {
    expect(cond(run({ filters: [{ type: "RequestRedirect", requestRedirect: {} }, { type: "URLRewrite", urlRewrite: {} }] }).r, "r", "Accepted").reason).toBe("IncompatibleFilters");
    expect(cond(run({ filters: [{ type: "CORS", cors: {} }, { type: "CORS", cors: {} }] }).r, "r", "Accepted").reason).toBe("IncompatibleFilters");
  });
});

describe("path modifiers", () => {
  it("ReplacePrefixMatch records the rule's single PathPrefix match (normalised); empty replacement allowed", () => {
    const { filters } = run({ matches: [{ path: { value: "/foo/" } }], filters: [{ type: "URLRewrite", urlRewrite: { path: { type: "ReplacePrefixMatch", replacePrefixMatch: "" } } }] });
    expect(filters).toEqual([{ type: "URLRewrite", path: { type: "ReplacePrefixMatch", value: "", prefix: "/foo" } }]);
  });
  it("ReplacePrefixMatch with an Exact match or two matches ⇒ Accepted=False/UnsupportedValue", () => {
    const rewrite = { type: "URLRewrite", urlRewrite: { path: { type: "ReplacePrefixMatch", replacePrefixMatch: "/x" } } };
    expect(cond(run({ matches: [{ path: { type: "Exact", value: "/foo" } }], filters: [rewrite] }).r, "r", "Accepted").reason).toBe("UnsupportedValue");
    expect(cond(run({ matches: [{ path: { value: "/a" } }, { path: { value: "/b" } }], filters: [rewrite] }).r, "r", "Accepted").reason).toBe("UnsupportedValue");
  });
  it("ReplaceFullPath and hostname rewrite", () => {
    const { filters } = run({ filters: [{ type: "URLRewrite", urlRewrite: { hostname: "x.example.com", path: { type: "ReplaceFullPath", replaceFullPath: "/new" } } }] });
    expect(filters).toEqual([{ type: "URLRewrite", hostname: "x.example.com", path: { type: "ReplaceFullPath", value: "/new" } }]);
  });
});

describe("RequestMirror", () => {
  it("resolves to a cluster; percent and fraction become numerator/denominator; default 100%", () => {
    const { filters, r } = run({ filters: [
      { type: "RequestMirror", requestMirror: { backendRef: { name: "mirror", port: 80 } } },
      { type: "RequestMirror", requestMirror: { backendRef: { name: "mirror", port: 80 }, percent: 25 } },
      { type: "RequestMirror", requestMirror: { backendRef: { name: "mirror", port: 80 }, fraction: { numerator: 1, denominator: 3 } } },
    ], backendRefs: [{ name: "foo", port: 80 }] });
    expect(filters).toEqual([
      { type: "RequestMirror", cluster: "default/mirror:80", numerator: 100, denominator: 100 },
      { type: "RequestMirror", cluster: "default/mirror:80", numerator: 25, denominator: 100 },
      { type: "RequestMirror", cluster: "default/mirror:80", numerator: 1, denominator: 3 },
    ]);
    expect(r.ir.clusters.map((c) => c.id)).toContain("default/mirror:80");
  });
  it("not found ⇒ ResolvedRefs=False and the mirror is not configured; cross-ns without grant ⇒ RefNotPermitted", () => {
    const nf = run({ filters: [{ type: "RequestMirror", requestMirror: { backendRef: { name: "ghost", port: 80 } } }], backendRefs: [{ name: "foo", port: 80 }] });
    expect(nf.filters).toEqual([]);
    expect(cond(nf.r, "r", "ResolvedRefs")).toMatchObject({ status: "False", reason: "BackendNotFound" });
    expect(cond(nf.r, "r", "Accepted").status).toBe("True");
    const xns = run({ filters: [{ type: "RequestMirror", requestMirror: { backendRef: { name: "far", namespace: "other", port: 80 } } }] });
    expect(cond(xns.r, "r", "ResolvedRefs").reason).toBe("RefNotPermitted");
  });
  it("percent and fraction together, or numerator > denominator ⇒ UnsupportedValue", () => {
    const both = run({ filters: [{ type: "RequestMirror", requestMirror: { backendRef: { name: "mirror", port: 80 }, percent: 5, fraction: { numerator: 1 } } }] });
    expect(cond(both.r, "r", "Accepted").reason).toBe("UnsupportedValue");
    const over = run({ filters: [{ type: "RequestMirror", requestMirror: { backendRef: { name: "mirror", port: 80 }, fraction: { numerator: 5, denominator: 4 } } }] });
    expect(cond(over.r, "r", "Accepted").reason).toBe("UnsupportedValue");
  });
});

describe("header modifiers, CORS, ExtensionRef", () => {
  it("header modifier keeps set/add/remove; one action per header name", () => {
    const { filters } = run({ filters: [{ type: "RequestHeaderModifier", requestHeaderModifier: { set: [{ name: "X-A", value: "1" }], add: [{ name: "x-b", value: "2" }], remove: ["x-c"] } }] });
    expect(filters).toEqual([{ type: "RequestHeaderModifier", set: [{ name: "X-A", value: "1" }], add: [{ name: "x-b", value: "2" }], remove: ["x-c"] }]);
    const dup = run({ filters: [{ type: "ResponseHeaderModifier", responseHeaderModifier: { set: [{ name: "X-A", value: "1" }], remove: ["x-a"] } }] });
    expect(cond(dup.r, "r", "Accepted").reason).toBe("UnsupportedValue");
  });
  it("CORS defaults: maxAge 5, credentials false, empty lists", () => {
    const { filters } = run({ filters: [{ type: "CORS", cors: { allowOrigins: ["https://a.example.com"] } }] });
    expect(filters).toEqual([{ type: "CORS", allowOrigins: ["https://a.example.com"], allowMethods: [], allowHeaders: [], exposeHeaders: [], allowCredentials: false, maxAgeSeconds: 5 }]);
  });
  it("CORS values that could inject response headers are refused", () => {
    expect(cond(run({ filters: [{ type: "CORS", cors: { allowHeaders: ["x-ok", "bad\r\nset-cookie: a=b"] } }] }).r, "r", "Accepted").reason).toBe("UnsupportedValue");
    expect(cond(run({ filters: [{ type: "CORS", cors: { allowMethods: ["GET", "*"] } }] }).r, "r", "Accepted").reason).toBe("UnsupportedValue");
    expect(cond(run({ filters: [{ type: "CORS", cors: { allowOrigins: ["https://a.com\r\nx: y"] } }] }).r, "r", "Accepted").reason).toBe("UnsupportedValue");
  });
  it("ExtensionRef ⇒ Unsupported filter (500) and a diagnostic; unknown filter type ⇒ UnsupportedValue", () => {
    const { filters, r } = run({ filters: [{ type: "ExtensionRef", extensionRef: { group: "x.io", kind: "Thing", name: "t" } }] });
    expect(filters).toEqual([{ type: "Unsupported", status: 500, reason: expect.stringContaining("x.io/Thing/t") }]);
    expect(r.diagnostics).toContainEqual(expect.objectContaining({ code: "UnsupportedFilter" }));
    expect(cond(run({ filters: [{ type: "Teleport" }] }).r, "r", "Accepted").reason).toBe("UnsupportedValue");
  });
});
