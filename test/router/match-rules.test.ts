// match-rules: every matching rule of the compiled router (spec §7 hostnames, §8 HTTP, §9 gRPC) with
// the spec's own examples, plus the first-wins order and robustness against malformed IR.
import { describe, expect, it } from "vitest";
import type { RouteTablesIR } from "../../pkg/ir/types.ts";
import { compileRoutes, matchRoute } from "../../pkg/router/index.ts";
import { grpcEntries, httpTables, request, type GrpcEntrySpec, type HttpEntrySpec, type RequestSpec } from "./builders.ts";

/** Rule id of the winning entry ("e<i>" / "g<i>"), or undefined. */
function winner(tables: RouteTablesIR, spec: RequestSpec): string | undefined {
  return matchRoute(compileRoutes(tables), request(spec))?.rule.id;
}
const one = (entry: HttpEntrySpec, spec: RequestSpec): boolean => winner(httpTables([entry]), spec) === "e0";

describe("path matching (spec §8)", () => {
  // [the rule, the path match, paths it matches, paths it does not]
  const paths: [string, NonNullable<HttpEntrySpec["path"]>, string[], string[]][] = [
    ["Exact is case-sensitive full equality", { type: "Exact", value: "/abc" }, ["/abc"], ["/abc/", "/Abc", "/abcd", "/ab", "/abc/def"]],
    ["PathPrefix is segment-wise: /abc matches /abc, /abc/, /abc/def but not /abcd", { type: "PathPrefix", value: "/abc" }, ["/abc", "/abc/", "/abc/def", "/abc//x"], [
      "/abcd",
      "/ab",
      "/",
      "/Abc",
      "/x/abc",
    ]],
    ["PathPrefix ignores a trailing slash in the match value", { type: "PathPrefix", value: "/abc/" }, ["/abc", "/abc/x"], ["/abcd"]],
    ["PathPrefix / matches every origin-form path, not '*'", { type: "PathPrefix", value: "/" }, ["/", "/x", "/x/y/z"], ["*"]],
    ["multi-segment prefixes match only whole segments", { type: "PathPrefix", value: "/v1/users" }, ["/v1/users/7", "/v1/users"], ["/v1/usersx", "/v1"]],
    ["RegularExpression is RE2 with full-match semantics", { type: "RegularExpression", value: "/a/\\d+" }, ["/a/12"], ["/a/12x", "/x/a/12"]],
  ];
  for (const [rule, path, yes, no] of paths) {
    it(rule, () => {
      for (const p of yes) expect(one({ path }, { path: p }), p).toBe(true);
      for (const p of no) expect(one({ path }, { path: p }), p).toBe(false);
    });
  }

  it("RegularExpression takes RE2's inline flags", () => {
    expect(one({ path: { type: "RegularExpression", value: "/(?i)ABC" } }, { path: "/abc" })).toBe(true);
  });

  it("an uncompilable or non-RE2 regex never matches and does not throw", () => {
    for (const value of ["(", "/a(?=b)", "/(a)\\1", "[z-a]"]) {
      const tables = httpTables([{ path: { type: "RegularExpression", value } }, { path: { type: "PathPrefix", value: "/" } }]);
      expect(() => compileRoutes(tables)).not.toThrow();
      expect(winner(tables, { path: "/ab" })).toBe("e1");
    }
  });

  it("a pathological pattern runs in linear time (RE2) and answers", () => {
    const e: HttpEntrySpec = { path: { type: "RegularExpression", value: "/(a+)+$" } };
    expect(one(e, { path: `/${"a".repeat(5000)}!` })).toBe(false);
    expect(one(e, { path: `/${"a".repeat(5000)}` })).toBe(true);
  });
});

describe("headers, query params and method (spec §8)", () => {
  it("header names are case-insensitive, values case-sensitive, missing header fails", () => {
    const e: HttpEntrySpec = { headers: [{ type: "Exact", name: "Version", value: "two" }] };
    expect(one(e, { headers: { VERSION: "two" } })).toBe(true);
    expect(one(e, { headers: { version: "Two" } })).toBe(false);
    expect(one(e, { headers: {} })).toBe(false);
  });

  it("of several conditions on the same header or query param only the first counts", () => {
    const h: HttpEntrySpec = { headers: [{ type: "Exact", name: "x-v", value: "1" }, { type: "Exact", name: "X-V", value: "2" }] };
    expect(one(h, { headers: { "x-v": "1" } })).toBe(true);
    expect(one(h, { headers: { "x-v": "2" } })).toBe(false);
    const q: HttpEntrySpec = { query: [{ type: "Exact", name: "q", value: "1" }, { type: "Exact", name: "q", value: "2" }, { type: "Exact", name: "Q", value: "3" }] };
    expect(one(q, { query: "q=1&Q=3" })).toBe(true);
    expect(one(q, { query: "q=1" })).toBe(false);
  });

  it("many entries told apart by one header value (split buckets) keep first-wins order", () => {
    const specs: HttpEntrySpec[] = [];
    for (let i = 0; i < 20; i++) specs.push({ headers: [{ type: "Exact", name: "x-tenant", value: `t${i % 10}` }] });
    specs.splice(5, 0, { headers: [{ type: "RegularExpression", name: "x-tenant", value: "t[89]" }] });
    specs.push({});
    const tables = httpTables(specs);
    expect(winner(tables, { headers: { "x-tenant": "t3" } })).toBe("e3");
    expect(winner(tables, { headers: { "x-tenant": "t8" } })).toBe("e5");
    expect(winner(tables, { headers: { "x-tenant": "t9" } })).toBe("e5");
    expect(winner(tables, { headers: { "x-tenant": "zz" } })).toBe("e21");
    expect(winner(tables, {})).toBe("e21");
  });

  it("header regex is a full match", () => {
    const e: HttpEntrySpec = { headers: [{ type: "RegularExpression", name: "x-id", value: "[0-9]{3}" }] };
    expect(one(e, { headers: { "x-id": "123" } })).toBe(true);
    expect(one(e, { headers: { "x-id": "1234" } })).toBe(false);
  });

  it("query param names are case-sensitive (conformance: ?ANIMAL=Whale only matches ANIMAL)", () => {
    const tables = httpTables([
      { query: [{ type: "Exact", name: "animal", value: "whale" }] },
      { query: [{ type: "Exact", name: "ANIMAL", value: "Whale" }] },
    ]);
    expect(winner(tables, { query: "ANIMAL=Whale" })).toBe("e1");
    expect(winner(tables, { query: "animal=whale" })).toBe("e0");
    expect(winner(tables, { query: "animal=Whale" })).toBeUndefined();
  });

  it("the first value of a repeated query param counts", () => {
    const e: HttpEntrySpec = { query: [{ type: "Exact", name: "q", value: "1" }] };
    expect(one(e, { query: "q=1&q=2" })).toBe(true);
    expect(one(e, { query: "q=2&q=1" })).toBe(false);
  });

  it("query names and values are percent-decoded; '+' stays literal; bad escapes stay raw", () => {
    const e: HttpEntrySpec = { query: [{ type: "Exact", name: "a b", value: "x y/é" }] };
    expect(one(e, { query: "a%20b=x%20y%2F%C3%A9" })).toBe(true);
    expect(one(e, { query: "a+b=x+y/é" })).toBe(false);
    expect(one({ query: [{ type: "Exact", name: "p", value: "1+1" }] }, { query: "p=1+1" })).toBe(true);
    expect(one({ query: [{ type: "Exact", name: "p", value: "%zz" }] }, { query: "p=%zz" })).toBe(true);
    expect(one({ query: [{ type: "Exact", name: "flag", value: "" }] }, { query: "x=1&flag" })).toBe(true);
  });

  it("method must equal exactly", () => {
    const e: HttpEntrySpec = { method: "POST" };
    expect(one(e, { method: "POST" })).toBe(true);
    expect(one(e, { method: "GET" })).toBe(false);
  });

  it("conditions of one match are AND'd", () => {
    const e: HttpEntrySpec = {
      path: { type: "PathPrefix", value: "/p" },
      method: "PATCH",
      headers: [{ type: "Exact", name: "version", value: "four" }],
      query: [{ type: "Exact", name: "animal", value: "hydra" }],
    };
    const full: RequestSpec = { path: "/p/x", method: "PATCH", headers: { version: "four" }, query: "animal=hydra" };
    expect(one(e, full)).toBe(true);
    expect(one(e, { ...full, path: "/q" })).toBe(false);
    expect(one(e, { ...full, method: "GET" })).toBe(false);
    expect(one(e, { ...full, headers: {} })).toBe(false);
    expect(one(e, { ...full, query: "" })).toBe(false);
  });
});

describe("first-wins order and hostnames (spec §7)", () => {
  it("takes the first matching entry of the pre-sorted table, even when a later one is more specific", () => {
    const tables = httpTables([{ path: { type: "PathPrefix", value: "/a" } }, { path: { type: "Exact", value: "/a/b" } }, { path: { type: "PathPrefix", value: "/" } }]);
    expect(winner(tables, { path: "/a/b" })).toBe("e0");
    expect(winner(tables, { path: "/b" })).toBe("e2");
  });

  it("exact hostname, wildcard over one or more labels (not the apex), empty = any", () => {
    const tables = httpTables([{ hostnames: ["foo.example.com"] }, { hostnames: ["*.example.com"] }, { hostnames: [] }]);
    expect(winner(tables, { host: "foo.example.com" })).toBe("e0");
    expect(winner(tables, { host: "bar.example.com" })).toBe("e1");
    expect(winner(tables, { host: "a.b.example.com" })).toBe("e1");
    expect(winner(tables, { host: "example.com" })).toBe("e2");
    expect(winner(tables, { host: "fooexample.com" })).toBe("e2");
  });

  it("a request host in absolute form (trailing dot) matches like the plain name", () => {
    expect(winner(httpTables([{ hostnames: ["foo.example.com"] }]), { host: "foo.example.com." })).toBe("e0");
    expect(winner(httpTables([{ hostnames: ["*.example.com"] }]), { host: "foo.example.com." })).toBe("e0");
  });

  it("hostnames in the IR are compared case-insensitively", () => {
    expect(winner(httpTables([{ hostnames: ["Foo.Example.COM"] }]), { host: "foo.example.com" })).toBe("e0");
    expect(winner(httpTables([{ hostnames: ["*.Example.COM"] }]), { host: "x.example.com" })).toBe("e0");
  });

  it("an entry listing several hostnames matches each of them, keeping its precedence", () => {
    const tables = httpTables([{ hostnames: ["a.test", "*.b.test"], path: { type: "PathPrefix", value: "/x" } }, { hostnames: ["c.b.test"] }]);
    expect(winner(tables, { host: "c.b.test", path: "/x" })).toBe("e0");
    expect(winner(tables, { host: "a.test", path: "/x" })).toBe("e0");
    expect(winner(tables, { host: "c.b.test", path: "/y" })).toBe("e1");
  });

  it("stays correct and bounded in memory under many distinct Host headers", () => {
    const compiled = compileRoutes(httpTables([{ hostnames: ["*.example.com"] }, { hostnames: ["exact.test"] }]));
    for (let i = 0; i < 10_000; i++) {
      const host = i % 3 === 0 ? `h${i}.example.com` : i % 3 === 1 ? "exact.test" : `h${i}.other.org`;
      const want = i % 3 === 0 ? "e0" : i % 3 === 1 ? "e1" : undefined;
      expect(matchRoute(compiled, request({ host }))?.rule.id).toBe(want);
    }
    expect(compiled.http.hostCache.size).toBeLessThanOrEqual(4096);
  });

  it("an entry pointing at a missing rule never matches; the others still do", () => {
    const base = httpTables([{ path: { type: "PathPrefix", value: "/" } }, { path: { type: "PathPrefix", value: "/" } }]);
    const broken: RouteTablesIR = { ...base, http: { ...base.http, entries: [{ ...base.http.entries[0]!, rule: 42 }, base.http.entries[1]!] } };
    expect(winner(broken, { path: "/x" })).toBe("e1");
  });
});

function grpcTables(specs: readonly GrpcEntrySpec[], http: readonly HttpEntrySpec[] = []): RouteTablesIR {
  return { http: httpTables(http).http, grpc: { kind: "grpc", ...grpcEntries(specs) } };
}

describe("gRPC matching (spec §9)", () => {
  const g = (req: Partial<RequestSpec>): RequestSpec => ({ method: "POST", grpc: true, ...req });

  it("Exact service and method; case-sensitive", () => {
    const t = grpcTables([{ method: { type: "Exact", service: "echo.Echo", method: "Say" } }]);
    expect(winner(t, g({ path: "/echo.Echo/Say" }))).toBe("g0");
    expect(winner(t, g({ path: "/echo.Echo/say" }))).toBeUndefined();
    expect(winner(t, g({ path: "/echo.Echo/Other" }))).toBeUndefined();
  });

  it("service only matches every method of that service; method only matches it on any service", () => {
    const t = grpcTables([{ method: { type: "Exact", service: "a.S" } }, { method: { type: "Exact", method: "M" } }]);
    expect(winner(t, g({ path: "/a.S/X" }))).toBe("g0");
    expect(winner(t, g({ path: "/b.S/M" }))).toBe("g1");
    expect(winner(t, g({ path: "/b.S/N" }))).toBeUndefined();
  });

  it("RegularExpression service and method are RE2 full matches", () => {
    const t = grpcTables([{ method: { type: "RegularExpression", service: "echo\\..*", method: "Say[0-9]" } }]);
    expect(winner(t, g({ path: "/echo.Echo/Say1" }))).toBe("g0");
    expect(winner(t, g({ path: "/echo.Echo/Say12" }))).toBeUndefined();
    expect(winner(t, g({ path: "/xecho.Echo/Say1" }))).toBeUndefined();
  });

  it("a method match needs a well-formed /<service>/<method> path", () => {
    const t = grpcTables([{ method: { type: "Exact", service: "a.S", method: "M" } }, { method: { type: "RegularExpression", service: ".*" } }]);
    for (const path of ["/a.S/M/x", "/a.S/", "//M", "a.S/M", "/a.S"]) expect(winner(t, g({ path }))).toBeUndefined();
  });

  it("no method match = every gRPC request; headers still apply", () => {
    const t = grpcTables([{ headers: [{ type: "Exact", name: "tenant", value: "a" }] }, {}]);
    expect(winner(t, g({ path: "/any.S/M", headers: { tenant: "a" } }))).toBe("g0");
    expect(winner(t, g({ path: "/any.S/M" }))).toBe("g1");
  });

  it("a gRPC request tries the grpc table first, then http; other requests only http", () => {
    const t = grpcTables([{ method: { type: "Exact", service: "a.S", method: "M" } }], [{ path: { type: "PathPrefix", value: "/" } }]);
    expect(winner(t, g({ path: "/a.S/M" }))).toBe("g0");
    expect(winner(t, g({ path: "/a.S/N" }))).toBe("e0");
    expect(winner(t, { path: "/a.S/M", grpc: false })).toBe("e0");
  });

  it("returns the table the hit came from", () => {
    const t = grpcTables([{}], [{}]);
    expect(matchRoute(compileRoutes(t), request(g({ path: "/a/b" })))?.table).toBe("grpc");
    expect(matchRoute(compileRoutes(t), request({ path: "/a/b" }))?.table).toBe("http");
  });
});
