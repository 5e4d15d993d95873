// parent-ref-edges: parentRefs translate cannot use — not an object, without a name, of a kind that is
// neither Gateway nor Service, a list that is not a list — each a diagnostic that names it while the
// route's other parentRefs still attach; no diagnostic for a route without parentRefs; exactly 32
// parentRefs accepted (the CRD's maxItems); and snapshot lists with holes (a null object, a slice
// without labels, a Gateway without spec), a Namespace listed twice (the first after sorting by uid
// counts) and two ReferenceGrants in one namespace, both in force.
import { describe, expect, it } from "vitest";
import type { HTTPRoute, ParentReference, ResourceSnapshot } from "../../pkg/api/index.ts";
import { translate } from "../../pkg/translate/index.ts";
import { baseGateway, cond, grant, gwRef, httpRoute, listener, namespace, routeStatus, service, slice } from "./builders.ts";

const all = { namespaces: { from: "All" as const } };
const internal = (r: ReturnType<typeof translate>) => r.diagnostics.filter((d) => d.code === "InternalError" || d.code === "ObjectInternalError");

describe("parentRefs translate cannot use", () => {
  it("a null, a non-object and a nameless parentRef: a MalformedParentRef warning each, the good one still attaches", () => {
    const parentRefs = [null, "gw", { namespace: "default" }, gwRef()] as unknown as ParentReference[];
    const r = translate(baseGateway({ httpRoutes: [httpRoute("r", { parentRefs })] }));
    expect(internal(r)).toEqual([]);
    expect(routeStatus(r, "r")?.parents).toHaveLength(1);
    expect(cond(r, "r", "Accepted").status).toBe("True");
    expect(r.diagnostics.filter((d) => d.code === "MalformedParentRef").map((d) => [d.severity, d.object, d.message, d.path])).toEqual([0, 1, 2].map((i) => [
      "warning",
      "HTTPRoute/default/r",
      "parentRef is not an object with a name; ignored",
      `spec.parentRefs[${i}]`,
    ]));
  });
  it("a kind that is neither Gateway nor Service: UnsupportedParentKind naming group and kind, no status entry", () => {
    const parentRefs: ParentReference[] = [{ group: "example.com", kind: "Mesh", name: "m" }, { kind: "Mesh", name: "m2" }, { group: "", kind: "Pod", name: "p" }, gwRef()];
    const r = translate(baseGateway({ httpRoutes: [httpRoute("r", { parentRefs })] }));
    expect(routeStatus(r, "r")?.parents.map((p) => p.parentRef.name)).toEqual(["gw"]);
    expect(r.diagnostics.filter((d) => d.code !== "MalformedParentRef").map((d) => [d.code, d.severity, d.message, d.path])).toEqual([
      ["UnsupportedParentKind", "warning", 'parentRef group "example.com" kind "Mesh" is not a Gateway or Service; ignored', "spec.parentRefs[0]"],
      // An absent group is the Gateway API group (the CRD's default), not the core group.
      ["UnsupportedParentKind", "warning", 'parentRef group "gateway.networking.k8s.io" kind "Mesh" is not a Gateway or Service; ignored', "spec.parentRefs[1]"],
      ["UnsupportedParentKind", "warning", 'parentRef group "" kind "Pod" is not a Gateway or Service; ignored', "spec.parentRefs[2]"],
    ]);
  });
  it("parentRefs that is not a list: that route fails alone (ObjectInternalError), the others are translated", () => {
    const bad = httpRoute("bad", { parentRefs: "gw" } as unknown as HTTPRoute["spec"]);
    const r = translate(baseGateway({ httpRoutes: [bad, httpRoute("good", { parentRefs: [gwRef()] })] }));
    expect(r.diagnostics.map((d) => [d.code, d.object])).toEqual([["ObjectInternalError", "HTTPRoute/default/bad"]]);
    expect(cond(r, "good", "Accepted").status).toBe("True");
  });
  it("a route without parentRefs: no status, no diagnostic", () => {
    const r = translate(baseGateway({ httpRoutes: [httpRoute("r", {})] }));
    expect(routeStatus(r, "r")).toBeUndefined();
    expect(r.diagnostics).toEqual([]);
  });
  it("32 parentRefs are accepted, 33 refuse the route on every parent", () => {
    const listeners = Array.from({ length: 33 }, (_, i) => listener(`l${i}`, 8000 + i, { allowedRoutes: all }));
    const refs = (n: number) => Array.from({ length: n }, (_, i) => gwRef("gw", { sectionName: `l${i}` }));
    const at32 = translate(baseGateway({ httpRoutes: [httpRoute("r", { parentRefs: refs(32) })] }, listeners));
    expect(routeStatus(at32, "r")?.parents.map((p) => p.conditions.find((c) => c.type === "Accepted")?.status)).toEqual(Array(32).fill("True"));
    const at33 = translate(baseGateway({ httpRoutes: [httpRoute("r", { parentRefs: refs(33) })] }, listeners));
    expect(cond(at33, "r", "Accepted")).toMatchObject({ status: "False", reason: "UnsupportedValue", message: "spec.parentRefs: 33 parentRefs, over the limit of 32" });
  });
});

describe("snapshot lists with holes", () => {
  it("a null object in a list is skipped; an EndpointSlice without labels belongs to no Service", () => {
    const noLabels = { ...slice("s", "foo", "default", [{ addresses: ["10.1.0.1"] }]), metadata: { name: "s", namespace: "default" } };
    const snapshot = { ...baseGateway({ httpRoutes: [httpRoute("r", { parentRefs: [gwRef()] })] }), endpointSlices: [noLabels] } as ResourceSnapshot;
    const r = translate({ ...snapshot, httpRoutes: [null, ...snapshot.httpRoutes], services: [...snapshot.services, null] } as unknown as ResourceSnapshot);
    expect(internal(r)).toEqual([]);
    expect(cond(r, "r", "Accepted").status).toBe("True");
  });
  it("a Gateway without spec is nobody's: a route naming it gets a diagnostic, the others are translated", () => {
    const noSpec = { apiVersion: "gateway.networking.k8s.io/v1", kind: "Gateway", metadata: { name: "bare", namespace: "default" } };
    const base = baseGateway({ httpRoutes: [httpRoute("r", { parentRefs: [gwRef("bare"), gwRef()] })] });
    const r = translate({ ...base, gateways: [...base.gateways, noSpec] } as unknown as ResourceSnapshot);
    expect(internal(r)).toEqual([]);
    expect(r.diagnostics.map((d) => d.code)).toEqual(["ParentClassNotFound"]);
    expect(cond(r, "r", "Accepted").status).toBe("True");
  });
  it("a Namespace listed twice: the one with the lower uid is the one whose labels count", () => {
    const sel = { namespaces: { from: "Selector" as const, selector: { matchLabels: { team: "a" } } } };
    const ns = (uid: string, team: string) => ({ ...namespace("apps", { team }), metadata: { name: "apps", uid, labels: { team } } });
    for (const namespaces of [[ns("u1", "a"), ns("u2", "b")], [ns("u2", "b"), ns("u1", "a")]]) {
      const r = translate(baseGateway({ namespaces, httpRoutes: [httpRoute("r", { parentRefs: [gwRef("gw", { namespace: "default" })] }, "apps")] }, [listener("http", 80, { allowedRoutes: sel })]));
      expect(cond(r, "r", "Accepted", 0, "HTTPRoute", "apps").status).toBe("True");
    }
  });
  it("two ReferenceGrants in one namespace are both in force", () => {
    const from = [{ group: "gateway.networking.k8s.io", kind: "HTTPRoute", namespace: "default" }];
    const r = translate(baseGateway({
      services: [service("foo"), service("x", "other"), service("y", "other")],
      referenceGrants: [grant("other", from, [{ group: "", kind: "Service", name: "x" }], "gx"), grant("other", from, [{ group: "", kind: "Service", name: "y" }], "gy")],
      httpRoutes: [httpRoute("r", { parentRefs: [gwRef()], rules: [{ backendRefs: [{ name: "x", namespace: "other", port: 80 }, { name: "y", namespace: "other", port: 80 }] }] })],
    }));
    expect(cond(r, "r", "ResolvedRefs")).toMatchObject({ status: "True" });
  });
});
