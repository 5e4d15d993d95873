// repeated-parents: a route naming the same parent more than once, and objects listed twice under one
// namespace/name. A parentRef repeated with the CRD's defaults spelled out or left out (group, kind,
// namespace) is one parent (one status entry); the same Gateway with another sectionName or port is
// another parent. A route attached to one listener through two parentRefs keeps its hostnames (their
// union, never "any host"). Of two objects with the same namespace/name the lower uid wins, then the
// earlier creationTimestamp, whatever the input order.
import { describe, expect, it } from "vitest";
import type { HTTPRoute, ParentReference } from "../../pkg/api/index.ts";
import { translate } from "../../pkg/translate/index.ts";
import { indexEndpoints, indexSnapshot, sortObjects } from "../../pkg/translate/snapshot-index.ts";
import { baseGateway, cond, gatewayStatusOf, gwRef, httpRoute, listener, pod, routeStatus, service, slice, snap, svcRef, tlsSecret } from "./builders.ts";

const GW = "gateway.networking.k8s.io";
const all = { namespaces: { from: "All" as const } };
const listeners = [listener("http", 80, { allowedRoutes: all }), listener("alt", 8080, { allowedRoutes: all })];

function parentsOf(parentRefs: ParentReference[], spec: Partial<HTTPRoute["spec"]> = {}) {
  const r = translate(baseGateway({ httpRoutes: [httpRoute("r", { parentRefs, ...spec })] }, listeners));
  return { r, parents: routeStatus(r, "r")?.parents.map((p) => p.parentRef) ?? [] };
}

describe("a parentRef listed twice is one parent", () => {
  it.each<[string, ParentReference]>([
    ["as written", gwRef("gw")],
    ["with the group spelled out", gwRef("gw", { group: GW })],
    ["with the kind spelled out", gwRef("gw", { kind: "Gateway" })],
    ["with the route's namespace spelled out", gwRef("gw", { namespace: "default" })],
  ])("the same Gateway %s: one status entry, attached once per listener", (_, second) => {
    const { r, parents } = parentsOf([gwRef("gw"), second]);
    expect(parents).toStrictEqual([{ group: GW, kind: "Gateway", name: "gw" }]);
    expect(cond(r, "r", "Accepted").status).toBe("True");
    expect(gatewayStatusOf(r)?.listeners.map((l) => l.attachedRoutes)).toEqual([1, 1]);
  });
  it("the same sectionName or port twice: one entry each", () => {
    expect(parentsOf([gwRef("gw", { sectionName: "alt" }), gwRef("gw", { sectionName: "alt" })]).parents).toHaveLength(1);
    expect(parentsOf([gwRef("gw", { port: 8080 }), gwRef("gw", { port: 8080 })]).parents).toHaveLength(1);
  });
  it("the same Service twice: one mesh parent", () => {
    const r = translate(snap({ services: [service("foo")], httpRoutes: [httpRoute("r", { parentRefs: [svcRef("foo"), svcRef("foo", { namespace: "default" })] })] }));
    expect(routeStatus(r, "r")?.parents.map((p) => p.parentRef)).toStrictEqual([{ group: "", kind: "Service", name: "foo" }]);
  });
});

describe("the same Gateway under another sectionName or port is another parent", () => {
  it("two sectionNames: two entries, each Accepted on its own listener", () => {
    const { r, parents } = parentsOf([gwRef("gw", { sectionName: "http" }), gwRef("gw", { sectionName: "alt" })]);
    expect(parents).toStrictEqual([{ group: GW, kind: "Gateway", name: "gw", sectionName: "http" }, { group: GW, kind: "Gateway", name: "gw", sectionName: "alt" }]);
    expect(cond(r, "r", "Accepted", 0).message).toBe("Route is accepted on listener http of Gateway default/gw");
    expect(cond(r, "r", "Accepted", 1).message).toBe("Route is accepted on listener alt of Gateway default/gw");
  });
  it("two ports: two entries; a port no listener has is refused on its own entry", () => {
    const { r, parents } = parentsOf([gwRef("gw", { port: 80 }), gwRef("gw", { port: 8080 }), gwRef("gw", { port: 81 })]);
    expect(parents.map((p) => p.port)).toEqual([80, 8080, 81]);
    expect([0, 1, 2].map((i) => cond(r, "r", "Accepted", i).status)).toEqual(["True", "True", "False"]);
  });
  it("with and without a sectionName: two entries", () => {
    expect(parentsOf([gwRef("gw"), gwRef("gw", { sectionName: "http" })]).parents).toHaveLength(2);
  });
});

describe("a route reaching one listener through two parentRefs", () => {
  it("keeps its hostnames on that listener (one entry each): the union of the two (equal) sets, not any host", () => {
    const { r } = parentsOf([gwRef("gw"), gwRef("gw", { sectionName: "http" })], { hostnames: ["b.example.com", "a.example.com"] });
    const http = r.ir.gateways[0]?.ports.find((p) => p.port === 80)?.listeners[0]?.routes.http;
    expect(http?.entries.map((e) => e.hostnames)).toStrictEqual([["a.example.com"], ["b.example.com"]]);
  });
  it("with no hostnames on either side stays any host", () => {
    const { r } = parentsOf([gwRef("gw"), gwRef("gw", { sectionName: "http" })]);
    const http = r.ir.gateways[0]?.ports.find((p) => p.port === 80)?.listeners[0]?.routes.http;
    expect(http?.entries.map((e) => e.hostnames)).toStrictEqual([[]]);
  });
});

describe("objects with the same namespace/name", () => {
  const meta = (uid: string | undefined, creationTimestamp: string | undefined, note: string) => ({
    name: "dup",
    namespace: "default",
    annotations: { note },
    ...(uid === undefined ? {} : { uid }),
    ...(creationTimestamp === undefined ? {} : { creationTimestamp }),
  });
  const route = (path: string, m: ReturnType<typeof meta>) => ({ ...httpRoute("dup", { parentRefs: [gwRef()], rules: [{ matches: [{ path: { value: path } }] }] }), metadata: m });
  const winner = (routes: HTTPRoute[]) => {
    const out = [translate(baseGateway({ httpRoutes: routes })), translate(baseGateway({ httpRoutes: [...routes].reverse() }))].map((r) =>
      r.ir.gateways[0]?.ports[0]?.listeners[0]?.routes.http.entries.map((e) => e.match.kind === "http" ? e.match.path.value : "")
    );
    expect(out[0]).toStrictEqual(out[1]);
    return out[0];
  };
  it("the lower uid wins, even when its creationTimestamp and the rest of the object sort later", () => {
    // Without the uid tie-break the earlier creationTimestamp (and the object's JSON) would pick /b.
    expect(winner([route("/a", meta("uid-1", "2024-02-01T00:00:00Z", "2")), route("/b", meta("uid-2", "2024-01-01T00:00:00Z", "1"))])).toEqual(["/a"]);
  });
  it("equal uids: the earlier creationTimestamp wins, even when the rest of the object sorts later", () => {
    // Without the creation-time tie-break the annotations (the object's JSON) would pick /b.
    expect(winner([route("/a", meta("uid-1", "2024-01-01T00:00:00Z", "2")), route("/b", meta("uid-1", "2024-02-01T00:00:00Z", "1"))])).toEqual(["/a"]);
  });
  it("sortObjects: namespace (absent = default), name, uid (absent first), creationTimestamp (absent first)", () => {
    const o = (namespace: string | undefined, name: string, uid?: string, ts?: string) => ({
      metadata: { name, ...(namespace === undefined ? {} : { namespace }), ...(uid === undefined ? {} : { uid }), ...(ts === undefined ? {} : { creationTimestamp: ts }) },
    });
    const items = [o("b", "x"), o(undefined, "y"), o("a", "z"), o("default", "x", "u2"), o("default", "x", "u1", "t2"), o("default", "x", "u1", "t1"), o("default", "x", "u1"), o("default", "x")];
    const keys = (xs: typeof items) => xs.map((x) => `${x.metadata.namespace ?? "-"}/${x.metadata.name}/${x.metadata.uid ?? "-"}/${x.metadata.creationTimestamp ?? "-"}`);
    const want = ["a/z/-/-", "b/x/-/-", "default/x/-/-", "default/x/u1/-", "default/x/u1/t1", "default/x/u1/t2", "default/x/u2/-", "-/y/-/-"];
    expect(keys(sortObjects(items))).toEqual(want);
    expect(keys(sortObjects([...items].reverse()))).toEqual(want);
  });
  it("a Secret or Pod listed twice: the lower uid's copy is the one looked up, whatever the input order", () => {
    const withUid = <T extends { metadata: object }>(o: T, uid: string): T => ({ ...o, metadata: { ...o.metadata, uid } });
    const secrets = [withUid(tlsSecret("cert", "default", "second", "k"), "uid-2"), withUid(tlsSecret("cert", "default", "first", "k"), "uid-1")];
    const pods = [withUid(pod("p", "default", "second"), "uid-2"), withUid(pod("p", "default", "first"), "uid-1")];
    for (const order of [(xs: unknown[]) => xs, (xs: unknown[]) => [...xs].reverse()]) {
      const s = snap({ secrets: order(secrets) as typeof secrets, pods: order(pods) as typeof pods });
      expect(indexSnapshot(s).secrets.get("default/cert")?.metadata.uid).toBe("uid-1");
      expect(indexEndpoints(s).pods.get("default/p")?.spec?.serviceAccountName).toBe("first");
    }
  });
});

describe("an EndpointSlice without the kubernetes.io/service-name label", () => {
  it('belongs to no Service, not even one named "undefined"', () => {
    const unlabelled = { ...slice("orphan", "x", "default", [{ addresses: ["10.0.0.9"] }]), metadata: { name: "orphan", namespace: "default" } };
    const index = indexEndpoints(snap({ endpointSlices: [unlabelled, slice("web-1", "web", "default", [{ addresses: ["10.0.0.1"] }])] }));
    expect([...index.slicesByService.keys()]).toEqual(["default/web"]);
    expect(index.slicesByService.get("default/undefined")).toBeUndefined();
  });
});
