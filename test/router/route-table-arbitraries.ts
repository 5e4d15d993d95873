// route-table-arbitraries: fast-check arbitraries for pre-sorted route tables, shared by the property
// tests that compare the compiled router with the naive reference matcher (router-agrees-with-reference)
// and explain with the router (explain-agrees-with-router). Pools are small so paths, hosts, headers and
// params collide often; a few entries point at a rule that does not exist (malformed IR must never match).
import fc from "fast-check";
import type { HeaderMatchIR, QueryParamMatchIR, RouteEntryIR, RouteTablesIR } from "../../pkg/ir/types.ts";
import { grpcEntries, httpMatch, rule, type RequestSpec } from "./builders.ts";

export const segment = fc.constantFrom("a", "b", "ab", "c", "");
export const pathValue = fc.oneof(
  {
    arbitrary: fc
      .tuple(fc.array(fc.constantFrom("a", "b", "ab", "c"), { minLength: 1, maxLength: 3 }), fc.boolean())
      .map(([segs, slash]) => `/${segs.join("/")}${slash ? "/" : ""}`),
    weight: 12,
  },
  { arbitrary: fc.constant("/"), weight: 1 },
);
const regexPath = fc.constantFrom(
  "/a/.*",
  "/[ab]+",
  "/a(/.*)?",
  "/(a|b)/c",
  "(",
  ".*",
  "/c/?",
  "/a/b/[a-c]+",
  "/ab/c.*",
  "/a/b|/c",
  "/a/b+",
  "/a\\/b",
  "/a/b?",
  "/a/b{0,1}/c",
  "/a/b*",
  "/a/b/c",
  "/ab/?c",
  "/a/?b",
);
const httpPath = fc.oneof(
  { arbitrary: fc.record({ type: fc.constant("Exact" as const), value: pathValue }), weight: 4 },
  { arbitrary: fc.record({ type: fc.constant("PathPrefix" as const), value: pathValue }), weight: 4 },
  { arbitrary: fc.record({ type: fc.constant("RegularExpression" as const), value: regexPath }), weight: 4 },
  // Valid IR need not start a path with "/": such entries are not indexed and check their path themselves.
  { arbitrary: fc.record({ type: fc.constantFrom("Exact" as const, "PathPrefix" as const), value: fc.constantFrom("*", "a", "ab/", "", "a/b") }), weight: 1 },
);
export const header: fc.Arbitrary<HeaderMatchIR> = fc.oneof(
  fc.record({ type: fc.constant("Exact" as const), name: fc.constantFrom("x-a", "x-b", "X-B"), value: fc.constantFrom("1", "2") }),
  fc.record({ type: fc.constant("RegularExpression" as const), name: fc.constantFrom("x-a", "x-b"), value: fc.constantFrom("[12]", "1|3", "[") }),
);
export const queryParam: fc.Arbitrary<QueryParamMatchIR> = fc.oneof(
  fc.record({ type: fc.constant("Exact" as const), name: fc.constantFrom("q", "Q", "r"), value: fc.constantFrom("1", "2", "a b", "a+b", "") }),
  fc.record({ type: fc.constant("RegularExpression" as const), name: fc.constantFrom("q", "r"), value: fc.constantFrom("[12]", "a.b") }),
);
export const hostnames = fc.subarray(["a.example.com", "*.example.com", "*.a.example.com", "other.org", "A.Example.com"], { maxLength: 2 });
export const methods = fc.option(fc.constantFrom("GET", "POST"), { nil: undefined });

const httpEntry = fc.record({
  path: httpPath,
  headers: fc.array(header, { maxLength: 2 }),
  query: fc.array(queryParam, { maxLength: 2 }),
  method: methods,
  hostnames,
});

const grpcMethod = fc.option(
  fc.oneof(
    fc.record({ type: fc.constant("Exact" as const), service: fc.option(fc.constantFrom("svc.A", "svc.B"), { nil: undefined }), method: fc.option(fc.constantFrom("M1", "M2"), { nil: undefined }) }),
    fc.record({ type: fc.constant("RegularExpression" as const), service: fc.option(fc.constantFrom("svc\\..*", "svc.A"), { nil: undefined }),
      method: fc.option(fc.constantFrom("M[12]", "M.*"), { nil: undefined }) }),
  ),
  { nil: undefined },
);
const grpcEntry = fc.record({ method: grpcMethod, headers: fc.array(header, { maxLength: 1 }), hostnames });

/** Route tables of up to `http` HTTP and `grpc` gRPC entries. */
export function routeTablesArb(sizes: { http: number; grpc: number } = { http: 25, grpc: 8 }): fc.Arbitrary<RouteTablesIR> {
  return fc
    .tuple(fc.array(httpEntry, { maxLength: sizes.http }), fc.array(grpcEntry, { maxLength: sizes.grpc }), fc.array(fc.nat(sizes.http + 15), { maxLength: 2 }))
    .map(([hs, gs, broken]) => {
      const entries: RouteEntryIR[] = hs.map((h, i) => ({
        hostnames: h.hostnames,
        match: httpMatch({ path: h.path, headers: h.headers, query: h.query, ...(h.method !== undefined ? { method: h.method } : {}) }),
        // A few entries point at a rule that does not exist: malformed IR must never match.
        rule: broken.includes(i) ? 999 : i,
        matchIndex: 0,
      }));
      const grpc = grpcEntries(gs.map((g) => ({ headers: g.headers, hostnames: g.hostnames, ...(g.method !== undefined ? { method: cleanMethod(g.method) } : {}) })));
      return { http: { kind: "http", entries, rules: hs.map((_, i) => rule(`h${i}`)) }, grpc: { kind: "grpc", ...grpc } };
    });
}

function cleanMethod(m: { type: "Exact" | "RegularExpression"; service: string | undefined; method: string | undefined }) {
  return { type: m.type, ...(m.service !== undefined ? { service: m.service } : {}), ...(m.method !== undefined ? { method: m.method } : {}) };
}

const requestPath = fc.oneof(
  { arbitrary: pathValue, weight: 2 },
  { arbitrary: fc.tuple(pathValue, fc.constantFrom("/a", "/b/c", "/", "c")).map(([p, tail]) => p + tail), weight: 2 },
  fc.array(segment, { maxLength: 4 }).map((s) => `/${s.join("/")}`),
  fc.constantFrom("/svc.A/M1", "/svc.B/M2", "/svc.A/M3", "/svc.A/M1/x", "", "*", "/a//b", "/abc"),
);
const queryPart = fc.tuple(fc.constantFrom("q", "Q", "r", "%71"), fc.constantFrom("1", "2", "a%20b", "a+b", "a b", "%zz", "", "%31"), fc.boolean());
/** Random requests over the same small pools: paths with and without a leading "/", gRPC-like paths, empty query parts. */
export const randomRequestArb: fc.Arbitrary<RequestSpec> = fc.record({
  method: fc.constantFrom("GET", "POST", "get"),
  path: requestPath,
  // Empty parts too: a leading, doubled or trailing "&".
  query: fc.tuple(fc.array(queryPart, { maxLength: 3 }), fc.constantFrom("", "&"), fc.constantFrom("&", "&&"), fc.constantFrom("", "&"))
    .map(([ps, lead, sep, tail]) => `${lead}${ps.map(([k, v, eq]) => (eq ? `${k}=${v}` : k)).join(sep)}${tail}`),
  host: fc.constantFrom("a.example.com", "b.a.example.com", "example.com", "other.org", "x.other.org", "b.example.com", "a.example.com.", "."),
  headers: fc.dictionary(fc.constantFrom("x-a", "x-b"), fc.constantFrom("1", "2", "3")),
  grpc: fc.boolean(),
});

/**
 * Requests aimed at `tables`: three in four take one entry's own path, method, host, headers and query
 * parameters (so most reach a rule, and the entries ranked above it are near misses with real reasons);
 * the rest come from `other`. Whether a request matches is still decided by the code under test and
 * the reference, never assumed here.
 */
export function aimedRequestArb(tables: RouteTablesIR, other: fc.Arbitrary<RequestSpec>): fc.Arbitrary<RequestSpec> {
  const targets = [...tables.http.entries.map((entry) => ({ entry, grpc: false })), ...tables.grpc.entries.map((entry) => ({ entry, grpc: true }))];
  if (targets.length === 0) return other;
  return fc.oneof({ arbitrary: fc.constantFrom(...targets).chain((t) => requestFor(t.entry, t.grpc)), weight: 3 }, { arbitrary: other, weight: 1 });
}

const regexPathHit = fc.constantFrom("/a/b", "/a/b/c", "/ab/c", "/a/", "/c", "/b/c", "/ab");
const regexValueHit = fc.constantFrom("1", "2", "3", "a b");

function requestFor(entry: RouteEntryIR, grpc: boolean): fc.Arbitrary<RequestSpec> {
  const host = entry.hostnames.length === 0 ? fc.constant("a.example.com") : fc.constantFrom(...entry.hostnames).map((h) => h.replace(/^\*\./, "b."));
  // Only the first condition per name counts (header names fold case, query names do not).
  const conditions = (list: readonly { readonly type: string; readonly name: string; readonly value: string }[], key: (name: string) => string) =>
    fc.tuple(...list.map((c) => (c.type === "Exact" ? fc.constant(c.value) : regexValueHit))).map((values) => {
      const out: Record<string, string> = {};
      list.forEach((c, i) => {
        out[key(c.name)] ??= values[i]!;
      });
      return out;
    });
  const headers = conditions(entry.match.headers, (n) => n.toLowerCase());
  const m = entry.match;
  if (m.kind === "grpc") {
    const path = m.method === undefined
      ? fc.constantFrom("/svc.A/M1", "/svc.B/M2")
      : m.method.type === "Exact"
      ? fc.constant(`/${m.method.service ?? "svc.A"}/${m.method.method ?? "M1"}`)
      : fc.constantFrom("/svc.A/M1", "/svc.B/M2", "/svc.A/M2");
    return fc.record({ method: fc.constant("POST"), path, host, headers, grpc: fc.constant(grpc) });
  }
  const path = m.path.type === "Exact"
    ? fc.constant(m.path.value)
    : m.path.type === "PathPrefix"
    ? fc.constantFrom("", "c").map((tail) => (tail === "" ? m.path.value : `${m.path.value}${m.path.value.endsWith("/") ? "" : "/"}${tail}`))
    : regexPathHit;
  const query = conditions(m.queryParams, (n) => n).map((q) => Object.entries(q).map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join("&"));
  const method = m.method !== undefined ? fc.constant(m.method) : fc.constantFrom("GET", "POST");
  return fc.record({ method, path, query, host, headers, grpc: fc.constant(grpc) });
}
