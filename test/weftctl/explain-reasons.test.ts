// explain-reasons: the per-condition messages of pkg/router/explain-entry.ts (the wording users read),
// request parsing for explain (raw paths, redaction, hostile input) and the gateway TLS/SNI and
// listener notes of pkg/weftctl/explain.ts on hand-built IR.
import { describe, expect, it } from "vitest";
import type { TranslateRun } from "../../pkg/weftctl/translate-run.ts";
import { explainRequest, type ExplainReport } from "../../pkg/weftctl/explain.ts";
import { parseRequest, type ExplainRequest } from "../../pkg/weftctl/request.ts";
import { emptySnapshot } from "../../pkg/api/index.ts";
import type { MeshIR, RouteEntryIR } from "../../pkg/ir/types.ts";
import { explainEntry, explainRoutes } from "../../pkg/router/explain-entry.ts";
import { httpMatch, httpTables, request, rule } from "../router/builders.ts";

const messages = (entry: RouteEntryIR, spec: Parameters<typeof request>[0], kind: "http" | "grpc" = "http") => explainEntry(kind, entry, rule("r"), request(spec)).map((f) => f.message);

const entry = (m: RouteEntryIR["match"], hostnames: string[] = []): RouteEntryIR => ({ hostnames, match: m, rule: 0, matchIndex: 0 });

describe("explain-entry reasons", () => {
  it("names every failed condition of an HTTP match", () => {
    const e = entry(httpMatch({
      path: { type: "PathPrefix", value: "/v1" },
      method: "PATCH",
      headers: [{ type: "Exact", name: "X-Version", value: "2" }, { type: "RegularExpression", name: "x-tenant", value: "gold|silver" }],
      query: [{ type: "Exact", name: "debug", value: "1" }],
    }), ["b.com"]);
    expect(messages(e, { method: "GET", path: "/v2", host: "a.com", headers: { "x-tenant": "bronze" }, query: "" })).toEqual([
      "hostname a.com not in [b.com]",
      "path /v2 does not match PathPrefix /v1",
      "method GET ≠ PATCH",
      "header x-version: missing",
      'header x-tenant: "bronze" does not match RegularExpression "gold|silver"',
      "query debug: missing",
    ]);
    expect(messages(e, { method: "PATCH", path: "/v1/x", host: "b.com", headers: { "x-version": "2", "x-tenant": "gold" }, query: "debug=1" })).toEqual([]);
  });

  it("PathPrefix is segment-wise, an uncompilable regex never matches, long values are cut", () => {
    expect(messages(entry(httpMatch({ path: { type: "PathPrefix", value: "/abc" } })), { path: "/abcd" })).toEqual(["path /abcd does not match PathPrefix /abc"]);
    expect(messages(entry(httpMatch({ path: { type: "RegularExpression", value: "(" } })), { path: "/" })[0]).toContain("does not compile");
    const long = "x".repeat(5000);
    const m = messages(entry(httpMatch({ headers: [{ type: "Exact", name: "x-a", value: "1" }] })), { headers: { "x-a": long } })[0] ?? "";
    expect(m.length).toBeLessThan(200);
    expect(m).toContain("…");
  });

  it("gRPC: not a method path, service and method mismatches; malformed entries", () => {
    const g = entry({ kind: "grpc", headers: [], method: { type: "Exact", service: "a.B", method: "M" } });
    expect(messages(g, { path: "/a.B/M/extra", grpc: true }, "grpc")).toEqual(["path /a.B/M/extra is not a gRPC method path /<service>/<method>"]);
    expect(messages(g, { path: "/a.C/N", grpc: true }, "grpc")).toEqual(['gRPC service: "a.C" ≠ "a.B"', 'gRPC method: "N" ≠ "M"']);
    expect(explainEntry("http", g, rule("r"), request({}))[0]?.condition).toBe("malformed");
    expect(explainEntry("http", entry(httpMatch({})), undefined, request({}))[0]?.message).toContain("rule 0 does not exist");
  });

  it("explainRoutes stops at the winner and counts the entries below it", () => {
    const t = httpTables([{ path: { type: "Exact", value: "/a" } }, { path: { type: "PathPrefix", value: "/" } }, { path: { type: "PathPrefix", value: "/" } }]);
    const ex = explainRoutes(t, request({ path: "/b" }));
    expect(ex.verdicts.map((v) => v.failures.length)).toEqual([1, 0]);
    expect(ex.winner?.index).toBe(1);
    expect(ex.notTried).toBe(1);
  });
});

describe("explain request parsing", () => {
  it("keeps the path and query as written, redacts secrets, honours Host", () => {
    const r = parseRequest("GET", "http://Api.Example.com:8080/a/../b%2F?x=1&y", ["Authorization: Bearer s3cr3t", "host: other.example.com:9"]) as ExplainRequest;
    expect([r.host, r.port, r.path, r.query, r.view.host]).toEqual(["api.example.com", 8080, "/a/../b%2F", "x=1&y", "other.example.com"]);
    expect(r.shownHeaders["authorization"]).toBe("[redacted]");
    expect(r.view.header("authorization")).toBe("Bearer s3cr3t");
    const v6 = parseRequest("GET", "[fd00::1]:9080", []) as ExplainRequest;
    expect([v6.host, v6.port, v6.path, v6.scheme]).toEqual(["fd00::1", 9080, "/", "http"]);
  });

  it("refuses hostile or malformed input with a message", () => {
    expect(parseRequest("GE T", "http://a/", [])).toMatch(/invalid method/);
    expect(parseRequest("GET", `http://a/${"x".repeat(9000)}`, [])).toMatch(/longer than/);
    expect(parseRequest("GET", "ftp://a/", [])).toMatch(/scheme/);
    expect(parseRequest("GET", "http://u:p@a/", [])).toMatch(/credentials/);
    expect(parseRequest("GET", "http://a/", ["nocolon"])).toMatch(/name: value/);
    expect(parseRequest("GET", "http://a/", Array.from({ length: 101 }, (_, i) => `h${i}: v`))).toMatch(/more than 100/);
  });
});

describe("explain on a gateway (hand-built IR)", () => {
  const routes = httpTables([{ path: { type: "PathPrefix", value: "/" } }]);
  const ir: MeshIR = {
    gateways: [{
      namespace: "infra",
      name: "gw",
      ports: [{
        port: 443,
        protocol: "HTTPS",
        listeners: [
          { id: "infra/gw/a", name: "a", hostname: "a.example.com", protocol: "HTTPS", certificates: ["infra/a"], routes },
          { id: "infra/gw/wild", name: "wild", hostname: "*.example.com", protocol: "HTTPS", certificates: ["infra/w"], routes },
        ],
      }],
    }],
    services: [],
    clusters: [],
    secrets: [],
  };
  const run = { snapshot: emptySnapshot(), result: { ir, statuses: [], diagnostics: [] }, errors: [], warnings: [], diagnostics: [] } as unknown as TranslateRun;
  const explain = (url: string, headers: string[] = []): ExplainReport => {
    const req = parseRequest("GET", url, headers) as ExplainRequest;
    const out = explainRequest(run, { mode: "gateway", namespace: "infra", name: "gw" }, req);
    if ("error" in out) throw new Error(out.error);
    return out.report;
  };

  it("flags a misdirected request (SNI listener ≠ Host listener, 421)", () => {
    const r = explain("https://b.example.com/", ["host: a.example.com"]);
    expect(r.listeners?.find((l) => l.selected)?.name).toBe("a");
    expect(r.selection.join("\n")).toContain("misdirected, the proxy answers 421");
    expect(r.outcome).toBe("matched");
  });

  it("plain HTTP to an HTTPS listener is called out; unknown host ⇒ no listener, exit outcome no-listener", () => {
    expect(explain("http://a.example.com:443/").selection.join("\n")).toContain("plain-HTTP request fails the TLS handshake");
    const none = explain("https://x.org/");
    expect(none.outcome).toBe("no-listener");
    expect(none.listeners?.map((l) => l.why)).toEqual(["hostname a.example.com does not match x.org", "hostname *.example.com does not match x.org"]);
  });
});
