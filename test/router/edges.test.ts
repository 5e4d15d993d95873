// edges: router helpers at their boundaries, written against mutants that survived the reference
// properties — hostname normalisation, wildcard matching (never an empty label or the apex),
// listener specificity order, weighted choice at exact share boundaries and with hostile weights or
// random sources, path modifiers on the root path, entries filed in the other kind's table, the
// merge of candidates from several host groups, the host ".", header names folded as the lookup
// folds them, paths the index does not hold (no leading "/"), and the query string's parts.
import { describe, expect, it } from "vitest";
import type { BackendIR, RouteEntryIR } from "../../pkg/ir/types.ts";
import { compileRoutes, matchRoute } from "../../pkg/router/index.ts";
import { parseQuery } from "../../pkg/router/conditions.ts";
import { explainRoutes } from "../../pkg/router/explain-entry.ts";
import { hostnameMatches, hostnameSpecificity, normalizeHostname } from "../../pkg/router/hostname.ts";
import { applyPathModifier } from "../../pkg/router/path-modifier.ts";
import { pickBackend } from "../../pkg/router/pick-backend.ts";
import { httpMatch, httpTables, request, rule } from "./builders.ts";

const b = (cluster: string, weight: number): BackendIR => ({ kind: "cluster", cluster, weight, filters: [] });
const name = (x: BackendIR | undefined): string | undefined => (x?.kind === "cluster" ? x.cluster : x?.kind);

describe("hostnames", () => {
  it("normalise: lower case, one trailing dot dropped, a lone dot kept", () => {
    expect(normalizeHostname("Foo.Example.COM.")).toBe("foo.example.com");
    expect(normalizeHostname("foo.example.com")).toBe("foo.example.com");
    expect(normalizeHostname(".")).toBe(".");
    expect(normalizeHostname("a.")).toBe("a");
    expect(normalizeHostname(".a")).toBe(".a");
  });
  it("a wildcard covers one or more labels, never the apex or an empty label", () => {
    expect(hostnameMatches("*.example.com", "a.example.com")).toBe(true);
    expect(hostnameMatches("*.example.com", "a.b.example.com")).toBe(true);
    expect(hostnameMatches("*.example.com", "example.com")).toBe(false);
    expect(hostnameMatches("*.example.com", ".example.com")).toBe(false);
    expect(hostnameMatches("*.example.com", "aexample.com")).toBe(false);
    expect(hostnameMatches("a.example.com", "a.example.com")).toBe(true);
    expect(hostnameMatches("a.example.com", "b.a.example.com")).toBe(false);
  });
  it("specificity: exact beats any wildcard, a longer wildcard beats a shorter, none is last", () => {
    const order = ["a.b.example.com", "x.io", "*.a.example.com", "*.example.com", undefined];
    const ranks = order.map((h) => hostnameSpecificity(h));
    expect([...ranks].sort((x, y) => y - x)).toEqual(ranks);
    expect(new Set(ranks).size).toBe(ranks.length);
    expect(hostnameSpecificity("")).toBe(0);
    expect(hostnameSpecificity(undefined)).toBe(0);
    expect(hostnameSpecificity("*.io")).toBeGreaterThan(0);
    expect(hostnameSpecificity("x.io")).toBeGreaterThan(hostnameSpecificity(`*.${"a".repeat(300)}.io`));
  });
});

describe("weighted backend choice at its edges", () => {
  it("splits [0, total) exactly: a point on a share's end belongs to the next backend", () => {
    const bs = [b("a", 1), b("b", 1)];
    expect(name(pickBackend(bs, () => 0))).toBe("a");
    expect(name(pickBackend(bs, () => 0.4999))).toBe("a");
    expect(name(pickBackend(bs, () => 0.5))).toBe("b");
    expect(name(pickBackend(bs, () => 0.999999))).toBe("b");
  });
  it("never picks weight 0, negative or non-finite weights; none positive ⇒ undefined", () => {
    const bs = [b("zero", 0), b("neg", -5), b("nan", Number.NaN), b("inf", Number.POSITIVE_INFINITY), b("ok", 2)];
    for (const r of [0, 0.3, 0.7, 0.999999]) expect(name(pickBackend(bs, () => r))).toBe("ok");
    expect(pickBackend([b("zero", 0), b("neg", -1)], () => 0)).toBeUndefined();
    for (const r of [0, 0.3, 0.999999]) expect(name(pickBackend([b("ok", 2), b("inf", Number.POSITIVE_INFINITY)], () => r))).toBe("ok");
    expect(pickBackend([], () => 0)).toBeUndefined();
  });
  it("a negative weight before positive ones shifts no share", () => {
    const bs = [b("neg", -5), b("a", 1), b("b", 1)];
    expect(name(pickBackend(bs, () => 0.25))).toBe("a");
    expect(name(pickBackend(bs, () => 0.75))).toBe("b");
  });
  it("a random source gone wrong (NaN, negative, ≥ 1) still gives a positive-weight backend", () => {
    const bs = [b("zero", 0), b("a", 1), b("b", 3)];
    expect(name(pickBackend(bs, () => Number.NaN))).toBe("a");
    expect(name(pickBackend(bs, () => -1))).toBe("a");
    expect(name(pickBackend(bs, () => 1))).toBe("b");
    expect(name(pickBackend(bs, () => 7))).toBe("b");
  });
});

describe("an entry filed in the other kind's table (malformed IR)", () => {
  it("never matches: an HTTP entry in the gRPC table is not a gRPC entry that takes every method", () => {
    const r = rule("r0");
    const httpEntry: RouteEntryIR = { hostnames: [], match: httpMatch({ path: { type: "PathPrefix", value: "/" } }), rule: 0, matchIndex: 0 };
    const grpcEntry: RouteEntryIR = { hostnames: [], match: { kind: "grpc", headers: [] }, rule: 0, matchIndex: 0 };
    const misfiled = compileRoutes({ http: { kind: "http", entries: [grpcEntry], rules: [r] }, grpc: { kind: "grpc", entries: [httpEntry], rules: [r] } });
    expect(matchRoute(misfiled, request({ path: "/svc.A/M1", method: "POST", grpc: true }))).toBeUndefined();
    expect(matchRoute(misfiled, request({ path: "/", method: "GET" }))).toBeUndefined();
    // Filed where they belong, the same entries match.
    const filed = compileRoutes({ http: { kind: "http", entries: [httpEntry], rules: [r] }, grpc: { kind: "grpc", entries: [grpcEntry], rules: [r] } });
    expect(matchRoute(filed, request({ path: "/svc.A/M1", method: "POST", grpc: true }))?.table).toBe("grpc");
    expect(matchRoute(filed, request({ path: "/", method: "GET" }))?.table).toBe("http");
  });
});

describe("candidates from several host groups (compile-routes' merge by table order)", () => {
  // A request to a.example.com collects one sorted list per host group — hostname-less [0, 3], exact
  // [1], wildcard [2] — and the answer is the lowest entry whose check holds, as a linear scan finds it.
  const q = (value: string) => [{ type: "Exact" as const, name: "q", value }];
  const routes = compileRoutes(httpTables([{ query: q("skip") }, { hostnames: ["a.example.com"], query: q("1") }, { hostnames: ["*.example.com"] }, {}]));
  const winner = (host: string, query = ""): string | undefined => matchRoute(routes, request({ host, path: "/", query }))?.rule.id;

  it("takes the lowest holding entry across the lists, skipping none, and starts from the lists' heads on every request", () => {
    expect(winner("a.example.com", "q=1")).toBe("e1");
    expect(winner("a.example.com", "q=0")).toBe("e2");
    expect(winner("a.example.com", "q=1")).toBe("e1");
    expect(winner("b.example.com", "q=1")).toBe("e2");
    expect(winner("other.io", "q=1")).toBe("e3");
    expect(winner("other.io", "q=skip")).toBe("e0");
  });
});

describe("requests and entries at the router's edges", () => {
  /** The router's entry and explain's winner, as rule ids; they must be the same. */
  const both = (tables: ReturnType<typeof httpTables>, spec: Parameters<typeof request>[0]): string | undefined => {
    const routed = matchRoute(compileRoutes(tables), request(spec))?.rule.id;
    const ex = explainRoutes(tables, request(spec));
    expect(ex.winner?.rule?.id).toBe(routed);
    return routed;
  };

  it('the host "." is a name of its own (its dot is not dropped): an entry for "." takes it, an entry for "" does not', () => {
    expect(both(httpTables([{ hostnames: ["."] }]), { host: "." })).toBe("e0");
    expect(both(httpTables([{ hostnames: [""] }, {}]), { host: "." })).toBe("e1");
    expect(explainRoutes(httpTables([{ hostnames: ["x.io"] }]), request({ host: "." })).verdicts[0]?.failures[0]?.message).toBe("hostname . not in [x.io]");
  });

  it("header conditions are one name when their lower-case forms are equal (Kelvin sign K and k): only the first counts", () => {
    const headers = [{ type: "Exact" as const, name: "\u212A", value: "1" }, { type: "Exact" as const, name: "k", value: "2" }];
    expect(both(httpTables([{ headers }]), { headers: { k: "1" } })).toBe("e0");
    expect(both(httpTables([{ headers }]), { headers: { k: "2" } })).toBeUndefined();
  });

  it("paths the index does not hold (no leading '/') are checked by the entry: Exact is whole, PathPrefix by segment", () => {
    const t = httpTables([{ path: { type: "Exact", value: "a" } }, { path: { type: "PathPrefix", value: "b/" } }]);
    expect(both(t, { path: "a" })).toBe("e0");
    expect(both(t, { path: "a/b" })).toBeUndefined();
    expect(both(t, { path: "b/c" })).toBe("e1");
    expect(both(t, { path: "b" })).toBe("e1");
    expect(both(t, { path: "bc" })).toBeUndefined();
  });

  it("the query string: first value per name, empty parts skipped, a part without '=' is the empty value", () => {
    const parsed = (q: string) => Object.fromEntries(parseQuery(q));
    expect(parsed("")).toEqual({});
    expect(parsed("&q=1")).toEqual({ q: "1" });
    expect(parsed("a&b=1")).toEqual({ a: "", b: "1" });
    expect(parsed("a&&b&")).toEqual({ a: "", b: "" });
    expect(parsed("=1&q=2")).toEqual({ "": "1", q: "2" });
    expect(parsed("q=1=2&q=3")).toEqual({ q: "1=2" });
    expect(parsed("q=a%20b&%71=x")).toEqual({ q: "a b" });
    const q = (name: string, value: string) => ({ query: [{ type: "Exact" as const, name, value }] });
    expect(both(httpTables([q("q", "1")]), { query: "&q=1" })).toBe("e0");
    expect(both(httpTables([q("a", "")]), { query: "a&b=1" })).toBe("e0");
  });

  it("ReplaceFullPath with an empty value gives '/'", () => {
    expect(applyPathModifier("/x/y", { type: "ReplaceFullPath", value: "" })).toBe("/");
  });
});
