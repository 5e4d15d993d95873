// cluster-demands: one cluster per id, whatever number of routes and ports ask for it (spec §3) — a
// GRPCRoute's demand makes an undeclared protocol grpc, a declared appProtocol wins over none and is
// never replaced, and an HTTPRoute's demand alone is http1.
import { describe, expect, it } from "vitest";
import type { ClusterDemand } from "../../pkg/translate/backend-refs.ts";
import { ClusterDemands } from "../../pkg/translate/cluster-demands.ts";

const d = (extra: Partial<ClusterDemand> = {}): ClusterDemand => ({ id: "default/foo:80", namespace: "default", service: "foo", port: 80, grpc: false, ...extra });
const protocols = (...demands: ClusterDemand[]) => {
  const c = new ClusterDemands();
  demands.forEach(c.add);
  return c.specs().map((s) => s.protocol);
};

describe("ClusterDemands", () => {
  it("one spec per id; an HTTPRoute alone gives http1, a GRPCRoute alone grpc", () => {
    expect(protocols(d(), d())).toStrictEqual(["http1"]);
    expect(protocols(d({ grpc: true }))).toStrictEqual(["grpc"]);
    expect(protocols(d(), d({ id: "default/foo:81", port: 81 }))).toStrictEqual(["http1", "http1"]);
  });
  it("a later GRPCRoute demand upgrades an undeclared protocol; an earlier one is kept", () => {
    expect(protocols(d(), d({ grpc: true }))).toStrictEqual(["grpc"]);
    expect(protocols(d({ grpc: true }), d())).toStrictEqual(["grpc"]);
  });
  it("a declared appProtocol wins over none, in either order, and the first declared one stays", () => {
    expect(protocols(d({ grpc: true }), d({ declared: "h2c" }))).toStrictEqual(["h2c"]);
    expect(protocols(d({ declared: "h2c" }), d({ grpc: true }))).toStrictEqual(["h2c"]);
    expect(protocols(d({ declared: "ws" }), d({ declared: "h2c", grpc: true }))).toStrictEqual(["ws"]);
  });
  it("the spec carries the demand's service, namespace and port", () => {
    const c = new ClusterDemands();
    c.add(d({ declared: "tcp" }));
    expect(c.specs()).toStrictEqual([{ id: "default/foo:80", namespace: "default", service: "foo", port: 80, protocol: "tcp" }]);
  });
});
