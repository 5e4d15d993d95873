// explain-messages: what `weftctl explain` says about each entry, pinned exactly — one failure per
// condition that fails (hostname, path, method, headers and query parameters by first condition per
// name, gRPC service and method, regexes that do not compile, malformed entries), request values
// shortened past 120 characters, and which tables were tried and how many entries were left untried.
// The explain-agrees-with-router property checks only whether an entry fails; this pins why.
import { describe, expect, it } from "vitest";
import type { RouteEntryIR, RouteTablesIR } from "../../pkg/ir/types.ts";
import { explainRoutes, type ConditionFailure } from "../../pkg/router/explain-entry.ts";
import { grpcEntries, httpMatch, request, rule } from "./builders.ts";

const http = (match: Parameters<typeof httpMatch>[0], hostnames: string[] = [], ruleIndex = 0): RouteEntryIR => ({ hostnames, match: httpMatch(match), rule: ruleIndex, matchIndex: 0 });
const tablesOf = (entries: RouteEntryIR[], grpc: RouteTablesIR["grpc"] = { kind: "grpc", entries: [], rules: [] }): RouteTablesIR => ({
  http: { kind: "http", entries, rules: entries.map((_, i) => rule(`h${i}`)) },
  grpc,
});
const failuresOf = (t: RouteTablesIR, spec: Parameters<typeof request>[0]): (readonly ConditionFailure[])[] => explainRoutes(t, request(spec)).verdicts.map((v) => v.failures);

describe("explain: the failures of each entry", () => {
  it("hostname, path (Exact, PathPrefix, a regex that does not compile), method", () => {
    const t = tablesOf([
      http({ path: { type: "PathPrefix", value: "/" } }, ["a.example.com", "*.b.example.com"]),
      http({ path: { type: "Exact", value: "/x" } }),
      http({ path: { type: "PathPrefix", value: "/v1/" } }),
      http({ path: { type: "RegularExpression", value: "(" } }),
      http({ path: { type: "PathPrefix", value: "/" }, method: "POST" }),
    ]);
    expect(failuresOf(t, { host: "c.example.com.", path: "/v10", method: "GET" })).toEqual([
      [{ condition: "hostname", message: "hostname c.example.com not in [a.example.com, *.b.example.com]" }],
      [{ condition: "path", message: "path /v10 does not match Exact /x" }],
      [{ condition: "path", message: "path /v10 does not match PathPrefix /v1/" }],
      [{ condition: "path", message: 'path RegularExpression "(" does not compile (never matches)' }],
      [{ condition: "method", message: "method GET ≠ POST" }],
    ]);
    // The prefix /v1/ holds for /v1 and /v1/x but not /v10; a host's trailing dot is dropped.
    expect(failuresOf(tablesOf([http({ path: { type: "PathPrefix", value: "/v1/" } }, ["x.b.example.com"])]), { host: "x.b.example.com.", path: "/v1" })).toEqual([[]]);
    expect(failuresOf(tablesOf([http({ path: { type: "PathPrefix", value: "/v1/" } })]), { path: "/v1/x" })).toEqual([[]]);
  });

  it("headers and query parameters: missing, different, not matching a regex; only the first condition per name", () => {
    const t = tablesOf([
      http({
        path: { type: "PathPrefix", value: "/" },
        headers: [
          { type: "Exact", name: "X-Version", value: "2" },
          { type: "Exact", name: "x-version", value: "3" },
          { type: "RegularExpression", name: "x-tier", value: "gold|silver" },
          { type: "Exact", name: "x-absent", value: "1" },
          { type: "RegularExpression", name: "x-broken", value: "[" },
        ],
        query: [
          { type: "Exact", name: "q", value: "a b" },
          { type: "Exact", name: "q", value: "other" },
          { type: "Exact", name: "Q", value: "1" },
          { type: "RegularExpression", name: "r", value: "[0-9]+" },
        ],
      }),
    ]);
    expect(failuresOf(t, { path: "/", headers: { "x-version": "1", "x-tier": "bronze", "x-broken": "x" }, query: "q=a%20c&r=x1" })).toEqual([[
      { condition: "header", message: 'header x-version: "1" ≠ "2"' },
      { condition: "header", message: 'header x-tier: "bronze" does not match RegularExpression "gold|silver"' },
      { condition: "header", message: "header x-absent: missing" },
      { condition: "header", message: 'header x-broken: RegularExpression "[" does not compile (never matches)' },
      { condition: "query", message: 'query q: "a c" ≠ "a b"' },
      { condition: "query", message: "query Q: missing" },
      { condition: "query", message: 'query r: "x1" does not match RegularExpression "[0-9]+"' },
    ]]);
    expect(failuresOf(t, { path: "/", headers: { "x-version": "2", "x-tier": "gold", "x-absent": "1", "x-broken": "x" }, query: "q=a%20b&Q=1&r=12" }).at(0)?.map((f) => f.condition))
      .toEqual(["header"]); // only the regex that does not compile is left
  });

  it("request values past 120 characters are shortened, in messages and quotes", () => {
    const long = `/${"a".repeat(200)}`;
    const t = tablesOf([http({ path: { type: "Exact", value: "/x" }, headers: [{ type: "Exact", name: "x-a", value: "1" }] })]);
    expect(failuresOf(t, { path: long, headers: { "x-a": "b".repeat(130) } })).toEqual([[
      { condition: "path", message: `path ${long.slice(0, 120)}… does not match Exact /x` },
      { condition: "header", message: `header x-a: "${"b".repeat(120)}…" ≠ "1"` },
    ]]);
    expect(failuresOf(t, { path: "/y", headers: { "x-a": "b".repeat(120) } })[0]![1]!.message).toBe(`header x-a: "${"b".repeat(120)}" ≠ "1"`);
    const exactly = `/${"a".repeat(119)}`;
    expect(failuresOf(t, { path: exactly, headers: { "x-a": "1" } })[0]![0]!.message).toBe(`path ${exactly} does not match Exact /x`);
  });

  it("gRPC: not a method path, service and method each; a malformed entry says why it never matches", () => {
    const grpc = grpcEntries([
      { method: { type: "Exact", service: "svc.A", method: "M1" } },
      { method: { type: "RegularExpression", service: "svc\\.B", method: "M[0-9]" } },
    ]);
    const t: RouteTablesIR = { http: { kind: "http", entries: [], rules: [] }, grpc: { kind: "grpc", ...grpc } };
    expect(failuresOf(t, { path: "/svc.C/M9", grpc: true, method: "POST" })).toEqual([
      [{ condition: "grpc", message: 'gRPC service: "svc.C" ≠ "svc.A"' }, { condition: "grpc", message: 'gRPC method: "M9" ≠ "M1"' }],
      [{ condition: "grpc", message: 'gRPC service: "svc.C" does not match RegularExpression "svc\\\\.B"' }],
    ]);
    expect(failuresOf(t, { path: "/nomethod", grpc: true, method: "POST" })[0]).toEqual([{ condition: "grpc", message: "path /nomethod is not a gRPC method path /<service>/<method>" }]);
    const malformed: RouteTablesIR = {
      http: { kind: "http", entries: [{ hostnames: [], match: { kind: "grpc", headers: [] }, rule: 0, matchIndex: 0 }, { ...http({ path: { type: "PathPrefix", value: "/" } }), rule: 7 }],
        rules: [rule("h0")] },
      grpc: { kind: "grpc", entries: [], rules: [] },
    };
    expect(failuresOf(malformed, { path: "/" })).toEqual([
      [{ condition: "malformed", message: "malformed entry: not a http match (never matches)" }],
      [{ condition: "malformed", message: "malformed entry: rule 7 does not exist (never matches)" }],
    ]);
  });
});

describe("explain: tables tried and entries left untried", () => {
  const t = tablesOf(
    [http({ path: { type: "Exact", value: "/a" } }), http({ path: { type: "PathPrefix", value: "/" } }), http({ path: { type: "PathPrefix", value: "/" } })],
    { kind: "grpc", ...grpcEntries([{ method: { type: "Exact", service: "svc.A" } }, {}, {}]) },
  );
  it("an HTTP request tries the HTTPRoute table only; the entries below the winner are not tried", () => {
    const ex = explainRoutes(t, request({ path: "/b" }));
    expect(ex.tablesTried).toEqual(["http"]);
    expect([ex.winner?.table, ex.winner?.index, ex.verdicts.length, ex.notTried]).toEqual(["http", 1, 2, 1]);
  });
  it("a gRPC request won in the GRPCRoute table leaves that table's rest and the whole HTTPRoute table untried", () => {
    const ex = explainRoutes(t, request({ path: "/svc.B/M", grpc: true, method: "POST" }));
    expect(ex.tablesTried).toEqual(["grpc"]);
    expect([ex.winner?.table, ex.winner?.index, ex.notTried]).toEqual(["grpc", 1, 1 + 3]);
  });
  it("a gRPC request no GRPCRoute entry takes falls through to the HTTPRoute table", () => {
    const ex = explainRoutes({ ...t, grpc: { kind: "grpc", ...grpcEntries([{ method: { type: "Exact", service: "svc.A" } }]) } }, request({ path: "/svc.B/M", grpc: true, method: "POST" }));
    expect(ex.tablesTried).toEqual(["grpc", "http"]);
    expect([ex.winner?.table, ex.winner?.index, ex.verdicts.length, ex.notTried]).toEqual(["http", 1, 3, 1]);
  });
  it("no winner: every entry tried, nothing left untried", () => {
    const ex = explainRoutes(tablesOf([http({ path: { type: "Exact", value: "/a" } })]), request({ path: "/b" }));
    expect([ex.winner, ex.verdicts.length, ex.notTried]).toEqual([undefined, 1, 0]);
  });
});
