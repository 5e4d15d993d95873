// backends: backendRef resolution and ReferenceGrant matching for Gateway routes (spec §3, §5):
// weights, invalid backends kept with their weight (route stays Accepted), each ResolvedRefs reason,
// grants that mismatch on any field, appProtocol support.
import { describe, expect, it } from "vitest";
import type { HTTPBackendRef } from "../../pkg/api/index.ts";
import type { BackendIR } from "../../pkg/ir/types.ts";
import { translate } from "../../pkg/translate/index.ts";
import { baseGateway, cond, grant, gwRef, httpRoute, service } from "./builders.ts";

const G = "gateway.networking.k8s.io";

function run(refs: HTTPBackendRef[], extra: Parameters<typeof baseGateway>[0] = {}) {
  const r = translate(baseGateway({
    services: [service("foo"), service("far", "other"), service("sib", "other"), service("ext", "default", [{ port: 80 }], { type: "ExternalName" }),
      service("wss", "default", [{ name: "http", port: 80, appProtocol: "kubernetes.io/wss" }])],
    ...extra,
    httpRoutes: [httpRoute("r", { parentRefs: [gwRef()], rules: [{ backendRefs: refs }] })],
  }));
  const backends: readonly BackendIR[] = r.ir.gateways[0]?.ports[0]?.listeners[0]?.routes.http.rules[0]?.backends ?? [];
  return { r, backends };
}

describe("backendRefs (spec §3)", () => {
  it("weights default to 1 and weight 0 is kept", () => {
    const { backends } = run([{ name: "foo", port: 80 }, { name: "foo", port: 80, weight: 0 }]);
    expect(backends.map((b) => b.weight)).toEqual([1, 0]);
  });
  it.each([
    [{ name: "nope", port: 80 }, "BackendNotFound", "Service default/nope not found"],
    [{ name: "foo", port: 81 }, "BackendNotFound", "has no port 81"],
    [{ name: "foo" }, "BackendNotFound", "port is required"],
    [{ group: "example.com", kind: "Bucket", name: "b" }, "InvalidKind", "example.com/Bucket"],
    [{ name: "ext", port: 80 }, "InvalidKind", "ExternalName"],
    [{ name: "far", namespace: "other", port: 80 }, "RefNotPermitted", "no ReferenceGrant"],
    [{ name: "wss", port: 80 }, "UnsupportedProtocol", "kubernetes.io/wss"],
  ])("%j ⇒ invalid backend %s, route still Accepted", (ref, reason, msg) => {
    const { r, backends } = run([{ ...ref, weight: 3 }, { name: "foo", port: 80 }]);
    expect(backends[0]).toEqual({ kind: "invalid", weight: 3, status: 500, reason, message: expect.stringContaining(msg) });
    expect(backends[0]?.kind === "invalid" && backends[0].message.startsWith("backendRef 0 of rule 0: ")).toBe(true);
    expect(backends[1]).toMatchObject({ kind: "cluster", cluster: "default/foo:80" });
    expect(cond(r, "r", "Accepted").status).toBe("True");
    expect(cond(r, "r", "ResolvedRefs")).toMatchObject({ status: "False", reason });
  });
  it("a rule with no backendRefs is kept with no backends (answers 500) and refs resolve", () => {
    const { r, backends } = run([]);
    expect(backends).toEqual([]);
    expect(cond(r, "r", "ResolvedRefs").status).toBe("True");
  });
  it("out-of-range weight drops the rule with UnsupportedValue", () => {
    const { r } = run([{ name: "foo", port: 80, weight: 1_000_001 }]);
    expect(cond(r, "r", "Accepted")).toMatchObject({ status: "False", reason: "UnsupportedValue" });
  });
});

describe("ReferenceGrant matching (spec §5)", () => {
  const ref = { name: "far", namespace: "other", port: 80 };
  const good = { from: { group: G, kind: "HTTPRoute", namespace: "default" }, to: { group: "", kind: "Service" } };
  it("a matching grant in the target namespace permits the ref", () => {
    const { backends } = run([ref], { referenceGrants: [grant("other", [good.from], [good.to])] });
    expect(backends[0]).toMatchObject({ kind: "cluster", cluster: "other/far:80" });
  });
  it.each([
    ["wrong namespace (grant not in target ns)", grant("default", [good.from], [good.to])],
    ["from.group", grant("other", [{ ...good.from, group: "x.io" }], [good.to])],
    ["from.kind", grant("other", [{ ...good.from, kind: "GRPCRoute" }], [good.to])],
    ["from.namespace", grant("other", [{ ...good.from, namespace: "elsewhere" }], [good.to])],
    ["to.group", grant("other", [good.from], [{ ...good.to, group: "x.io" }])],
    ["to.kind", grant("other", [good.from], [{ ...good.to, kind: "Secret" }])],
    ["to.name", grant("other", [good.from], [{ ...good.to, name: "sib" }])],
  ])("a grant mismatching on %s does not permit", (_n, g) => {
    const { backends } = run([ref], { referenceGrants: [g] });
    expect(backends[0]).toMatchObject({ kind: "invalid", reason: "RefNotPermitted" });
  });
  it("a grant naming one Service permits only that one; siblings stay RefNotPermitted", () => {
    const { backends } = run([ref, { name: "sib", namespace: "other", port: 80 }], { referenceGrants: [grant("other", [good.from], [{ ...good.to, name: "far" }])] });
    expect(backends.map((b) => b.kind)).toEqual(["cluster", "invalid"]);
  });
});
