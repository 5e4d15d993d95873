// matches: normalisation and validation of HTTP and gRPC matches (spec §8, §9): defaults, header
// names lower-cased (first duplicate wins), PathPrefix trailing "/" dropped, path value rules, RE2
// validation, enum values ⇒ UnsupportedValue; a bad rule is dropped (PartiallyInvalid).
import { describe, expect, it } from "vitest";
import { compileGrpcMatches, compileHttpMatches } from "../../pkg/translate/matches.ts";
import { translate } from "../../pkg/translate/index.ts";
import { baseGateway, cond, gwRef, httpRoute } from "./builders.ts";

describe("compileHttpMatches", () => {
  it("no matches ⇒ one PathPrefix / match", () => {
    expect(compileHttpMatches(undefined, "r")).toEqual({ ok: true, matches: [{ kind: "http", path: { type: "PathPrefix", value: "/" }, headers: [], queryParams: [] }] });
  });
  it("lower-cases header names, keeps the first duplicate, keeps query names exact", () => {
    const out = compileHttpMatches([{ headers: [{ name: "X-A", value: "1" }, { name: "x-a", value: "2" }], queryParams: [{ name: "Q", value: "v" }, { name: "q", value: "w" }] }], "r");
    expect(out.ok && out.matches[0]).toMatchObject({ headers: [{ type: "Exact", name: "x-a", value: "1" }], queryParams: [{ name: "Q" }, { name: "q" }] });
  });
  it("drops trailing slashes of PathPrefix but not of Exact", () => {
    const out = compileHttpMatches([{ path: { type: "PathPrefix", value: "/abc//" } }], "r");
    expect(out.ok).toBe(false);
    const ok = compileHttpMatches([{ path: { type: "PathPrefix", value: "/abc/" } }, { path: { type: "Exact", value: "/abc/" } }], "r");
    expect(ok.ok && ok.matches.map((m) => m.path.value)).toEqual(["/abc", "/abc/"]);
  });
  it.each(["abc", "/a//b", "/a/./b", "/a/../b", "/a%2fb", "/a%2Fb", "/a#b", "/a/.", "/a/.."])("rejects path %j", (value) => {
    const out = compileHttpMatches([{ path: { type: "Exact", value } }], "rules[0]");
    expect(out.ok).toBe(false);
    expect(!out.ok && out.problem).toMatchObject({ reason: "UnsupportedValue", message: expect.stringContaining("rules[0].matches[0].path") });
  });
  it.each([
    [{ path: { type: "Glob", value: "/" } }, "unsupported path match type"],
    [{ method: "FETCH" }, "unsupported method"],
    [{ headers: [{ type: "Fuzzy", name: "a", value: "b" }] }, "unsupported match type"],
    [{ headers: [{ name: "bad name", value: "b" }] }, "invalid header name"],
    [{ path: { type: "RegularExpression", value: "(unclosed" } }, "invalid RE2"],
    [{ path: { type: "RegularExpression", value: "(a)\\1" } }, "invalid RE2"],
    [{ queryParams: [{ type: "RegularExpression", name: "q", value: "x".repeat(1025) }] }, "over the limit of 1024"],
  ])("%j ⇒ UnsupportedValue", (m, msg) => {
    const out = compileHttpMatches([m], "r");
    expect(!out.ok && out.problem.message).toContain(msg);
  });
});

describe("compileGrpcMatches", () => {
  it("no matches ⇒ match any method", () => {
    expect(compileGrpcMatches(undefined, "r")).toEqual({ ok: true, matches: [{ kind: "grpc", headers: [] }] });
  });
  it.each([
    [{ method: {} }, "one of service or method"],
    [{ method: { service: "a/b" } }, "not a valid gRPC service"],
    [{ method: { method: "a.b" } }, "not a valid gRPC method"],
    [{ method: { type: "Prefix", service: "a" } }, "unsupported match type"],
    [{ method: { type: "RegularExpression", service: "(" } }, "invalid RE2"],
  ])("%j ⇒ UnsupportedValue", (m, msg) => {
    const out = compileGrpcMatches([m], "r");
    expect(!out.ok && out.problem.message).toContain(msg);
  });
  it("accepts method without service and regex patterns", () => {
    const out = compileGrpcMatches([{ method: { method: "Get" } }, { method: { type: "RegularExpression", service: "foo\\..*" } }], "r");
    expect(out.ok && out.matches.map((m) => m.method)).toEqual([{ type: "Exact", method: "Get" }, { type: "RegularExpression", service: "foo\\..*" }]);
  });
});

describe("invalid rules in a route (spec §4 PartiallyInvalid)", () => {
  it("one bad rule of two ⇒ Accepted=True + PartiallyInvalid 'Dropped Rule 1'; the good rule is served", () => {
    const r = translate(baseGateway({ httpRoutes: [httpRoute("r", { parentRefs: [gwRef()], rules: [{ matches: [{ path: { value: "/ok" } }] }, { matches: [{ method: "NOPE" }] }] })] }));
    expect(cond(r, "r", "Accepted").status).toBe("True");
    expect(cond(r, "r", "PartiallyInvalid")).toMatchObject({ status: "True", reason: "UnsupportedValue", message: expect.stringMatching(/^Dropped Rule 1: /) });
    expect(r.ir.gateways[0]?.ports[0]?.listeners[0]?.routes.http.rules.map((x) => x.ruleIndex)).toEqual([0]);
  });
  it("every rule bad ⇒ Accepted=False/UnsupportedValue and no PartiallyInvalid", () => {
    const r = translate(baseGateway({ httpRoutes: [httpRoute("r", { parentRefs: [gwRef()], rules: [{ matches: [{ method: "NOPE" }] }] })] }));
    expect(cond(r, "r", "Accepted")).toMatchObject({ status: "False", reason: "UnsupportedValue" });
    expect(() => cond(r, "r", "PartiallyInvalid")).toThrow();
  });
});
