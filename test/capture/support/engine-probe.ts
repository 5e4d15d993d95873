// engine-probe: asks the real HTTP engine, by behaviour, whether its upstream mTLS ClientHello to a
// meshed endpoint offers a mesh ALPN marker (MESH_ALPN_PROTOCOLS), and which ALPN list it offers.
// test/sidecar/mesh-alpn.test.ts asserts on it; nothing may skip on its answer (it is code under
// test). Gives up after 5 s (then `alpn` is empty). Loopback only.
import { connect, createServer, type AddressInfo, type Server } from "node:net";
import type { MeshIR } from "../../../pkg/ir/types.ts";
import { MESH_ALPN_PROTOCOLS } from "../../../pkg/proxy/engine-types.ts";
import { createHttpEngine } from "../../../pkg/proxy/index.ts";
import { parseClientHello } from "../../../pkg/proxy/sidecar/client-hello.ts";
import { testCa, issueLeaf } from "../../support/certs.ts";

const listen = (s: Server): Promise<number> => new Promise((r) => s.listen(0, "127.0.0.1", () => r((s.address() as AddressInfo).port)));

export async function engineOffersMeshAlpn(): Promise<{ offers: boolean; alpn: readonly string[] }> {
  let seen: readonly string[] = [];
  let resolveHello: () => void = () => {};
  const gotHello = new Promise<void>((r) => {
    resolveHello = r;
  });
  const endpoint = createServer((s) => {
    s.on("error", () => {});
    s.once("data", (d: Buffer) => {
      const h = parseClientHello(d);
      if (h.status === "ok") seen = h.alpn;
      s.destroy();
      resolveHello();
    });
  });
  const front = createServer();
  const engine = createHttpEngine({});
  try {
    const port = await listen(endpoint);
    const ca = testCa();
    const leaf = issueLeaf(ca, "spiffe://cluster.local/ns/probe/sa/client");
    engine.setMeshTls({ keyPem: leaf.keyPem, certChainPem: leaf.certPem, trustBundlePem: ca.certPem, identity: "spiffe://cluster.local/ns/probe/sa/client" });
    const ir: MeshIR = {
      gateways: [],
      services: [],
      secrets: [],
      clusters: [{
        id: "probe/svc:80",
        namespace: "probe",
        service: "svc",
        port: 80,
        protocol: "http1",
        endpoints: [{ address: "127.0.0.1", port, ready: true, serving: true, terminating: false, identity: "spiffe://cluster.local/ns/probe/sa/server" }],
      }],
    };
    engine.setState({ version: "probe", ir, clusters: new Map(ir.clusters.map((c) => [c.id, c])) });
    front.on("connection", (s) =>
      engine.serveConnection(s, {
        face: "sidecar-outbound",
        routes: undefined,
        defaultCluster: "probe/svc:80",
        destinationPort: 80,
        scheme: "http",
        label: "probe",
      }));
    const frontPort = await listen(front);
    const client = connect({ host: "127.0.0.1", port: frontPort }, () => client.write("GET / HTTP/1.1\r\nHost: probe\r\n\r\n"));
    client.on("error", () => {});
    await Promise.race([gotHello, new Promise((r) => setTimeout(r, 5_000))]);
    client.destroy();
  } finally {
    await engine.drain(0);
    endpoint.close();
    front.close();
  }
  return { offers: seen.some((p) => MESH_ALPN_PROTOCOLS.includes(p)), alpn: seen };
}
