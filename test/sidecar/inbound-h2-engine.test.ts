// inbound-h2-engine: the inbound face with the REAL engine on loopback. A mesh client speaks HTTP/2
// over mTLS offering ["h2", "weft-h2"] (node:http2 with its own TLS socket), the sidecar terminates
// it and the engine forwards to the app on 127.0.0.1:<original port>. Regression: a TLSSocket we
// wrap ourselves must look established to node:http2 (secureConnecting=false), or requests hang.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createHttpEngine, type WeftHttpEngine } from "../../pkg/proxy/index.ts";
import type { Sidecar } from "../../pkg/proxy/sidecar/index.ts";
import { testCa, issueLeaf } from "../support/certs.ts";
import { meshH2Get, meshH2Session, startStrictInbound } from "./support/mesh-h2.ts";

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
  sidecar = await startStrictInbound({
    engine,
    ca,
    leaf: server,
    identity: "spiffe://cluster.local/ns/shop/sa/reviews",
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
  const session = meshH2Session(sidecar.inboundPort, ca, client);
  try {
    const bodies = await Promise.all([1, 2, 3].map((i) => meshH2Get(session, `/h2/${i}`)));
    expect(bodies).toEqual([1, 2, 3].map((i) => ({ status: 200, body: `app saw GET /h2/${i}` })));
    expect(seen).toEqual(["spiffe://cluster.local/ns/shop/sa/productpage"]);
    expect(sidecar.stats.inboundMtls).toBe(1);
  } finally {
    session.destroy();
  }
});
