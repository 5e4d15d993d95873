// malformed-ir: bad input never crashes the proxy — compiling and matching garbage IR neither throws
// nor matches the garbage, and well-formed entries next to it keep working; `weftctl explain` over the
// same garbage neither throws nor disagrees with the router.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { GatewayIR, MeshServiceIR, RouteTablesIR } from "../../pkg/ir/types.ts";
import { explainRoutes } from "../../pkg/router/explain-entry.ts";
import { compileGateway, compileMesh, compileRoutes, listenerForSni, lookupMeshDestination, matchRoute, selectListener } from "../../pkg/router/index.ts";
import type { RequestView } from "../../pkg/router/request.ts";
import { httpTables, request } from "./builders.ts";
import { fcParams } from "../support/fast-check-env.ts";

const good = httpTables([{ path: { type: "PathPrefix", value: "/" } }]).http;

/** A table whose first entries are arbitrary values, followed by one good catch-all entry. */
const garbageTables = fc.array(fc.anything({ maxDepth: 3 }), { maxLength: 5 }).map((junk): RouteTablesIR => {
  const entries = [...junk, { ...good.entries[0]!, rule: junk.length }];
  const rules = [...junk.map(() => good.rules[0]!), good.rules[0]!];
  return { http: { kind: "http", entries, rules } as unknown as RouteTablesIR["http"], grpc: { kind: "grpc", entries: junk, rules: [] } as unknown as RouteTablesIR["grpc"] };
});

const shapedJunk = fc.record(
  {
    hostnames: fc.oneof(fc.array(fc.anything({ maxDepth: 1 }), { maxLength: 2 }), fc.anything({ maxDepth: 1 })),
    match: fc.record({
      kind: fc.constantFrom("http", "grpc"),
      path: fc.oneof(fc.anything({ maxDepth: 1 }), fc.record({ type: fc.constantFrom("Exact", "PathPrefix", "RegularExpression", "Bogus"), value: fc.anything({ maxDepth: 0 }) })),
      headers: fc.oneof(fc.array(fc.record({ type: fc.constantFrom("Exact", "RegularExpression"), name: fc.anything({ maxDepth: 0 }), value: fc.anything({ maxDepth: 0 }) }), { maxLength: 2 }),
        fc.anything({ maxDepth: 1 })),
      queryParams: fc.array(fc.anything({ maxDepth: 1 }), { maxLength: 2 }),
      method: fc.anything({ maxDepth: 1 }),
    }),
    rule: fc.constant(0),
    matchIndex: fc.anything({ maxDepth: 0 }),
  },
  { requiredKeys: ["match", "rule"] },
);

/** The router's answer and explain's winner as "<table>:<index>"; explain must not throw. */
function bothAnswers(tables: RouteTablesIR, req: RequestView): [string | undefined, string | undefined] {
  const hit = matchRoute(compileRoutes(tables), req);
  const table = hit?.table === "grpc" ? tables?.grpc : tables?.http;
  const routed = hit === undefined ? undefined : `${hit.table}:${table.entries.indexOf(hit.entry)}`;
  const ex = explainRoutes(tables, req);
  return [routed, ex.winner === undefined ? undefined : `${ex.winner.table}:${ex.winner.index}`];
}

describe("malformed IR", () => {
  it("arbitrary junk entries neither throw nor shadow the good entry after them", () => {
    fc.assert(
      fc.property(garbageTables, fc.constantFrom("/", "/x/y", "/a.S/M"), fc.boolean(), (tables, path, grpc) => {
        const compiled = compileRoutes(tables);
        const hit = matchRoute(compiled, request({ path, grpc }));
        // Junk is not a route: the only thing that may match is the good catch-all (last entry).
        expect(hit?.rule.id).toBe(good.rules[0]!.id);
      }),
      fcParams(300),
    );
  });

  it("route-shaped entries with wrong field types never throw", () => {
    fc.assert(
      fc.property(fc.array(shapedJunk, { maxLength: 4 }), fc.constantFrom("/", "/a", "/a.S/M"), (junk, path) => {
        const tables = { http: { kind: "http", entries: junk, rules: [good.rules[0]] }, grpc: { kind: "grpc", entries: junk, rules: [good.rules[0]] } } as unknown as RouteTablesIR;
        expect(() => matchRoute(compileRoutes(tables), request({ path, query: "a=1", headers: { x: "1" }, grpc: true }))).not.toThrow();
      }),
      fcParams(300),
    );
  });

  it("explain over junk and route-shaped junk never throws and names the router's entry", () => {
    fc.assert(
      fc.property(garbageTables, fc.array(shapedJunk, { maxLength: 4 }), fc.constantFrom("/", "/a", "/a.S/M"), fc.boolean(), (garbage, junk, path, grpc) => {
        const shaped = { http: { kind: "http", entries: junk, rules: [good.rules[0]] }, grpc: { kind: "grpc", entries: junk, rules: [good.rules[0]] } } as unknown as RouteTablesIR;
        for (const tables of [garbage, shaped]) {
          const [routed, explained] = bothAnswers(tables, request({ path, query: "a=1", headers: { x: "1" }, grpc }));
          expect(explained).toBe(routed);
        }
      }),
      fcParams(300),
    );
  });

  it("explain: null or missing entries, matches, tables and rule lists; a match without its header or query list", () => {
    const entry = good.entries[0]!;
    const noHeaders = { ...entry, match: { kind: "http", path: { type: "PathPrefix", value: "/" }, queryParams: [] } };
    const noQuery = { ...entry, match: { kind: "http", path: { type: "PathPrefix", value: "/" }, headers: [] } };
    const grpcNoHeaders = { ...entry, match: { kind: "grpc" } };
    const cases: [string, unknown, boolean][] = [
      ["a null entry", { http: { kind: "http", entries: [null, entry], rules: good.rules } }, false],
      ["an undefined entry", { http: { kind: "http", entries: [undefined, entry], rules: good.rules } }, false],
      ["an entry without a match", { http: { kind: "http", entries: [{ rule: 0 }, entry], rules: good.rules } }, false],
      ["an entry with a null match", { http: { kind: "http", entries: [{ rule: 0, match: null }, entry], rules: good.rules } }, false],
      ["a match without headers", { http: { kind: "http", entries: [noHeaders, entry], rules: good.rules } }, false],
      ["a match without queryParams", { http: { kind: "http", entries: [noQuery, entry], rules: good.rules } }, false],
      ["a gRPC match without headers", { grpc: { kind: "grpc", entries: [grpcNoHeaders], rules: good.rules }, http: good }, true],
      ["no tables", undefined, true],
      ["null tables", null, false],
      ["no HTTP table", { grpc: { kind: "grpc", entries: [], rules: [] } }, false],
      ["an HTTP table without entries", { http: { kind: "http", rules: good.rules } }, false],
      ["an HTTP table without rules", { http: { kind: "http", entries: [entry] } }, false],
      ["a gRPC winner with no HTTP table", { grpc: { kind: "grpc", entries: [{ ...entry, match: { kind: "grpc", headers: [] } }], rules: good.rules } }, true],
      ["a gRPC winner with an HTTP table without entries", { grpc: { kind: "grpc", entries: [{ ...entry, match: { kind: "grpc", headers: [] } }], rules: good.rules }, http: {} }, true],
    ];
    for (const [what, tables, grpc] of cases) {
      const [routed, explained] = bothAnswers(tables as RouteTablesIR, request({ path: "/a.S/M", grpc }));
      expect(explained, what).toBe(routed);
    }
    expect(bothAnswers({ http: { kind: "http", entries: [noHeaders], rules: good.rules } } as unknown as RouteTablesIR, request({}))).toEqual([undefined, undefined]);
    expect(explainRoutes({ http: { kind: "http", entries: [noHeaders], rules: good.rules } } as unknown as RouteTablesIR, request({})).verdicts[0]?.failures).toEqual([
      { condition: "malformed", message: "malformed entry (never matches)" },
    ]);
    expect(explainRoutes({ http: { kind: "http", rules: good.rules } } as unknown as RouteTablesIR, request({})).verdicts).toEqual([]);
    const grpcWin = { grpc: { kind: "grpc", entries: [{ ...entry, match: { kind: "grpc", headers: [] } }], rules: good.rules } } as unknown as RouteTablesIR;
    expect(explainRoutes(grpcWin, request({ grpc: true })).notTried).toBe(0);
  });

  it("an entry without a hostnames list takes any host, in the router and in explain", () => {
    const { hostnames: _, ...entry } = good.entries[0]!;
    const tables = { http: { ...good, entries: [entry] }, grpc: { kind: "grpc", entries: [], rules: [] } } as unknown as RouteTablesIR;
    expect(bothAnswers(tables, request({ host: "any.example" }))).toEqual(["http:0", "http:0"]);
  });

  it("missing tables, listeners and ports compile to 'no match'", () => {
    const noTables = compileRoutes({} as RouteTablesIR);
    expect(matchRoute(noTables, request({ grpc: true }))).toBeUndefined();
    const gw = compileGateway(
      { namespace: "a", name: "g", ports: [{ port: 80, protocol: "HTTP", listeners: [{ id: "a/g/l", name: "l", protocol: "HTTP", certificates: [] }] }] } as unknown as GatewayIR,
    );
    const sel = selectListener(gw, 80, "x");
    expect(sel?.listener.name).toBe("l");
    expect(matchRoute(sel!.routes, request({}))).toBeUndefined();
    const noListeners = compileGateway({ namespace: "a", name: "g", ports: [{ port: 80, protocol: "HTTP" }] } as unknown as GatewayIR);
    expect(selectListener(noListeners, 80, "x")).toBeUndefined();
    expect(listenerForSni(noListeners, 80, undefined)).toBeUndefined();
    const mesh = compileMesh([{ namespace: "a", name: "s", ports: [{ port: 1, cluster: "c" }] }] as unknown as MeshServiceIR[], "a");
    expect(lookupMeshDestination(mesh, "10.0.0.1", 1)).toBeUndefined();
    expect(mesh.destinations.size).toBe(0);
    expect(compileMesh([{ namespace: "a", name: "s", clusterIPs: ["10.0.0.1"] }] as unknown as MeshServiceIR[], "a").destinations.size).toBe(0);
  });
});
