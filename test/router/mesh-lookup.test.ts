// mesh-lookup: GAMMA destination by original destination ClusterIP:port (spec §1, §2): consumer routes
// of the client's namespace beat producer routes; no route ⇒ routes undefined (forward to cluster).
import { describe, expect, it } from "vitest";
import type { MeshServiceIR } from "../../pkg/ir/types.ts";
import { compileMesh, lookupMeshDestination, matchRoute } from "../../pkg/router/index.ts";
import { httpTables, request } from "./builders.ts";

const services: MeshServiceIR[] = [
  {
    namespace: "shop",
    name: "reviews",
    clusterIPs: ["10.96.0.10", "fd00:10:96::a"],
    ports: [
      {
        port: 9080,
        name: "http",
        cluster: "shop/reviews:9080",
        producer: httpTables([{}], ["producer"]),
        consumers: { frontend: httpTables([{}], ["consumer-frontend"]) },
      },
      { port: 9090, cluster: "shop/reviews:9090", consumers: {} },
    ],
  },
  {
    namespace: "shop",
    name: "ratings",
    clusterIPs: ["10.96.0.11"],
    ports: [{ port: 80, cluster: "shop/ratings:80", consumers: { frontend: httpTables([{}], ["ratings-frontend"]) } }],
  },
];

const ruleFor = (ns: string, ip: string, port: number): string | undefined => {
  const dest = lookupMeshDestination(compileMesh(services, ns), ip, port);
  return dest?.routes === undefined ? undefined : matchRoute(dest.routes, request({}))?.rule.id;
};

describe("compileMesh / lookupMeshDestination", () => {
  it("consumer routes of the client namespace win over producer routes", () => {
    expect(ruleFor("frontend", "10.96.0.10", 9080)).toBe("consumer-frontend");
    expect(ruleFor("backend", "10.96.0.10", 9080)).toBe("producer");
  });

  it("no route attached for this client ⇒ routes undefined, cluster from the port", () => {
    const d1 = lookupMeshDestination(compileMesh(services, "frontend"), "10.96.0.10", 9090);
    expect(d1?.routes).toBeUndefined();
    expect(d1?.port.cluster).toBe("shop/reviews:9090");
    const d2 = lookupMeshDestination(compileMesh(services, "other"), "10.96.0.11", 80);
    expect(d2?.service.name).toBe("ratings");
    expect(d2?.routes).toBeUndefined();
  });

  it("unknown address or port is not a mesh destination", () => {
    const mesh = compileMesh(services, "frontend");
    expect(lookupMeshDestination(mesh, "10.96.0.12", 9080)).toBeUndefined();
    expect(lookupMeshDestination(mesh, "10.96.0.10", 80)).toBeUndefined();
  });

  it("normalises IPv6 spellings and IPv4-mapped addresses", () => {
    const mesh = compileMesh(services, "frontend");
    for (const ip of ["fd00:10:96::a", "FD00:10:96:0:0:0:0:A", "[fd00:10:96::a]", "fd00:0010:0096::000a", "fd00:10:96::a%eth0"]) {
      expect(lookupMeshDestination(mesh, ip, 9080)?.service.name).toBe("reviews");
    }
    expect(lookupMeshDestination(mesh, "::ffff:10.96.0.11", 80)?.service.name).toBe("ratings");
    expect(lookupMeshDestination(mesh, "::ffff:a60:b", 80)?.service.name).toBe("ratings");
  });

  it("a consumer key that is an Object prototype name is not mistaken for a route table", () => {
    expect(ruleFor("constructor", "10.96.0.10", 9080)).toBe("producer");
    expect(ruleFor("__proto__", "10.96.0.11", 80)).toBeUndefined();
  });

  it("an address and port listed by two Services (misconfigured) stay with the first in input order", () => {
    const twin: MeshServiceIR = { namespace: "shop", name: "twin", clusterIPs: ["10.96.0.11"], ports: [{ port: 80, cluster: "shop/twin:80", consumers: {} }] };
    expect(lookupMeshDestination(compileMesh([...services, twin], "frontend"), "10.96.0.11", 80)?.service.name).toBe("ratings");
    expect(lookupMeshDestination(compileMesh([twin, ...services], "frontend"), "10.96.0.11", 80)?.service.name).toBe("twin");
  });

  it("headless services (no clusterIPs) are never destinations", () => {
    const mesh = compileMesh([{ namespace: "a", name: "h", clusterIPs: [], ports: [{ port: 80, cluster: "a/h:80", consumers: {} }] }], "a");
    expect(mesh.destinations.size).toBe(0);
  });
});
