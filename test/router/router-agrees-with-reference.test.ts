// router-agrees-with-reference: property test — on random pre-sorted route tables and random
// requests, the compiled router returns exactly the entry a naive linear scan returns (design §5).
// Pools are small so paths, hosts, headers and params collide often.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { HeaderMatchIR, RouteTablesIR } from "../../pkg/ir/types.ts";
import { compileRoutes, matchRoute } from "../../pkg/router/index.ts";
import { grpcEntries, httpMatch, request, rule, type RequestSpec } from "./builders.ts";
import { aimedRequestArb, header, methods, randomRequestArb as requestArb, routeTablesArb } from "./route-table-arbitraries.ts";
import { referenceMatch } from "./reference-matcher.ts";
import { fcParams } from "../support/fast-check-env.ts";

const tablesArb = routeTablesArb();

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
      entries: hs.map((h, i) => ({ hostnames: [], match: httpMatch({ path: h.path, headers: [...h.tenant, ...h.other], ...(h.method !== undefined ? { method: h.method } : {}) }), rule: i,
        matchIndex: 0 })
      ),
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

/** The compiled router returns exactly the entry the naive linear scan returns, for every request. */
function expectAgrees(tables: RouteTablesIR, reqs: readonly RequestSpec[]): void {
  const compiled = compileRoutes(tables);
  for (const spec of reqs) {
    const hit = matchRoute(compiled, request(spec));
    const table = hit?.table === "grpc" ? tables.grpc : tables.http;
    const got = hit === undefined ? undefined : `${hit.table}:${table.entries.indexOf(hit.entry)}`;
    expect(got).toBe(referenceMatch(tables, request(spec)));
  }
}

/** Tables with requests aimed at their own entries (and some random ones). */
const tablesWithRequests = (count: { minLength: number; maxLength: number }) => tablesArb.chain((tables) => fc.tuple(fc.constant(tables), fc.array(aimedRequestArb(tables, requestArb), count)));

describe("compiled router vs naive linear scan", () => {
  it("agrees on dense header-routed tables (candidate buckets split by header value)", () => {
    fc.assert(fc.property(denseTables, fc.array(denseRequest, { minLength: 1, maxLength: 10 }), expectAgrees), fcParams(500));
  });

  it("returns the same entry for random tables and requests aimed at their entries", () => {
    fc.assert(fc.property(tablesWithRequests({ minLength: 1, maxLength: 15 }), ([tables, reqs]) => expectAgrees(tables, reqs)), fcParams(1000));
  });

  it("finds a match in a sizeable share of generated cases (the property is not vacuous)", () => {
    let hits = 0;
    let total = 0;
    fc.assert(
      fc.property(tablesWithRequests({ minLength: 1, maxLength: 1 }), ([tables, [spec]]) => {
        total++;
        if (compiledId(tables, spec!) !== undefined) hits++;
      }),
      fcParams(300, 42),
    );
    // Requests aimed at the tables' own entries hit in 44-54% of cases (seeds 1-3, 7, 42; random requests
    // alone: about 10%, the floor this guard had). A quarter holds for any seed or FC_RUNS_SCALE while
    // a generator that stops aiming fails it.
    expect(hits).toBeGreaterThan(total / 4);
    expect(hits).toBeLessThan(total);
  });
});
