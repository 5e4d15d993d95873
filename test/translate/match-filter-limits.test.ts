// match-filter-limits: the checks of matches.ts and filters.ts at their exact edges — each limit at its
// last accepted value and its first refused one (path 1024 characters, 16 header and query matches,
// 4096-character values, 64 matches per rule, 16 filters and header modifier entries, CORS list sizes,
// redirect ports 1-65535, mirror percent 0-100 and fractions), the empty gRPC service or method, and
// which filters may repeat. Written against the mutants of those files the golden corpus left alive.
import { describe, expect, it } from "vitest";
import type { GRPCRouteMatch, HTTPPathModifier, HTTPRouteFilter, HTTPRouteMatch } from "../../pkg/api/index.ts";
import type { HttpMatchIR } from "../../pkg/ir/types.ts";
import type { BackendContext } from "../../pkg/translate/backend-refs.ts";
import { compileFilters, type FiltersResult } from "../../pkg/translate/filters.ts";
import { compileGrpcMatches, compileHttpMatches, type MatchesResult } from "../../pkg/translate/matches.ts";
import { translate } from "../../pkg/translate/index.ts";
import { baseGateway, gwRef, httpRoute, service } from "./builders.ts";

/** The refusal's message, or "ok". */
function verdict(r: MatchesResult<unknown> | FiltersResult): string {
  return r.ok ? "ok" : r.problem.message;
}

const http = (m: HTTPRouteMatch): string => verdict(compileHttpMatches([m], "r"));
const grpc = (m: GRPCRouteMatch): string => verdict(compileGrpcMatches([m], "r"));
const names = (n: number, prefix = "x-h"): string[] => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

describe("match limits (spec §8, §9)", () => {
  it("a path of 1024 characters is accepted, 1025 refused", () => {
    expect(http({ path: { type: "Exact", value: `/${"a".repeat(1023)}` } })).toBe("ok");
    expect(http({ path: { type: "Exact", value: `/${"a".repeat(1024)}` } })).toMatch(/path is 1025 characters, over 1024/);
  });

  it("16 header matches and 16 query param matches are accepted, 17 refused", () => {
    const headers = (n: number) => names(n).map((name) => ({ name, value: "v" }));
    expect(http({ headers: headers(16) })).toBe("ok");
    expect(http({ headers: headers(17) })).toMatch(/17 header matches, over the limit of 16/);
    expect(grpc({ headers: headers(17) })).toMatch(/17 header matches, over the limit of 16/);
    const query = (n: number) => names(n, "q").map((name) => ({ name, value: "v" }));
    expect(http({ queryParams: query(16) })).toBe("ok");
    expect(http({ queryParams: query(17) })).toMatch(/17 query param matches, over the limit of 16/);
  });

  it("header and query values of 4096 characters are accepted, 4097 refused; a query name is 1-256 characters", () => {
    const v = (n: number) => "v".repeat(n);
    expect(http({ headers: [{ name: "x-a", value: v(4096) }] })).toBe("ok");
    expect(http({ headers: [{ name: "x-a", value: v(4097) }] })).toMatch(/header value missing or over 4096/);
    expect(http({ queryParams: [{ name: "q", value: v(4096) }] })).toBe("ok");
    expect(http({ queryParams: [{ name: "q", value: v(4097) }] })).toMatch(/value missing or over 4096/);
    expect(http({ queryParams: [{ name: "q".repeat(256), value: "v" }] })).toBe("ok");
    expect(http({ queryParams: [{ name: "q".repeat(257), value: "v" }] })).toMatch(/query param name must be 1-256 characters/);
    expect(http({ queryParams: [{ name: "", value: "v" }] })).toMatch(/query param name must be 1-256 characters/);
  });

  it("a header or query regex is checked as RE2; the same value as Exact is not", () => {
    expect(http({ headers: [{ type: "RegularExpression", name: "x-a", value: "(" }] })).toMatch(/headers\[0\]: invalid RE2/);
    expect(http({ queryParams: [{ type: "RegularExpression", name: "q", value: "(" }] })).toMatch(/queryParams\[0\]: invalid RE2/);
    expect(http({ headers: [{ name: "x-a", value: "(" }], queryParams: [{ name: "q", value: "(" }] })).toBe("ok");
    expect(http({ headers: [{ type: "RegularExpression", name: "x-a", value: "a.*" }], queryParams: [{ type: "RegularExpression", name: "q", value: "b+" }] })).toBe("ok");
    expect(http({ queryParams: [{ type: "Prefix", name: "q", value: "v" }] })).toMatch(/unsupported match type "Prefix"/);
  });

  it("64 matches per rule are accepted, 65 refused (HTTP and gRPC); an empty list is one match of everything", () => {
    const paths = (n: number): HTTPRouteMatch[] => Array.from({ length: n }, (_, i) => ({ path: { value: `/p${i}` } }));
    expect(verdict(compileHttpMatches(paths(64), "r"))).toBe("ok");
    expect(verdict(compileHttpMatches(paths(65), "r"))).toMatch(/65 matches, over the limit of 64/);
    const methods = (n: number): GRPCRouteMatch[] => Array.from({ length: n }, (_, i) => ({ method: { method: `M${i}` } }));
    expect(verdict(compileGrpcMatches(methods(64), "r"))).toBe("ok");
    expect(verdict(compileGrpcMatches(methods(65), "r"))).toMatch(/65 matches, over the limit of 64/);
    expect(compileHttpMatches([], "r")).toEqual(compileHttpMatches(undefined, "r"));
    expect(compileGrpcMatches([], "r")).toEqual({ ok: true, matches: [{ kind: "grpc", headers: [] }] });
  });

  it("a method match is kept only when given; every listed method is accepted", () => {
    for (const method of ["CONNECT", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "TRACE"] as const) {
      const out = compileHttpMatches([{ method }], "r");
      expect(out.ok && out.matches[0]?.method, method).toBe(method);
    }
    const none = compileHttpMatches([{}], "r");
    expect(none.ok && Object.keys(none.matches[0] as HttpMatchIR)).toEqual(["kind", "path", "headers", "queryParams"]);
  });

  it("gRPC: an empty service or method counts as absent; names up to 1024 characters; only Exact names are checked as names", () => {
    const out = compileGrpcMatches([{ method: { service: "", method: "Get" } }, { method: { service: "pkg.Svc", method: "" } }, { method: { method: "Get" } }, { method: { service: "pkg.Svc" } }],
      "r");
    // Strict: an absent name is no key at all, not a key holding undefined.
    expect(out.ok && out.matches.map((m) => m.method)).toStrictEqual([{ type: "Exact", method: "Get" }, { type: "Exact", service: "pkg.Svc" }, { type: "Exact", method: "Get" }, {
      type: "Exact",
      service: "pkg.Svc",
    }]);
    expect(grpc({ method: { service: "", method: "" } })).toMatch(/one of service or method is required/);
    expect(grpc({ method: { service: "s".repeat(1024) } })).toBe("ok");
    expect(grpc({ method: { service: "s".repeat(1025) } })).toMatch(/method\.service: over 1024 characters/);
    expect(grpc({ method: { method: "m".repeat(1025) } })).toMatch(/method\.method: over 1024 characters/);
    expect(grpc({ method: { type: "RegularExpression", method: "Get.*" } })).toBe("ok");
    expect(grpc({ method: { type: "RegularExpression", method: "(" } })).toMatch(/method\.method: invalid RE2/);
  });
});

const ctx: BackendContext = { index: undefined as never, routeKind: "HTTPRoute", routeNamespace: "default", mesh: false };
const filters = (list: HTTPRouteFilter[], matches: HttpMatchIR[] = []): FiltersResult => compileFilters(list, matches, ctx, "r");
const one = (f: HTTPRouteFilter): string => verdict(filters([f]));
const extensionRef = (): HTTPRouteFilter => ({ type: "ExtensionRef", extensionRef: { group: "x.io", kind: "K", name: "n" } });

describe("filter limits (spec §10)", () => {
  it("16 filters are accepted, 17 refused; ExtensionRef and RequestMirror may repeat, the single-use filters may not", () => {
    expect(verdict(filters(Array.from({ length: 16 }, extensionRef)))).toBe("ok");
    expect(verdict(filters(Array.from({ length: 17 }, extensionRef)))).toMatch(/17 filters, over the limit of 16/);
    const header = { type: "RequestHeaderModifier", requestHeaderModifier: { set: [{ name: "x-a", value: "1" }] } } as const;
    expect(filters([header, header])).toMatchObject({ ok: false, problem: { reason: "IncompatibleFilters" } });
    expect(filters([{ type: "RequestRedirect", requestRedirect: {} }, { type: "RequestRedirect", requestRedirect: {} }])).toMatchObject({ ok: false, problem: { reason: "IncompatibleFilters" } });
    expect(verdict(filters([{ type: "RequestRedirect", requestRedirect: {} }]))).toBe("ok");
    expect(verdict(filters([{ type: "URLRewrite", urlRewrite: {} }]))).toBe("ok");
  });

  it("a gRPC route takes header modifiers, not HTTP's redirect or rewrite", () => {
    const g = (f: HTTPRouteFilter) => verdict(compileFilters([f], [], { ...ctx, routeKind: "GRPCRoute" }, "r"));
    expect(g({ type: "RequestHeaderModifier", requestHeaderModifier: { remove: ["x-a"] } })).toBe("ok");
    expect(g({ type: "URLRewrite", urlRewrite: {} })).toMatch(/unsupported filter type "URLRewrite" for GRPCRoute/);
  });

  it("header modifiers: 16 entries per action accepted, 17 refused; values up to 4096 characters without CR, LF or NUL", () => {
    const entries = (n: number) => names(n).map((name) => ({ name, value: "v" }));
    const mod = (m: object): string => one({ type: "ResponseHeaderModifier", responseHeaderModifier: m });
    expect(mod({ set: entries(16) })).toBe("ok");
    expect(mod({ set: entries(17) })).toMatch(/\.set: 17 entries, over 16/);
    expect(mod({ add: entries(17) })).toMatch(/\.add: 17 entries, over 16/);
    expect(mod({ remove: names(16) })).toBe("ok");
    expect(mod({ remove: names(17) })).toMatch(/\.remove: 17 entries, over 16/);
    expect(mod({ add: [{ name: "x-a", value: "v".repeat(4096) }] })).toBe("ok");
    for (const value of ["v".repeat(4097), "a\rb", "a\nb", "a\0b"]) expect(mod({ add: [{ name: "x-a", value }] })).toMatch(/header x-a has an invalid value/);
    expect(mod({ remove: ["bad name"] })).toMatch(/invalid header name "bad name"/);
    expect(one({ type: "RequestHeaderModifier" })).toMatch(/filter config is missing/);
  });

  it("redirect: ports 1 and 65535 are kept, 0, 65536 and 1.5 refused; a wildcard or invalid hostname refused; every redirect status accepted", () => {
    const port = (p: number) => filters([{ type: "RequestRedirect", requestRedirect: { port: p } }]);
    expect(port(1)).toMatchObject({ ok: true, filters: [{ port: 1 }] });
    expect(port(65535)).toMatchObject({ ok: true, filters: [{ port: 65535 }] });
    for (const p of [0, 65536, 1.5]) expect(verdict(port(p))).toMatch(/is not a port number/);
    expect(one({ type: "RequestRedirect", requestRedirect: { hostname: "*.example.com" } })).toMatch(/hostname: wildcards are not allowed/);
    expect(one({ type: "URLRewrite", urlRewrite: { hostname: "*.example.com" } })).toMatch(/hostname: wildcards are not allowed/);
    expect(one({ type: "URLRewrite", urlRewrite: { hostname: "Bad_Host" } })).toMatch(/hostname: .*not a valid lower-case DNS name/);
    expect(one({ type: "RequestRedirect", requestRedirect: { hostname: "Bad_Host" } })).toMatch(/hostname: .*not a valid lower-case DNS name/);
    // Strict: what is not set is no key at all (scheme, hostname, port, path), not a key holding undefined.
    expect(filters([{ type: "RequestRedirect", requestRedirect: {} }])).toStrictEqual({ ok: true, filters: [{ type: "RequestRedirect", statusCode: 302 }], demands: [], refProblems: [], notes: [] });
    for (const statusCode of [301, 302, 303, 307, 308]) expect(filters([{ type: "RequestRedirect", requestRedirect: { statusCode } }])).toMatchObject({ ok: true, filters: [{ statusCode }] });
  });

  it("path modifiers: a value is required and must be a valid path; ReplacePrefixMatch needs one PathPrefix match", () => {
    const rewrite = (path: HTTPPathModifier, matches: HttpMatchIR[] = []) => verdict(filters([{ type: "URLRewrite", urlRewrite: { path } }], matches));
    expect(rewrite({ type: "ReplaceFullPath" })).toMatch(/replaceFullPath is required/);
    expect(rewrite({ type: "ReplaceFullPath", replaceFullPath: "x" })).toMatch(/replaceFullPath: path "x" must start with "\/"/);
    expect(rewrite({ type: "ReplacePrefixMatch" })).toMatch(/replacePrefixMatch is required/);
    const prefix = compileHttpMatches([{ path: { value: "/a" } }], "r");
    const single = prefix.ok ? [...prefix.matches] : [];
    expect(rewrite({ type: "ReplacePrefixMatch", replacePrefixMatch: "x" }, single)).toMatch(/replacePrefixMatch: path "x" must start with "\/"/);
    expect(rewrite({ type: "ReplacePrefixMatch", replacePrefixMatch: "/b" }, single)).toBe("ok");
    expect(rewrite({ type: "ReplacePrefixMatch", replacePrefixMatch: "/b" }, [])).toMatch(/needs exactly one PathPrefix match/);
    expect(rewrite({ type: "Elsewhere" })).toMatch(/unsupported path modifier type "Elsewhere"/);
    expect(one({ type: "URLRewrite" })).toMatch(/urlRewrite config is missing/);
    expect(one({ type: "RequestRedirect" })).toMatch(/requestRedirect config is missing/);
  });

  it("mirror: percent 0-100 in whole numbers, a fraction of integers 0 <= numerator <= denominator >= 1", () => {
    const mirror = (m: object) => one({ type: "RequestMirror", requestMirror: { backendRef: { name: "m", port: 80 }, ...m } });
    for (const percent of [-1, 101, 1.5]) expect(mirror({ percent }), String(percent)).toMatch(/percent: .* is not 0-100/);
    for (const fraction of [{ numerator: -1, denominator: 4 }, { numerator: 1, denominator: 0 }, { numerator: 5, denominator: 4 }, { numerator: 1.5 }, { numerator: 1, denominator: 2.5 }]) {
      expect(mirror({ fraction }), JSON.stringify(fraction)).toMatch(/fraction: need integers/);
    }
    expect(one({ type: "RequestMirror" })).toMatch(/requestMirror config is missing/);
    // The accepted edges resolve their backend, so they go through translate.
    const mirrors = [{ percent: 0 }, { percent: 100 }, { fraction: { numerator: 0, denominator: 1 } }, { fraction: { numerator: 1, denominator: 1 } }, { fraction: { numerator: 7 } }];
    const r = translate(baseGateway({
      services: [service("foo"), service("mirror")],
      httpRoutes: [
        httpRoute("r", { parentRefs: [gwRef()],
          rules: [{ filters: mirrors.map((m) => ({ type: "RequestMirror", requestMirror: { backendRef: { name: "mirror", port: 80 }, ...m } })), backendRefs: [{ name: "foo", port: 80 }] }] }),
      ],
    }));
    const served = r.ir.gateways[0]?.ports[0]?.listeners[0]?.routes.http.rules[0]?.filters ?? [];
    expect(served.map((f) => (f.type === "RequestMirror" ? `${f.numerator}/${f.denominator}` : f.type))).toEqual(["0/100", "100/100", "0/1", "1/1", "7/100"]);
  });

  it('CORS: 64 entries per list and 9 methods accepted, one more refused; "*" stands alone; maxAge at least 1', () => {
    const c = (cors: object) => one({ type: "CORS", cors });
    const origins = (n: number) => Array.from({ length: n }, (_, i) => `https://o${i}.example.com`);
    expect(c({ allowOrigins: origins(64) })).toBe("ok");
    expect(c({ allowOrigins: origins(65) })).toMatch(/allowOrigins: 65 entries, over the limit of 64/);
    expect(c({ allowOrigins: ["*"] })).toBe("ok");
    expect(c({ allowOrigins: ["*", "https://a.example.com"] })).toMatch(/"\*" cannot be combined/);
    expect(c({ allowOrigins: ["http://*.example.com:8080"] })).toBe("ok");
    expect(c({ allowOrigins: ["ftp://a.example.com"] })).toMatch(/is not scheme:\/\/host\[:port\]/);
    const methods = ["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"];
    expect(c({ allowMethods: methods })).toBe("ok");
    expect(c({ allowMethods: [...methods, "GET"] })).toMatch(/allowMethods: 10 methods, over the limit of 9/);
    expect(c({ allowMethods: ["*"] })).toBe("ok");
    for (const field of ["allowHeaders", "exposeHeaders"]) {
      expect(c({ [field]: names(64) })).toBe("ok");
      expect(c({ [field]: names(65) })).toMatch(new RegExp(`${field}: 65 entries, over the limit of 64`));
      expect(c({ [field]: ["*"] })).toBe("ok");
    }
    expect(c({ maxAge: 1 })).toBe("ok");
    for (const maxAge of [0, 1.5]) expect(c({ maxAge })).toMatch(/maxAge: .* is not a positive integer/);
    expect(filters([{ type: "CORS", cors: { allowCredentials: true, maxAge: 60 } }])).toMatchObject({ ok: true, filters: [{ allowCredentials: true, maxAgeSeconds: 60 }] });
    expect(one({ type: "CORS" })).toMatch(/cors config is missing/);
  });

  it("ExtensionRef and ExternalAuth answer 500 and leave a note", () => {
    const out = filters([{ type: "ExtensionRef" }, { type: "ExternalAuth" }]);
    expect(out).toMatchObject({
      ok: true,
      filters: [{ type: "Unsupported", status: 500, reason: "ExtensionRef without extensionRef is not supported by Weft" }, {
        type: "Unsupported",
        status: 500,
        reason: "ExternalAuth is not supported by Weft",
      }],
      notes: [expect.stringContaining("r.filters[0]: ExtensionRef without extensionRef"), expect.stringContaining("r.filters[1]: ExternalAuth is not supported")],
    });
  });
});

describe("filters: the last survivors of the mutation run (docs/mutation.md)", () => {
  it("a URLRewrite with a hostname only carries no path key", () => {
    expect(filters([{ type: "URLRewrite", urlRewrite: { hostname: "a.example.com" } }])).toStrictEqual({
      ok: true,
      filters: [{ type: "URLRewrite", hostname: "a.example.com" }],
      demands: [],
      refProblems: [],
      notes: [],
    });
  });

  it("a mirror fraction 0/0 is refused (the denominator is at least 1 even when the numerator fits under it)", () => {
    const mirror = (m: object) => one({ type: "RequestMirror", requestMirror: { backendRef: { name: "m", port: 80 }, ...m } });
    expect(mirror({ fraction: { numerator: 0, denominator: 0 } })).toMatch(/fraction: need integers/);
  });

  it("a CORS origin must start with its scheme: anything before it is refused", () => {
    const c = (o: string) => one({ type: "CORS", cors: { allowOrigins: [o] } });
    expect(c("https://a.example.com")).toBe("ok");
    for (const o of ["xhttps://a.example.com", " https://a.example.com", "evil.com/https://a.example.com"]) expect(c(o), o).toMatch(/is not scheme:\/\/host\[:port\]/);
  });
});
