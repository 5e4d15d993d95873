// route-table-arbitraries: fast-check arbitraries for pre-sorted route tables, shared by the property
// tests that compare the compiled router with the naive reference matcher (router-agrees-with-reference)
// and explain with the router (explain-agrees-with-router). Pools are small so paths, hosts, headers and
// params collide often; a few entries point at a rule that does not exist (malformed IR must never match).
import fc from "fast-check";
import type { HeaderMatchIR, QueryParamMatchIR, RouteEntryIR, RouteTablesIR } from "../../pkg/ir/types.ts";
import { grpcEntries, httpMatch, rule } from "./builders.ts";

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
  fc.record({ type: fc.constant("Exact" as const), value: pathValue }),
  fc.record({ type: fc.constant("PathPrefix" as const), value: pathValue }),
  fc.record({ type: fc.constant("RegularExpression" as const), value: regexPath }),
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
