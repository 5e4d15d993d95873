// serving-rotation: the distribution port's mesh-CA certificate is re-issued at half-life and the
// running gRPC server serves the new one to new connections, while open streams keep going.
// (Short lifetimes here; the controller uses the CA default, 24 h.)
import { X509Certificate } from "node:crypto";
import { connect } from "node:tls";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDistributionTls, type DistributionTls } from "../../pkg/controller/distribution-tls.ts";
import { createMeshCa, type MeshCa } from "../../pkg/ca/index.ts";
import { createDistributionClient, createDistributionServer, type DistributionClient, type DistributionServer } from "../../pkg/distribution/index.ts";
import { sampleIr } from "../distribution/ir-fixtures.ts";
import { CAPTURE_LOG, LOG_LINES } from "./support.ts";

const HOST = "weft.weft-system.svc";
let ca: MeshCa;
let tls: DistributionTls;
let server: DistributionServer;
let port = 0;
const clients: DistributionClient[] = [];

beforeAll(async () => {
  ca = createMeshCa({ trustDomain: "cluster.local" });
  tls = startDistributionTls({ ca, namespace: "weft-system", service: "weft", extraDnsNames: [], log: CAPTURE_LOG, certTtlMs: 3_000, minRenewMs: 300 });
  server = createDistributionServer({});
  server.setIr(sampleIr());
  port = await server.listen("127.0.0.1:0", tls.credentials);
});
afterAll(async () => {
  for (const c of clients) c.close();
  tls.stop();
  await server.close(0);
});

function servedSerial(): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: "127.0.0.1", port, servername: HOST, ca: ca.trustBundle(), ALPNProtocols: ["h2"] }, () => {
      const serial = s.getPeerX509Certificate()?.serialNumber ?? "";
      s.destroy();
      resolve(serial);
    });
    s.on("error", reject);
  });
}

describe("distribution certificate rotation", () => {
  it("re-issues at half-life; new connections see the new certificate, an open stream stays up", async () => {
    const first = new X509Certificate(tls.current().certChainPem).serialNumber;
    expect(await servedSerial()).toBe(first);
    let configs = 0;
    const c = createDistributionClient({
      address: `127.0.0.1:${port}`,
      identity: { namespace: "shop", serviceAccount: "web", pod: "web-0", kind: "sidecar" },
      credentials: grpc.credentials.createSsl(Buffer.from(ca.trustBundle())),
      channelOptions: { "grpc.ssl_target_name_override": HOST },
      onConfig: () => {
        configs++;
      },
      backoff: { initialMs: 50, maxMs: 200 },
    });
    clients.push(c);
    await c.start();
    const until = Date.now() + 8_000;
    while ((configs === 0 || new X509Certificate(tls.current().certChainPem).serialNumber === first) && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const second = new X509Certificate(tls.current().certChainPem).serialNumber;
    expect(configs).toBe(1);
    expect(second).not.toBe(first);
    expect(await servedSerial()).toBe(second);
    expect(c.connected()).toBe(true);
    expect(LOG_LINES.some((l) => l.startsWith("distribution certificate re-issued"))).toBe(true);
    expect(LOG_LINES.join("\n")).not.toContain("PRIVATE KEY");
  });
});
