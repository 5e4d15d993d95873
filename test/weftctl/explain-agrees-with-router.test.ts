// explain-agrees-with-router: property tests — on random pre-sorted route tables and random requests,
// explainRoutes picks exactly the entry matchRoute picks, every entry ranked above it carries at least
// one failed condition, and each entry's verdict (no failures ⇔ matches) agrees with the naive
// reference matcher of the router tests run on that entry alone. Pools are small so paths, hosts,
// headers and params collide often.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { RouteTablesIR } from "../../pkg/ir/types.ts";
import { explainEntry, explainRoutes } from "../../pkg/router/explain-entry.ts";
import { compileRoutes, matchRoute } from "../../pkg/router/index.ts";
import { request, type RequestSpec } from "../router/builders.ts";
import { aimedRequestArb, pathValue, routeTablesArb } from "../router/route-table-arbitraries.ts";
import { referenceMatch } from "../router/reference-matcher.ts";
import { fcParams } from "../support/fast-check-env.ts";

const tablesArb = routeTablesArb({ http: 20, grpc: 6 });

const requestArb: fc.Arbitrary<RequestSpec> = fc.record({
  method: fc.constantFrom("GET", "POST"),
  path: fc.oneof(pathValue, fc.constantFrom("/", "/svc.A/M1", "/svc.B/M2", "/svc.A/M1/x", "/abc", "")),
  query: fc.constantFrom("", "q=1", "Q=a%20b", "q=2&q=1", "q", "q=%zz"),
  host: fc.constantFrom("a.example.com", "b.example.com", "example.com", "other.org", "a.example.com."),
  headers: fc.dictionary(fc.constantFrom("x-a", "x-b"), fc.constantFrom("1", "2", "3")),
  grpc: fc.boolean(),
});

/** Tables with requests aimed at their own entries (and some random ones). */
const tablesWithRequests = (count: { minLength: number; maxLength: number }) => tablesArb.chain((tables) => fc.tuple(fc.constant(tables), fc.array(aimedRequestArb(tables, requestArb), count)));

function routerId(tables: RouteTablesIR, spec: RequestSpec): string | undefined {
  const hit = matchRoute(compileRoutes(tables), request(spec));
  if (hit === undefined) return undefined;
  return `${hit.table}:${(hit.table === "http" ? tables.http : tables.grpc).entries.indexOf(hit.entry)}`;
}

describe("explain agrees with the router", () => {
  it("chooses matchRoute's entry; every entry ranked above it has a failed condition", () => {
    fc.assert(
      fc.property(tablesWithRequests({ minLength: 1, maxLength: 10 }), ([tables, reqs]) => {
        for (const spec of reqs) {
          const ex = explainRoutes(tables, request(spec));
          const got = ex.winner === undefined ? undefined : `${ex.winner.table}:${ex.winner.index}`;
          expect(got).toBe(routerId(tables, spec));
          const losers = ex.winner === undefined ? ex.verdicts : ex.verdicts.slice(0, -1);
          for (const v of losers) expect(v.failures.length).toBeGreaterThan(0);
          expect(ex.winner?.failures ?? []).toEqual([]);
        }
      }),
      fcParams(800),
    );
  });

  it("each entry's verdict equals the reference matcher on that entry alone", () => {
    fc.assert(
      fc.property(tablesWithRequests({ minLength: 1, maxLength: 1 }), ([tables, [spec]]) => {
        const req = request(spec!);
        for (const kind of ["http", "grpc"] as const) {
          const table = tables[kind];
          table.entries.forEach((entry) => {
            const alone: RouteTablesIR = {
              http: kind === "http" ? { kind: "http", entries: [entry], rules: table.rules } : { kind: "http", entries: [], rules: [] },
              grpc: kind === "grpc" ? { kind: "grpc", entries: [entry], rules: table.rules } : { kind: "grpc", entries: [], rules: [] },
            };
            const failures = explainEntry(kind, entry, table.rules[entry.rule], { ...req, grpc: true });
            const ref = referenceMatch(alone, { ...req, grpc: true });
            expect(failures.length === 0, failures.map((f) => f.message).join("; ")).toBe(ref !== undefined);
          });
        }
      }),
      fcParams(800),
    );
  });

  it("finds a winner in a sizeable share of cases and losers with reasons in others (not vacuous)", () => {
    let winners = 0;
    let losers = 0;
    let total = 0;
    fc.assert(
      fc.property(tablesWithRequests({ minLength: 1, maxLength: 1 }), ([tables, [spec]]) => {
        total++;
        const ex = explainRoutes(tables, request(spec!));
        if (ex.winner !== undefined) winners++;
        if (ex.verdicts.some((v) => v.failures.length > 0)) losers++;
      }),
      fcParams(300, 7),
    );
    // Shares, not counts, so the guard holds for any FC_RUNS_SCALE. Requests aimed at the tables' own
    // entries find a winner in 41-51% of cases and losers with reasons in 77-83% (seeds 1-3, 7, 42;
    // random requests alone: winners about 10%, the floor this guard had).
    expect(winners).toBeGreaterThan(total / 4);
    expect(losers).toBeGreaterThan(total / 2);
  });
});
