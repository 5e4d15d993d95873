// gateway-class: Accepted for our controllerName, nothing for others, InvalidParameters for a
// parametersRef, supportedFeatures sorted and free of Mesh features (spec §14).
import { describe, expect, it } from "vitest";
import { MESH_SUPPORTED_FEATURES, SUPPORTED_FEATURES, translate } from "../../pkg/translate/index.ts";
import { gatewayClass, snap } from "./builders.ts";

describe("GatewayClass", () => {
  it("ours ⇒ Accepted=True with supportedFeatures; other controllers ⇒ no status", () => {
    const r = translate(snap({ gatewayClasses: [gatewayClass("weft"), gatewayClass("theirs", "example.com/x")] }));
    expect(r.statuses).toEqual([{
      target: { kind: "GatewayClass", namespace: "", name: "weft", generation: 1 },
      conditions: [{ type: "Accepted", status: "True", reason: "Accepted", message: expect.any(String), observedGeneration: 1 }],
      supportedFeatures: SUPPORTED_FEATURES,
    }]);
  });
  it("controllerName option selects which classes are ours", () => {
    const r = translate(snap({ gatewayClasses: [gatewayClass("weft"), gatewayClass("theirs", "example.com/x")] }), { controllerName: "example.com/x" });
    expect(r.statuses.map((s) => s.target.name)).toEqual(["theirs"]);
  });
  it("parametersRef ⇒ Accepted=False/InvalidParameters", () => {
    const c = { ...gatewayClass(), spec: { controllerName: "weft.dev/gateway-controller", parametersRef: { group: "x.io", kind: "Cfg", name: "c" } } };
    const r = translate(snap({ gatewayClasses: [c] }));
    expect(r.statuses[0] && "conditions" in r.statuses[0] ? r.statuses[0].conditions[0] : undefined).toMatchObject({ status: "False", reason: "InvalidParameters" });
  });
  it("feature lists are sorted by name, unique, and Mesh features stay off the GatewayClass", () => {
    for (const list of [SUPPORTED_FEATURES, MESH_SUPPORTED_FEATURES]) {
      expect([...list].sort()).toEqual(list);
      expect(new Set(list).size).toBe(list.length);
    }
    expect(SUPPORTED_FEATURES.filter((f) => f.startsWith("Mesh"))).toEqual([]);
    expect(SUPPORTED_FEATURES).toEqual(expect.arrayContaining(["Gateway", "HTTPRoute", "GRPCRoute", "ReferenceGrant", "GatewayHTTPListenerIsolation"]));
  });
});
