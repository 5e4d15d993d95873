// malformed-ir: bad input never crashes the proxy — compiling and matching garbage IR neither throws
// nor matches the garbage, and well-formed entries next to it keep working.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { GatewayIR, MeshServiceIR, RouteTablesIR } from "../../pkg/ir/types.ts";
import { compileGateway, compileMesh, compileRoutes, lookupMeshDestination, matchRoute, selectListener } from "../../pkg/router/index.ts";
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

  it("missing tables, listeners and ports compile to 'no match'", () => {
    const noTables = compileRoutes({} as RouteTablesIR);
    expect(matchRoute(noTables, request({ grpc: true }))).toBeUndefined();
    const gw = compileGateway(
      { namespace: "a", name: "g", ports: [{ port: 80, protocol: "HTTP", listeners: [{ id: "a/g/l", name: "l", protocol: "HTTP", certificates: [] }] }] } as unknown as GatewayIR,
    );
    const sel = selectListener(gw, 80, "x");
    expect(sel?.listener.name).toBe("l");
    expect(matchRoute(sel!.routes, request({}))).toBeUndefined();
    const mesh = compileMesh([{ namespace: "a", name: "s", ports: [{ port: 1, cluster: "c" }] }] as unknown as MeshServiceIR[], "a");
    expect(lookupMeshDestination(mesh, "10.0.0.1", 1)).toBeUndefined();
  });
});
