// build-snapshot: objects land in the right snapshot field; later duplicates win with a warning.
import { describe, expect, it } from "vitest";
import { buildSnapshot, parseManifests } from "../../pkg/api/index.ts";

const svc = (ns: string, name: string, port: number) => `apiVersion: v1\nkind: Service\nmetadata: {name: ${name}, namespace: ${ns}}\nspec: {ports: [{port: ${port}}]}\n`;

describe("buildSnapshot", () => {
  it("sorts objects into their kind's field", () => {
    const text = [svc("a", "s", 80), "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n", "apiVersion: gateway.networking.k8s.io/v1\nkind: GRPCRoute\nmetadata: {name: g}\nspec: {}\n"].join("---\n");
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
