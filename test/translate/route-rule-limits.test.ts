// route-rule-limits: a route's CRD maxItems at their exact bounds (spec §8: ≤16 rules, ≤64 matches a
// rule, ≤128 matches a route, ≤16 backendRefs and filters a rule; ≤16 hostnames), backend weights
// 0-1000000, and session persistence against a Service's sessionAffinity ClientIP (GEP-1619, spec §13).
import { describe, expect, it } from "vitest";
import type { HTTPRoute, HTTPRouteRule, ResourceSnapshot } from "../../pkg/api/index.ts";
import { translate } from "../../pkg/translate/index.ts";
import { baseGateway, cond, grant, gwRef, httpRoute, service, snap, svcRef } from "./builders.ts";

const be = [{ name: "foo", port: 80 }];

function run(spec: Partial<HTTPRoute["spec"]>, parts: Partial<ResourceSnapshot> = {}) {
  const r = translate(baseGateway({ ...parts, httpRoutes: [httpRoute("r", { parentRefs: [gwRef()], ...spec })] }));
  return { r, table: r.ir.gateways[0]?.ports[0]?.listeners[0]?.routes.http };
}

const paths = (n: number, p = "m") => Array.from({ length: n }, (_, i) => ({ path: { value: `/${p}${i}` } }));
const mirror = () => ({ type: "RequestMirror" as const, requestMirror: { backendRef: { name: "foo", port: 80 } } });

describe("route limits at their bounds (CRD maxItems)", () => {
  it("16 rules, 16 hostnames, 16 backendRefs and 16 filters in a rule, 64 matches in a rule and 128 in the route are accepted", () => {
    const hostnames = Array.from({ length: 16 }, (_, i) => `h${i}.example.com`);
    const rules: HTTPRouteRule[] = [
      { matches: paths(64, "a"), backendRefs: Array.from({ length: 16 }, () => be[0]!) },
      { matches: paths(50, "b"), filters: Array.from({ length: 16 }, mirror) },
      ...Array.from({ length: 14 }, (_, i) => ({ matches: [{ path: { value: `/c${i}` } }], backendRefs: be })),
    ];
    const { r, table } = run({ hostnames, rules });
    expect(cond(r, "r", "Accepted")).toMatchObject({ status: "True", reason: "Accepted" });
    expect(table?.rules).toHaveLength(16);
    expect(table?.rules[0]?.backends).toHaveLength(16);
    expect(table?.rules[1]?.filters).toHaveLength(16);
    expect(table?.entries).toHaveLength(128 * 16);
  });
  it("17 rules are refused", () => {
    const { r } = run({ rules: Array.from({ length: 17 }, () => ({ backendRefs: be })) });
    expect(cond(r, "r", "Accepted")).toMatchObject({ status: "False", reason: "UnsupportedValue", message: "spec.rules: 17 rules, over the limit of 16" });
  });
  it("a rule without matches counts as one match toward the route's 128", () => {
    const { r } = run({ rules: [{ matches: paths(64, "a") }, { matches: paths(64, "b") }, {}] });
    expect(cond(r, "r", "Accepted")).toMatchObject({ status: "False", reason: "UnsupportedValue", message: "spec.rules: 129 matches in total, over the limit of 128" });
  });
  it("17 backendRefs or 17 filters in the second rule refuse the whole route, naming the rule", () => {
    const refs = run({ rules: [{ backendRefs: be }, { backendRefs: Array.from({ length: 17 }, () => be[0]!) }] }).r;
    expect(cond(refs, "r", "Accepted")).toMatchObject({ status: "False", message: "spec.rules[1].backendRefs: 17 backendRefs, over the limit of 16" });
    const filters = run({ rules: [{ backendRefs: be }, { filters: Array.from({ length: 17 }, mirror) }] }).r;
    expect(cond(filters, "r", "Accepted")).toMatchObject({ status: "False", message: "spec.rules[1].filters: 17 filters, over the limit of 16" });
  });
  it("hostnames are checked on a Gateway parent only: on a Service parent they are ignored (spec §1.4)", () => {
    const hostnames = [...Array.from({ length: 17 }, (_, i) => `h${i}.example.com`), "not a hostname"];
    const gw = run({ hostnames, rules: [{ backendRefs: be }] }).r;
    expect(cond(gw, "r", "Accepted")).toMatchObject({ status: "False", message: "spec.hostnames: 18 hostnames, over the limit of 16" });
    const bad = run({ hostnames: ["ok.example.com", "Not_A_Host"], rules: [{ backendRefs: be }] }).r;
    expect(cond(bad, "r", "Accepted")).toMatchObject({ status: "False", reason: "UnsupportedValue", message: expect.stringMatching(/^spec\.hostnames\[1\]: /) });
    const mesh = translate(snap({ services: [service("foo")], httpRoutes: [httpRoute("r", { parentRefs: [svcRef("foo")], hostnames, rules: [{ backendRefs: be }] })] }));
    expect(cond(mesh, "r", "Accepted").status).toBe("True");
    expect(mesh.ir.services[0]?.ports[0]?.producer?.http.entries.map((e) => e.hostnames)).toStrictEqual([[]]);
  });
  it("a hostname listed twice gives one entry", () => {
    const { table } = run({ hostnames: ["a.example.com", "a.example.com"], rules: [{ backendRefs: be }] });
    expect(table?.entries.map((e) => e.hostnames)).toStrictEqual([["a.example.com"]]);
  });
});

describe("backend weights (spec §3: 0-1000000)", () => {
  it("1000000 is accepted; -1 and 1.5 drop the rule", () => {
    expect(run({ rules: [{ backendRefs: [{ ...be[0]!, weight: 1_000_000 }] }] }).table?.rules[0]?.backends[0]?.weight).toBe(1_000_000);
    for (const weight of [-1, 1.5]) {
      const { r } = run({ rules: [{ backendRefs: [{ ...be[0]!, weight }] }] });
      expect(cond(r, "r", "Accepted")).toMatchObject({ status: "False", reason: "UnsupportedValue", message: expect.stringContaining(`weight ${weight} is not an integer 0-1000000`) });
    }
  });
});

describe("rule fields carried to the IR", () => {
  it("a rule's name becomes ruleName; a rule without one has no ruleName key", () => {
    const { table } = run({ rules: [{ name: "first", backendRefs: be }, { backendRefs: be, matches: [{ path: { value: "/b" } }] }] });
    expect(table?.rules[0]?.ruleName).toBe("first");
    expect(table?.rules[1] !== undefined && "ruleName" in table.rules[1]).toBe(false);
  });
  it("a RequestRedirect with an empty backendRefs list is accepted (nothing to combine with)", () => {
    const { r } = run({ rules: [{ filters: [{ type: "RequestRedirect", requestRedirect: { statusCode: 301 } }], backendRefs: [] }] });
    expect(cond(r, "r", "Accepted").status).toBe("True");
  });
});

describe("session persistence against sessionAffinity ClientIP (GEP-1619)", () => {
  const sp = { sessionName: "s" };
  const G = "gateway.networking.k8s.io";
  it("a ClientIP Service in another namespace, granted, refuses the rule and names the Service", () => {
    const parts = {
      services: [service("foo"), service("far", "other", [{ name: "http", port: 80 }], { sessionAffinity: "ClientIP" })],
      referenceGrants: [grant("other", [{ group: G, kind: "HTTPRoute", namespace: "default" }], [{ group: "", kind: "Service" }])],
    };
    const { r } = run({ rules: [{ sessionPersistence: sp, backendRefs: [{ name: "far", namespace: "other", port: 80 }] }] }, parts);
    expect(cond(r, "r", "Accepted")).toMatchObject({ status: "False", reason: "UnsupportedValue", message: expect.stringContaining("sessionAffinity ClientIP on Service other/far") });
    const plain = run({ rules: [{ backendRefs: [{ name: "far", namespace: "other", port: 80 }] }] }, parts);
    expect(cond(plain.r, "r", "Accepted").status).toBe("True");
  });
  it("the ClientIP Service as the second backend refuses the rule; affinity None does not", () => {
    const services = [service("foo"), service("sticky", "default", [{ name: "http", port: 80 }], { sessionAffinity: "ClientIP" }),
      service("none", "default", [{ name: "http", port: 80 }], { sessionAffinity: "None" })];
    const second = run({ rules: [{ sessionPersistence: sp, backendRefs: [...be, { name: "sticky", port: 80 }] }] }, { services }).r;
    expect(cond(second, "r", "Accepted")).toMatchObject({ status: "False", message: expect.stringContaining("Service default/sticky") });
    const none = run({ rules: [{ sessionPersistence: sp, backendRefs: [...be, { name: "none", port: 80 }] }] }, { services });
    expect(cond(none.r, "r", "Accepted").status).toBe("True");
    expect(none.table?.rules[0]?.sessionPersistence).toStrictEqual({ type: "Cookie", name: "s", lifetimeType: "Session" });
  });
});
