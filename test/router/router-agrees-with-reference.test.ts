// router-agrees-with-reference: property test — on random pre-sorted route tables and random
// requests, the compiled router returns exactly the entry a naive linear scan returns (design §5).
// Pools are small so paths, hosts, headers and params collide often.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { HeaderMatchIR, QueryParamMatchIR, RouteEntryIR, RouteTablesIR } from "../../pkg/ir/types.ts";
import { compileRoutes, matchRoute } from "../../pkg/router/index.ts";
import { grpcEntries, httpMatch, request, rule, type RequestSpec } from "./builders.ts";
import { referenceMatch } from "./reference-matcher.ts";

const segment = fc.constantFrom("a", "b", "ab", "c", "");
const pathValue = fc.oneof(
  {
    arbitrary: fc
      .tuple(fc.array(fc.constantFrom("a", "b", "ab", "c"), { minLength: 1, maxLength: 3 }), fc.boolean())
      .map(([segs, slash]) => `/${segs.join("/")}${slash ? "/" : ""}`),
    weight: 12,
  },
  { arbitrary: fc.constant("/"), weight: 1 },
);
const regexPath = fc.constantFrom(
  "/a/.*", "/[ab]+", "/a(/.*)?", "/(a|b)/c", "(", ".*", "/c/?", "/a/b/[a-c]+", "/ab/c.*", "/a/b|/c",
  "/a/b+", "/a\\/b", "/a/b?", "/a/b{0,1}/c", "/a/b*", "/a/b/c", "/ab/?c", "/a/?b",
);
const httpPath = fc.oneof(
  fc.record({ type: fc.constant("Exact" as const), value: pathValue }),
  fc.record({ type: fc.constant("PathPrefix" as const), value: pathValue }),
  fc.record({ type: fc.constant("RegularExpression" as const), value: regexPath }),
);
const header: fc.Arbitrary<HeaderMatchIR> = fc.oneof(
  fc.record({ type: fc.constant("Exact" as const), name: fc.constantFrom("x-a", "x-b", "X-B"), value: fc.constantFrom("1", "2") }),
  fc.record({ type: fc.constant("RegularExpression" as const), name: fc.constantFrom("x-a", "x-b"), value: fc.constantFrom("[12]", "1|3", "[") }),
);
const queryParam: fc.Arbitrary<QueryParamMatchIR> = fc.oneof(
  fc.record({ type: fc.constant("Exact" as const), name: fc.constantFrom("q", "Q", "r"), value: fc.constantFrom("1", "2", "a b", "a+b", "") }),
  fc.record({ type: fc.constant("RegularExpression" as const), name: fc.constantFrom("q", "r"), value: fc.constantFrom("[12]", "a.b") }),
);
const hostnames = fc.subarray(["a.example.com", "*.example.com", "*.a.example.com", "other.org", "A.Example.com"], { maxLength: 2 });
const methods = fc.option(fc.constantFrom("GET", "POST"), { nil: undefined });

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
    fc.record({ type: fc.constant("RegularExpression" as const), service: fc.option(fc.constantFrom("svc\\..*", "svc.A"), { nil: undefined }), method: fc.option(fc.constantFrom("M[12]", "M.*"), { nil: undefined }) }),
  ),
  { nil: undefined },
);
const grpcEntry = fc.record({ method: grpcMethod, headers: fc.array(header, { maxLength: 1 }), hostnames });

const tablesArb: fc.Arbitrary<RouteTablesIR> = fc
  .tuple(fc.array(httpEntry, { maxLength: 25 }), fc.array(grpcEntry, { maxLength: 8 }), fc.array(fc.nat(40), { maxLength: 2 }))
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
const requestArb: fc.Arbitrary<RequestSpec> = fc.record({
  method: fc.constantFrom("GET", "POST", "get"),
  path: requestPath,
  query: fc.array(queryPart, { maxLength: 3 }).map((ps) => ps.map(([k, v, eq]) => (eq ? `${k}=${v}` : k)).join("&")),
  host: fc.constantFrom("a.example.com", "b.a.example.com", "example.com", "other.org", "x.other.org", "b.example.com", "a.example.com.", "."),
  headers: fc.dictionary(fc.constantFrom("x-a", "x-b"), fc.constantFrom("1", "2", "3")),
  grpc: fc.boolean(),
});

function compiledId(tables: RouteTablesIR, spec: RequestSpec): string | undefined {
  const hit = matchRoute(compileRoutes(tables), request(spec));
  if (hit === undefined) return undefined;
  const table = hit.table === "http" ? tables.http : tables.grpc;
  return `${hit.table}:${table.entries.indexOf(hit.entry)}`;
}

// Dense tables: many entries on the same few paths told apart by one header (tenant / canary
// routing), so candidate buckets get split by header value; sometimes the same header is named twice
// or first as a regex (only the first condition per name counts).
const tenantHeader: fc.Arbitrary<readonly HeaderMatchIR[]> = fc.oneof(
  { arbitrary: fc.constantFrom("1", "2", "3").map((v) => [{ type: "Exact" as const, name: "x-a", value: v }]), weight: 6 },
  { arbitrary: fc.constant([{ type: "RegularExpression" as const, name: "x-a", value: "[12]" }, { type: "Exact" as const, name: "X-A", value: "3" }]), weight: 1 },
  { arbitrary: fc.constant([{ type: "Exact" as const, name: "x-a", value: "1" }, { type: "Exact" as const, name: "x-a", value: "2" }]), weight: 1 },
  { arbitrary: fc.constant([]), weight: 1 },
);
const denseTables: fc.Arbitrary<RouteTablesIR> = fc
  .array(
    fc.record({
      path: fc.constantFrom({ type: "PathPrefix" as const, value: "/" }, { type: "PathPrefix" as const, value: "/a" }, { type: "Exact" as const, value: "/a" }),
      tenant: tenantHeader,
      other: fc.array(header, { maxLength: 1 }),
      method: methods,
    }),
    { minLength: 4, maxLength: 30 },
  )
  .map((hs) => ({
    http: {
      kind: "http",
      entries: hs.map((h, i) => ({ hostnames: [], match: httpMatch({ path: h.path, headers: [...h.tenant, ...h.other], ...(h.method !== undefined ? { method: h.method } : {}) }), rule: i, matchIndex: 0 })),
      rules: hs.map((_, i) => rule(`d${i}`)),
    },
    grpc: { kind: "grpc", ...grpcEntries(hs.map((h) => ({ headers: h.tenant }))) },
  }));
const denseRequest: fc.Arbitrary<RequestSpec> = fc.record({
  method: fc.constantFrom("GET", "POST"),
  path: fc.constantFrom("/", "/a", "/a/b", "/b", "/svc/M"),
  host: fc.constant("a.example.com"),
  headers: fc.record({ "x-a": fc.constantFrom("1", "2", "3", "4"), "x-b": fc.constantFrom("1", "2") }, { requiredKeys: [] }),
  grpc: fc.boolean(),
});

describe("compiled router vs naive linear scan", () => {
  it("agrees on dense header-routed tables (candidate buckets split by header value)", () => {
    fc.assert(
      fc.property(denseTables, fc.array(denseRequest, { minLength: 1, maxLength: 10 }), (tables, reqs) => {
        const compiled = compileRoutes(tables);
        for (const spec of reqs) {
          const hit = matchRoute(compiled, request(spec));
          const table = hit?.table === "grpc" ? tables.grpc : tables.http;
          const got = hit === undefined ? undefined : `${hit.table}:${table.entries.indexOf(hit.entry)}`;
          expect(got).toBe(referenceMatch(tables, request(spec)));
        }
      }),
      { numRuns: 500 },
    );
  });

  it("returns the same entry for random tables and requests", () => {
    fc.assert(
      fc.property(tablesArb, fc.array(requestArb, { minLength: 1, maxLength: 15 }), (tables, reqs) => {
        const compiled = compileRoutes(tables);
        for (const spec of reqs) {
          const hit = matchRoute(compiled, request(spec));
          const table = hit?.table === "grpc" ? tables.grpc : tables.http;
          const got = hit === undefined ? undefined : `${hit.table}:${table.entries.indexOf(hit.entry)}`;
          expect(got).toBe(referenceMatch(tables, request(spec)));
        }
      }),
      { numRuns: 1000 },
    );
  });

  it("finds a match in a sizeable share of generated cases (the property is not vacuous)", () => {
    let hits = 0;
    let total = 0;
    fc.assert(
      fc.property(tablesArb, requestArb, (tables, spec) => {
        total++;
        if (compiledId(tables, spec) !== undefined) hits++;
      }),
      { numRuns: 300, seed: 42 },
    );
    expect(hits).toBeGreaterThan(total / 10);
    expect(hits).toBeLessThan(total);
  });
});
