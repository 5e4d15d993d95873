// inbound-h2-engine: the inbound face with the REAL engine on loopback. A mesh client speaks HTTP/2
// over mTLS offering ["h2", "weft-h2"] (node:http2 with its own TLS socket), the sidecar terminates
// it and the engine forwards to the app on 127.0.0.1:<original port>. Regression: a TLSSocket we
// wrap ourselves must look established to node:http2 (secureConnecting=false), or requests hang.
import { createServer, type Server } from "node:http";
import { connect as h2connect } from "node:http2";
import type { AddressInfo } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createHttpEngine, type WeftHttpEngine } from "../../pkg/proxy/index.ts";
import { startSidecar, type Sidecar } from "../../pkg/proxy/sidecar/index.ts";
import { testCa, issueLeaf } from "../support/certs.ts";

const ca = testCa();
const client = issueLeaf(ca, "spiffe://cluster.local/ns/shop/sa/productpage");
const server = issueLeaf(ca, "spiffe://cluster.local/ns/shop/sa/reviews");
let app: Server;
let appPort: number;
let engine: WeftHttpEngine;
let sidecar: Sidecar;
const seen: string[] = [];

beforeAll(async () => {
  app = createServer((req, res) => res.end(`app saw ${req.method} ${req.url}`));
  await new Promise<void>((r) => app.listen(0, "127.0.0.1", r));
  appPort = (app.address() as AddressInfo).port;
  engine = createHttpEngine({});
  engine.setState({ version: "t", ir: { gateways: [], services: [], clusters: [], secrets: [] }, clusters: new Map() });
  sidecar = await startSidecar({
    engine,
    host: "127.0.0.1",
    outboundPort: 0,
    inboundPort: 0,
    lookup: () => undefined,
    inboundMode: "strict",
    meshTls: { keyPem: server.keyPem, certChainPem: server.certPem, trustBundlePem: ca.certPem, identity: "spiffe://cluster.local/ns/shop/sa/reviews" },
    originalDestination: () => ({ address: "10.244.0.9", port: appPort }),
    log: (_l, event, fields) => {
      if (event === "inbound.mtls") seen.push(String(fields.peerIdentity));
    },
  });
});

afterAll(async () => {
  await sidecar?.close();
  await engine?.drain(0);
  app?.close();
});

it("serves HTTP/2 over mesh mTLS through the real engine to the app, with the client's identity verified", async () => {
  const session = h2connect(`https://127.0.0.1:${sidecar.inboundPort}`, {
    createConnection: () =>
      tlsConnect({
        host: "127.0.0.1",
        port: sidecar.inboundPort,
        key: client.keyPem,
        cert: client.certPem,
        ca: ca.certPem,
        ALPNProtocols: ["h2", "weft-h2"],
        checkServerIdentity: () => undefined,
      }),
  });
  session.on("error", () => {});
  try {
    const bodies = await Promise.all([1, 2, 3].map((i) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = session.request({ ":path": `/h2/${i}` });
        let status = 0;
        let body = "";
        const timer = setTimeout(() => reject(new Error("no answer within 10 s")), 10_000);
        req.on("response", (h) => {
          status = Number(h[":status"]);
        });
        req.on("data", (d: Buffer) => {
          body += d.toString();
        });
        req.on("end", () => {
          clearTimeout(timer);
          resolve({ status, body });
        });
        req.on("error", (e: Error) => {
          clearTimeout(timer);
          reject(e);
        });
        req.end();
      })
    ));
    expect(bodies).toEqual([1, 2, 3].map((i) => ({ status: 200, body: `app saw GET /h2/${i}` })));
    expect(seen).toEqual(["spiffe://cluster.local/ns/shop/sa/productpage"]);
    expect(sidecar.stats.inboundMtls).toBe(1);
  } finally {
    session.destroy();
  }
});
