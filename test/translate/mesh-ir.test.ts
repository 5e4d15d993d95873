// mesh-ir: the IR of a mesh Service (spec §1.2, §1.8) — its cluster IPs (dual-stack list first, no
// empty or "None" entry, no repeat), its TCP ports ascending and once each, and no key for what a
// port does not have (name, appProtocol, producer routes).
import { describe, expect, it } from "vitest";
import { translate } from "../../pkg/translate/index.ts";
import { clusterIPsOf } from "../../pkg/translate/mesh-ir.ts";
import { httpRoute, service, snap, svcRef } from "./builders.ts";

describe("clusterIPsOf", () => {
  it("clusterIPs wins over clusterIP; empty and None entries and repeats are dropped", () => {
    expect(clusterIPsOf(service("s", "default", [], { clusterIP: "10.0.0.1", clusterIPs: ["10.0.0.2", "", "fd00::2", "10.0.0.2", "None"] }))).toStrictEqual(["10.0.0.2", "fd00::2"]);
    expect(clusterIPsOf(service("s", "default", [], { clusterIP: "10.0.0.1" }))).toStrictEqual(["10.0.0.1"]);
    expect(clusterIPsOf({ ...service("s"), spec: { ports: [] } })).toStrictEqual([]);
    expect(clusterIPsOf(service("s", "default", [], { clusterIP: "" }))).toStrictEqual([]);
  });
});

describe("MeshServiceIR ports", () => {
  it("ascending and once each, whatever the Service lists; only what a port has is keyed", () => {
    const svc = service("reviews", "default", [{ port: 9090 }, { name: "http", port: 80, appProtocol: "http" }, { name: "again", port: 9090 }, { name: "sctp", port: 70, protocol: "SCTP" }]);
    const r = translate(snap({ services: [svc], httpRoutes: [httpRoute("r", { parentRefs: [svcRef("reviews", { port: 80 })] })] }));
    const ports = r.ir.services[0]?.ports ?? [];
    expect(ports.map((p) => p.port)).toStrictEqual([80, 9090]);
    expect(ports[1]).toStrictEqual({ port: 9090, cluster: "default/reviews:9090", consumers: {} });
    expect(ports[0]).toMatchObject({ port: 80, name: "http", appProtocol: "http", cluster: "default/reviews:80" });
    expect(ports[0]?.producer?.http.rules.map((x) => x.route.name)).toStrictEqual(["r"]);
  });
});
