// mesh-lookup: the sidecar's Service lookup answers by original destination (IPv4 and IPv6, any
// spelling), gives consumer routes over producer routes for the client namespace, and swaps atomically.
import { describe, expect, it } from "vitest";
import type { MeshServiceIR, RouteTablesIR } from "../../pkg/ir/types.ts";
import { createMeshLookup } from "../../pkg/proxy/sidecar/index.ts";

const empty: RouteTablesIR = { http: { kind: "http", entries: [], rules: [] }, grpc: { kind: "grpc", entries: [], rules: [] } };
const svc = (name: string, ips: string[], port: number, extra: Partial<MeshServiceIR["ports"][number]> = {}): MeshServiceIR => ({
  namespace: "shop",
  name,
  clusterIPs: ips,
  ports: [{ port, cluster: `shop/${name}:${port}`, consumers: {}, ...extra }],
});

describe("createMeshLookup", () => {
  it("finds a Service by ClusterIP:port in any address spelling; other ports and addresses are not mesh", () => {
    const m = createMeshLookup("shop", [svc("reviews", ["10.96.0.10", "fd00:96::a"], 9080)]);
    expect(m.lookup("10.96.0.10", 9080)?.port.cluster).toBe("shop/reviews:9080");
    expect(m.lookup("FD00:96:0:0:0:0:0:A", 9080)?.service.name).toBe("reviews");
    expect(m.lookup("::ffff:10.96.0.10", 9080)?.service.name).toBe("reviews");
    expect(m.lookup("10.96.0.10", 9081)).toBeUndefined();
    expect(m.lookup("10.96.0.11", 9080)).toBeUndefined();
  });

  it("answers each destination as itself when asked over and over in turns (the last answer is kept per mesh)", () => {
    const m = createMeshLookup("shop", [svc("reviews", ["10.96.0.10"], 9080), svc("ratings", ["10.96.0.11"], 9080)]);
    for (let i = 0; i < 3; i++) {
      expect(m.lookup("10.96.0.10", 9080)?.service.name).toBe("reviews");
      expect(m.lookup("10.96.0.10", 9080)?.service.name).toBe("reviews");
      expect(m.lookup("10.96.0.10", 9081)).toBeUndefined();
      expect(m.lookup("10.96.0.11", 9080)?.service.name).toBe("ratings");
      expect(m.lookup("::ffff:10.96.0.11", 9080)?.service.name).toBe("ratings");
      expect(m.lookup("10.96.0.12", 9080)).toBeUndefined();
    }
  });

  it("routes: consumer tables of the client namespace win, then producer, else none (forward to port.cluster)", () => {
    const withBoth = svc("a", ["10.96.0.1"], 80, { producer: empty, consumers: { shop: empty } });
    const producerOnly = svc("b", ["10.96.0.2"], 80, { producer: empty, consumers: { other: empty } });
    const none = svc("c", ["10.96.0.3"], 80);
    const m = createMeshLookup("shop", [withBoth, producerOnly, none]);
    expect(m.lookup("10.96.0.1", 80)?.routes).toBeDefined();
    expect(m.lookup("10.96.0.2", 80)?.routes).toBeDefined();
    expect(m.lookup("10.96.0.3", 80)?.routes).toBeUndefined();
    expect(createMeshLookup("elsewhere", [svc("d", ["10.96.0.4"], 80, { consumers: { shop: empty } })]).lookup("10.96.0.4", 80)?.routes).toBeUndefined();
  });

  it("update swaps the Service list", () => {
    const m = createMeshLookup("shop");
    expect(m.lookup("10.96.0.10", 9080)).toBeUndefined();
    m.update([svc("reviews", ["10.96.0.10"], 9080)]);
    expect(m.lookup("10.96.0.10", 9080)?.service.name).toBe("reviews");
    m.update([]);
    expect(m.lookup("10.96.0.10", 9080)).toBeUndefined();
  });
});
