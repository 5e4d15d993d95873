// mesh-alpn: the engine's upstream mTLS ClientHello to a meshed endpoint offers a mesh ALPN marker
// (MESH_ALPN_PROTOCOLS). The inbound sidecar tells mesh mTLS from the app's own TLS by it, so the
// sidecar-pair test in network namespaces depends on it; this pins it on loopback, without root.
import { describe, expect, it } from "vitest";
import { MESH_ALPN_PROTOCOLS } from "../../pkg/proxy/index.ts";
import { engineOffersMeshAlpn } from "../capture/support/engine-probe.ts";

describe("mesh ALPN marker", () => {
  it("an upstream hop to a meshed endpoint offers its HTTP protocol plus the matching mesh marker", async () => {
    const probe = await engineOffersMeshAlpn();
    const markers = probe.alpn.filter((p) => MESH_ALPN_PROTOCOLS.includes(p));
    expect(markers, `offered ALPN ${JSON.stringify(probe.alpn)}`).toHaveLength(1);
    expect(probe.alpn).toContain(markers[0]!.slice("weft-".length));
    expect(probe.offers).toBe(true);
  });
});
