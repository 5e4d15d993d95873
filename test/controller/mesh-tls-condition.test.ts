// mesh-tls-condition: the weft.dev/MeshTLS decoration of route statuses (pure) and the controller's
// lookup from an IR — which backends of a route are reached over mTLS (endpoints of Pods running a Weft
// sidecar) and which in plaintext (issue 15 item 2: route status must tell which).
import { describe, expect, it } from "vitest";
import type { Condition } from "../../pkg/api/index.ts";
import { backendTransportLookup } from "../../pkg/controller/backend-transport.ts";
import { routeBackendClusters } from "../../pkg/ir/index.ts";
import { decorateStatuses, MESH_TLS_CONDITION, meshTlsCondition, withMeshTlsConditions } from "../../pkg/status/index.ts";
import { translate } from "../../pkg/translate/index.ts";
import { httpRoute, pod, service, slice, snap } from "../translate/builders.ts";
import { acceptedConditions, parents, routeStatus } from "./route-status-fixture.ts";

const { accepted, rejected } = acceptedConditions(2, "NotAllowedByListeners");
const route = (conditions: Condition[][]) => routeStatus(conditions, 2);

describe("weft.dev/MeshTLS", () => {
  it("True when every ready endpoint runs a sidecar, False naming the plaintext ones, Unknown with none ready", () => {
    expect(meshTlsCondition([{ cluster: "shop/a:80", ready: 2, mtls: 2 }], 2)).toEqual({
      type: MESH_TLS_CONDITION,
      status: "True",
      reason: "AllEndpointsMeshed",
      message: "every ready endpoint of shop/a:80 runs a Weft sidecar (mTLS)",
      observedGeneration: 2,
    });
    expect(meshTlsCondition([{ cluster: "shop/a:80", ready: 2, mtls: 2 }, { cluster: "legacy/web:80", ready: 1, mtls: 0 }, { cluster: "shop/b:80", ready: 3, mtls: 1 }], 2)).toMatchObject({
      status: "False",
      reason: "PlaintextEndpoints",
      message: "plaintext (no Weft sidecar): legacy/web:80 1/1, shop/b:80 2/3; mTLS: shop/a:80 2/2, shop/b:80 1/3",
    });
    expect(meshTlsCondition([{ cluster: "shop/a:80", ready: 0, mtls: 0 }], 2)).toMatchObject({ status: "Unknown", reason: "NoReadyEndpoints", message: "no ready endpoint behind shop/a:80 yet" });
  });

  it("is added to accepted parents only, replaces an older one, and leaves a route without backends alone", () => {
    const stale: Condition = { type: MESH_TLS_CONDITION, status: "True", reason: "AllEndpointsMeshed", message: "old", observedGeneration: 1 };
    const [out] = withMeshTlsConditions([route([[accepted, stale], [rejected, stale]])], () => [{ cluster: "legacy/web:80", ready: 1, mtls: 0 }]);
    const [a, b] = parents(out!);
    expect(a!.conditions.map((c) => `${c.type}=${c.status}`)).toEqual(["Accepted=True", `${MESH_TLS_CONDITION}=False`]);
    expect(b!.conditions.map((c) => c.type)).toEqual(["Accepted"]);
    const [none] = withMeshTlsConditions([route([[accepted]])], () => undefined);
    expect(parents(none!)[0]!.conditions.map((c) => c.type)).toEqual(["Accepted"]);
  });

  it("decorateStatuses adds it beside weft.dev/Programmed", () => {
    const [out] = decorateStatuses([route([[accepted]])], { programmed: () => ({ programmed: 1, total: 1 }), backendTransport: () => [{ cluster: "shop/a:80", ready: 1, mtls: 1 }] });
    expect(parents(out!)[0]!.conditions.map((c) => c.type)).toEqual(["Accepted", "weft.dev/Programmed", MESH_TLS_CONDITION]);
  });

  it("the controller's lookup reads each route's backend clusters and their endpoints' identities off the translated IR", () => {
    const svc = (name: string, ns = "shop") => service(name, ns, [{ name: "http", port: 80 }]);
    const r = translate(snap({
      services: [svc("cart"), svc("cart-v1"), svc("web", "legacy")],
      pods: [pod("v1-0", "shop", "cart"), pod("web-0", "legacy", undefined, "none")],
      endpointSlices: [
        slice("v1", "cart-v1", "shop", [{ addresses: ["10.0.0.1"], targetRef: { kind: "Pod", name: "v1-0" } }]),
        slice("w", "web", "legacy", [{ addresses: ["10.0.1.1"], targetRef: { kind: "Pod", name: "web-0" } }, { addresses: ["10.0.1.2"], conditions: { ready: false } }]),
      ],
      httpRoutes: [httpRoute("cart", {
        parentRefs: [{ group: "", kind: "Service", name: "cart", port: 80 }],
        rules: [{ backendRefs: [{ name: "cart-v1", port: 80, weight: 90 }, { name: "web", namespace: "legacy", port: 80, weight: 10 }] }],
      }, "shop")],
    }));
    expect(routeBackendClusters(r.ir).get("HTTPRoute/shop/cart")).toEqual(["legacy/web:80", "shop/cart-v1:80"]);
    expect(backendTransportLookup(r.ir)("HTTPRoute/shop/cart")).toEqual([
      { cluster: "legacy/web:80", ready: 1, mtls: 0 },
      { cluster: "shop/cart-v1:80", ready: 1, mtls: 1 },
    ]);
    expect(backendTransportLookup(r.ir)("HTTPRoute/shop/other")).toBeUndefined();
  });
});
