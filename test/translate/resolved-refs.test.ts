// resolved-refs: which reason ResolvedRefs=False reports when a route has several reference problems.
// The spec gives each invalid reference its own reason (HTTPBackendRef/GRPCBackendRef: InvalidKind,
// BackendNotFound, RefNotPermitted, UnsupportedProtocol; RequestMirror the same) and says the
// condition's Message must explain which reference; one condition carries one reason and the spec
// sets no precedence between them. Weft's rule (docs/translate.md): the reason of the first problem
// in the route's spec order — rules in order; in a rule its filters (mirrors), then its backendRefs
// in order, each followed by its own filters — and every problem in the message, in that order.
// Within one reference the checks run kind → ReferenceGrant → existence → port → appProtocol, so an
// ungranted cross-namespace Service is RefNotPermitted whether or not it exists (no disclosure).
import { describe, expect, it } from "vitest";
import type { GRPCRouteRule, HTTPRouteRule } from "../../pkg/api/index.ts";
import { translate } from "../../pkg/translate/index.ts";
import { baseGateway, cond, grpcRoute, gwRef, httpRoute, service } from "./builders.ts";

const services = [
  service("foo"),
  service("far", "other"),
  service("wss", "default", [{ name: "http", port: 80, appProtocol: "kubernetes.io/wss" }]),
  service("h1", "default", [{ name: "http", port: 80, appProtocol: "http" }]),
];
const KIND = { group: "example.com", kind: "Bucket", name: "b" };
const MISSING = { name: "nope", port: 80 };
const UNGRANTED = { name: "far", namespace: "other", port: 80 };
const PROTOCOL = { name: "wss", port: 80 };

function resolvedRefs(rules: HTTPRouteRule[]) {
  const r = translate(baseGateway({ services, httpRoutes: [httpRoute("r", { parentRefs: [gwRef()], rules })] }));
  expect(cond(r, "r", "Accepted").status).toBe("True");
  return cond(r, "r", "ResolvedRefs");
}

/** The message's problems: each starts with where it is ("backendRef j of rule i", "rules[i]"). */
const parts = (message: string): string[] => message.split(/; (?=backendRef \d|rules\[)/);

describe("ResolvedRefs with several reference problems", () => {
  it("reports the first problem's reason across rules, and every problem in rule order", () => {
    const c = resolvedRefs([{ backendRefs: [KIND] }, { backendRefs: [MISSING] }]);
    expect(c).toMatchObject({ status: "False", reason: "InvalidKind" });
    expect(parts(c.message)).toEqual([
      expect.stringMatching(/^backendRef 0 of rule 0: kind example.com\/Bucket is not supported/),
      "backendRef 0 of rule 1: Service default/nope not found",
    ]);
    expect(resolvedRefs([{ backendRefs: [MISSING] }, { backendRefs: [KIND] }])).toMatchObject({ reason: "BackendNotFound" });
  });

  it("within a rule, backendRefs count in order, whatever their reasons", () => {
    expect(resolvedRefs([{ backendRefs: [UNGRANTED, PROTOCOL, MISSING] }]).reason).toBe("RefNotPermitted");
    expect(resolvedRefs([{ backendRefs: [PROTOCOL, UNGRANTED, MISSING] }]).reason).toBe("UnsupportedProtocol");
    const c = resolvedRefs([{ backendRefs: [MISSING, PROTOCOL, UNGRANTED, { name: "foo", port: 80 }] }]);
    expect(c.reason).toBe("BackendNotFound");
    expect(parts(c.message).map((m) => m.slice(0, "backendRef 0 of rule 0".length))).toEqual(["backendRef 0 of rule 0", "backendRef 1 of rule 0", "backendRef 2 of rule 0"]);
  });

  it("a rule's own filters come before its backendRefs (spec field order); a backendRef's filters right after it", () => {
    const mirror = (backendRef: object) => ({ type: "RequestMirror", requestMirror: { backendRef } }) as NonNullable<HTTPRouteRule["filters"]>[number];
    const rule: HTTPRouteRule = { filters: [mirror(UNGRANTED)], backendRefs: [KIND] };
    expect(resolvedRefs([rule]).reason).toBe("RefNotPermitted");
    const c = resolvedRefs([{ backendRefs: [{ name: "foo", port: 80, filters: [mirror(MISSING)] }, PROTOCOL] }]);
    expect(c.reason).toBe("BackendNotFound");
    expect(parts(c.message)).toHaveLength(2);
    expect(parts(c.message)[1]).toMatch(/^backendRef 1 of rule 0: .*appProtocol/);
  });

  it("an invalid backendRef's own unresolved mirror is still listed (the message explains every reference)", () => {
    const mirror = { type: "RequestMirror", requestMirror: { backendRef: MISSING } } as NonNullable<HTTPRouteRule["filters"]>[number];
    const c = resolvedRefs([{ backendRefs: [{ ...KIND, filters: [mirror] }] }]);
    expect(c.reason).toBe("InvalidKind");
    expect(parts(c.message)).toEqual([expect.stringContaining("example.com/Bucket"),
      "backendRef 0 of rule 0.filters[0] (RequestMirror) backendRef: Service default/nope not found; mirror not configured"]);
  });

  it("one reference with several problems gets the first check's reason: an ungranted cross-namespace Service is RefNotPermitted even when it does not exist", () => {
    expect(resolvedRefs([{ backendRefs: [{ name: "ghost", namespace: "other", port: 80 }] }])).toMatchObject({ reason: "RefNotPermitted" });
    expect(resolvedRefs([{ backendRefs: [{ ...KIND, namespace: "other" }] }])).toMatchObject({ reason: "InvalidKind" });
    expect(resolvedRefs([{ backendRefs: [{ name: "wss", port: 81 }] }])).toMatchObject({ reason: "BackendNotFound" });
  });

  it("GRPCRoute follows the same rule", () => {
    const rules: GRPCRouteRule[] = [{ backendRefs: [{ name: "h1", port: 80 }] }, { backendRefs: [MISSING] }];
    const r = translate(baseGateway({ services, grpcRoutes: [grpcRoute("g", { parentRefs: [gwRef()], rules })] }));
    const c = cond(r, "g", "ResolvedRefs", 0, "GRPCRoute");
    expect(c).toMatchObject({ status: "False", reason: "UnsupportedProtocol" });
    expect(parts(c.message)).toHaveLength(2);
  });
});
