// allowed-routes: a listener's allowedRoutes (spec §6) seen in the Gateway's status and in which routes
// attach — supportedKinds listed once each, kinds defaulted from the protocol, group defaulted, from:
// Selector without a selector or an unknown `from` refused, the Namespace's own name label.
import { describe, expect, it } from "vitest";
import type { AllowedRoutes } from "../../pkg/api/index.ts";
import { listenerKinds, namespaceAdmitted, namespacePolicy } from "../../pkg/translate/allowed-routes.ts";
import { translate } from "../../pkg/translate/index.ts";
import { indexSnapshot } from "../../pkg/translate/snapshot-index.ts";
import { baseGateway, cond, gatewayStatusOf, gwRef, httpRoute, listener, listenerCond, namespace, snap } from "./builders.ts";

const GW = "gateway.networking.k8s.io";

function withAllowed(allowedRoutes: AllowedRoutes, routeNs = "default") {
  return translate(baseGateway({ httpRoutes: [httpRoute("r", { parentRefs: [gwRef("gw", { namespace: "default" })] }, routeNs)] }, [listener("http", 80, { allowedRoutes })]));
}

describe("supportedKinds (spec §6)", () => {
  it("a kind listed twice, with and without its group, is listed once; references stay resolved", () => {
    const r = withAllowed({ namespaces: { from: "All" }, kinds: [{ kind: "HTTPRoute" }, { group: GW, kind: "HTTPRoute" }, { kind: "HTTPRoute" }] });
    expect(gatewayStatusOf(r)?.listeners[0]?.supportedKinds).toStrictEqual([{ group: GW, kind: "HTTPRoute" }]);
    expect(listenerCond(r, "http", "ResolvedRefs")).toMatchObject({ status: "True", reason: "ResolvedRefs" });
    expect(cond(r, "r", "Accepted").status).toBe("True");
  });
  it("two different kinds are both listed, in the listener's order", () => {
    const r = withAllowed({ namespaces: { from: "All" }, kinds: [{ kind: "HTTPRoute" }, { kind: "GRPCRoute" }] });
    expect(gatewayStatusOf(r)?.listeners[0]?.supportedKinds).toStrictEqual([{ group: GW, kind: "HTTPRoute" }, { group: GW, kind: "GRPCRoute" }]);
  });
  it("an empty kinds list means the protocol's kinds", () => {
    const r = withAllowed({ namespaces: { from: "All" }, kinds: [] });
    expect(gatewayStatusOf(r)?.listeners[0]?.supportedKinds).toStrictEqual([{ group: GW, kind: "GRPCRoute" }, { group: GW, kind: "HTTPRoute" }]);
    expect(listenerCond(r, "http", "ResolvedRefs").status).toBe("True");
  });
  it("HTTPRoute of another group, or of the core group, is an invalid kind", () => {
    const r = withAllowed({ namespaces: { from: "All" }, kinds: [{ group: "example.com", kind: "HTTPRoute" }, { group: "", kind: "HTTPRoute" }, { kind: "GRPCRoute" }] });
    expect(gatewayStatusOf(r)?.listeners[0]?.supportedKinds).toStrictEqual([{ group: GW, kind: "GRPCRoute" }]);
    expect(listenerCond(r, "http", "ResolvedRefs")).toMatchObject({ status: "False", reason: "InvalidRouteKinds", message: expect.stringContaining("example.com/HTTPRoute, /HTTPRoute") });
    expect(cond(r, "r", "Accepted").reason).toBe("NotAllowedByListeners");
  });
  it("a listener whose protocol Weft cannot serve supports no kind, whatever it lists", () => {
    expect(listenerKinds({ kinds: [{ kind: "HTTPRoute" }] }, false)).toStrictEqual({ supportedKinds: [], invalid: [] });
    expect(listenerKinds(undefined, true).invalid).toStrictEqual([]);
  });
});

describe("allowedRoutes.namespaces (spec §6)", () => {
  it("from: Selector without a selector: the listener is not accepted (UnsupportedValue) and admits no route", () => {
    const r = withAllowed({ namespaces: { from: "Selector" } });
    expect(listenerCond(r, "http", "Accepted")).toMatchObject({ status: "False", reason: "UnsupportedValue", message: "allowedRoutes.namespaces.from is Selector but no selector is set" });
    expect(cond(r, "r", "Accepted")).toMatchObject({ status: "False", reason: "NotAllowedByListeners" });
    expect(gatewayStatusOf(r)?.listeners[0]?.attachedRoutes).toBe(0);
  });
  it("an unknown from (None is for ListenerSets only) is refused the same way", () => {
    const r = withAllowed({ namespaces: { from: "None" } });
    expect(listenerCond(r, "http", "Accepted")).toMatchObject({ status: "False", reason: "UnsupportedValue", message: expect.stringContaining('from: unsupported value "None"') });
    expect(cond(r, "r", "Accepted").reason).toBe("NotAllowedByListeners");
  });
  it("Same and All admit as named; a policy the listener refused admits nothing", () => {
    const index = indexSnapshot(snap({}));
    expect(namespaceAdmitted({ from: "Same" }, "gw-ns", "gw-ns", index)).toBe(true);
    expect(namespaceAdmitted({ from: "Same" }, "gw-ns", "other", index)).toBe(false);
    expect(namespaceAdmitted({ from: "All" }, "gw-ns", "other", index)).toBe(true);
    expect(namespaceAdmitted(namespacePolicy({ namespaces: { from: "Selector" } }), "gw-ns", "gw-ns", index)).toBe(false);
    expect(namespacePolicy(undefined)).toStrictEqual({ from: "Same" });
  });
  it("Selector: the Namespace's name label is its real name, even when its labels say otherwise or it is not in the snapshot", () => {
    const index = indexSnapshot(snap({ namespaces: [namespace("real", { "kubernetes.io/metadata.name": "fake", team: "a" })] }));
    const byName = (name: string) => namespacePolicy({ namespaces: { from: "Selector", selector: { matchLabels: { "kubernetes.io/metadata.name": name } } } });
    expect(namespaceAdmitted(byName("real"), "gw", "real", index)).toBe(true);
    expect(namespaceAdmitted(byName("fake"), "gw", "real", index)).toBe(false);
    expect(namespaceAdmitted(byName("absent"), "gw", "absent", index)).toBe(true);
    const team = namespacePolicy({ namespaces: { from: "Selector", selector: { matchLabels: { team: "a" } } } });
    expect(namespaceAdmitted(team, "gw", "real", index)).toBe(true);
    expect(namespaceAdmitted(team, "gw", "absent", index)).toBe(false);
  });
});
