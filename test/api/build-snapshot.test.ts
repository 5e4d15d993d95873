// build-snapshot: objects land in the right snapshot field (SnapshotBuilder, the one assembly); later
// duplicates win with a warning; objects the API server served are checked at the boundary; the Secrets
// Gateways reference are selected one way.
import { describe, expect, it } from "vitest";
import { buildSnapshot, isApiObject, parseManifests, secretsReferencedByGateways, SnapshotBuilder, type Gateway, type Secret } from "../../pkg/api/index.ts";

const svc = (ns: string, name: string, port: number) => `apiVersion: v1\nkind: Service\nmetadata: {name: ${name}, namespace: ${ns}}\nspec: {ports: [{port: ${port}}]}\n`;

describe("buildSnapshot", () => {
  it("sorts objects into their kind's field", () => {
    const text = [svc("a", "s", 80), "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n", "apiVersion: gateway.networking.k8s.io/v1\nkind: GRPCRoute\nmetadata: {name: g}\nspec: {}\n"].join(
      "---\n",
    );
    const snap = buildSnapshot(parseManifests(text, "x").objects);
    expect(snap.services.map((s) => s.metadata.name)).toEqual(["s"]);
    expect(snap.namespaces.map((s) => s.metadata.name)).toEqual(["a"]);
    expect(snap.grpcRoutes.map((s) => s.metadata.name)).toEqual(["g"]);
    expect(snap.httpRoutes).toEqual([]);
  });

  it("a later duplicate kind/ns/name wins and is reported", () => {
    const text = [svc("a", "s", 80), svc("b", "s", 81), svc("a", "s", 82)].join("---\n");
    const warnings: string[] = [];
    const snap = buildSnapshot(parseManifests(text, "x").objects, (m) => warnings.push(m));
    expect(snap.services.map((s) => `${s.metadata.namespace}/${s.spec.ports?.[0]?.port}`).sort()).toEqual(["a/82", "b/81"]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/duplicate Service a\/s/);
  });
});

describe("SnapshotBuilder.addServed (objects the API server served)", () => {
  it("sets the kind list items lack, keeps a kind they carry, and drops what is no object of that kind", () => {
    const snap = new SnapshotBuilder()
      .addServed("Service", [{ metadata: { name: "a", namespace: "n" }, spec: {} }, { metadata: {} }, { kind: "Pod", metadata: { name: "p" } }])
      .addServed("Gateway", [{ apiVersion: "gateway.networking.k8s.io/v1", kind: "Gateway", metadata: { name: "g", namespace: "n" }, spec: { gatewayClassName: "weft", listeners: [] } }])
      .build();
    expect(snap.services.map((s) => [s.kind, s.metadata.name])).toEqual([["Service", "a"]]);
    expect(snap.pods).toEqual([]);
    expect(snap.gateways.map((g) => g.apiVersion)).toEqual(["gateway.networking.k8s.io/v1"]);
  });
  it("isApiObject needs a kind Weft reads and a metadata.name", () => {
    expect(isApiObject({ kind: "Service", metadata: { name: "s" } })).toBe(true);
    for (const v of [null, "x", { kind: "Deployment", metadata: { name: "d" } }, { kind: "Service" }, { kind: "Service", metadata: { name: 3 } }]) expect(isApiObject(v)).toBe(false);
  });
});

describe("secretsReferencedByGateways (the controller's and weftctl's one answer)", () => {
  const gw = (ns: string, refs: { name: string; namespace?: string; group?: string; kind?: string }[]): Gateway => ({
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "Gateway",
    metadata: { name: "gw", namespace: ns },
    spec: { gatewayClassName: "weft", listeners: [{ name: "https", port: 443, protocol: "HTTPS", tls: { mode: "Terminate", certificateRefs: refs } }] },
  });
  const secret = (ns: string, name: string): Secret => ({ apiVersion: "v1", kind: "Secret", metadata: { name, namespace: ns }, type: "kubernetes.io/tls", data: {} });
  it("keeps core Secrets a listener names (namespace defaults to the Gateway's), in the order given", () => {
    const all = [secret("infra", "b"), secret("infra", "a"), secret("certs", "c"), secret("infra", "unused")];
    const got = secretsReferencedByGateways([gw("infra", [{ name: "a" }, { name: "c", namespace: "certs" }, { name: "b", group: "", kind: "Secret" }])], all);
    expect(got.map((s) => `${s.metadata.namespace}/${s.metadata.name}`)).toEqual(["infra/b", "infra/a", "certs/c"]);
  });
  it("a reference of another group or kind selects no Secret (weftctl used to list those too)", () => {
    const got = secretsReferencedByGateways([gw("infra", [{ name: "a", group: "cert-manager.io", kind: "Certificate" }, { name: "b", kind: "ConfigMap" }])], [secret("infra", "a"),
      secret("infra", "b")]);
    expect(got).toEqual([]);
  });
});
