// inbound-app-protocol: on a captured port the inbound sidecar talks to its app in the protocol of the
// Service port that targets it (found by the pod address and port the client dialled): appProtocol
// kubernetes.io/h2c ⇒ HTTP/2 cleartext, none ⇒ HTTP/1.1. Regression (Gateway API conformance
// HTTPRouteBackendProtocolH2C): a meshed h2c backend got HTTP/1.1 and answered 400 "Expected h2c request".
import { createServer, type Server } from "node:http";
import { createServer as createH2cServer, type Http2Server } from "node:http2";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ClusterIR, UpstreamProtocol } from "../../pkg/ir/types.ts";
import { createHttpEngine, type WeftHttpEngine } from "../../pkg/proxy/index.ts";
import { engineStateOf } from "../../pkg/proxy/engine-state.ts";
import type { Sidecar } from "../../pkg/proxy/sidecar/index.ts";
import { issueLeaf, testCa } from "../support/certs.ts";
import { meshH2Get, meshH2Session, startStrictInbound } from "./support/mesh-h2.ts";

const POD_IP = "10.244.0.9";
const ca = testCa();
const client = issueLeaf(ca, "spiffe://cluster.local/ns/gw/sa/gateway");
const server = issueLeaf(ca, "spiffe://cluster.local/ns/shop/sa/echo");
let h1App: Server;
let h2cApp: Http2Server;
let engine: WeftHttpEngine;
let sidecar: Sidecar;
let dialled = 0;

const cluster = (service: string, protocol: UpstreamProtocol, port: number): ClusterIR => ({
  id: `shop/${service}:80`,
  namespace: "shop",
  service,
  port: 80,
  protocol,
  endpoints: [{ address: POD_IP, port, ready: true, serving: true, terminating: false }],
});

beforeAll(async () => {
  h1App = createServer((req, res) => res.end(`HTTP/${req.httpVersion}`));
  h2cApp = createH2cServer((req, res) => res.end(`HTTP/${req.httpVersion}`));
  await new Promise<void>((r) => h1App.listen(0, "127.0.0.1", r));
  await new Promise<void>((r) => h2cApp.listen(0, "127.0.0.1", r));
  const h1Port = (h1App.address() as AddressInfo).port;
  const h2cPort = (h2cApp.address() as AddressInfo).port;
  engine = createHttpEngine({});
  // Two Service ports target the h2c port (one without appProtocol): the declared protocol wins.
  const clusters = [cluster("plain", "http1", h1Port), cluster("echo", "h2c", h2cPort), cluster("echo-any", "http1", h2cPort)];
  engine.setState(engineStateOf({ gateways: [], services: [], clusters, secrets: [] }, "t"));
  sidecar = await startStrictInbound({
    engine,
    ca,
    leaf: server,
    identity: "spiffe://cluster.local/ns/shop/sa/echo",
    originalDestination: () => ({ address: POD_IP, port: dialled }),
    log: () => {},
  });
});

afterAll(async () => {
  await sidecar?.close();
  await engine?.drain(0);
  h1App?.close();
  h2cApp?.close();
});

/** One GET over mesh mTLS (HTTP/2, as a proxy dials an h2c or gRPC backend) to the captured `port`. */
async function meshGet(port: number): Promise<{ status: number; body: string }> {
  dialled = port;
  const session = meshH2Session(sidecar.inboundPort, ca, client);
  try {
    return await meshH2Get(session, "/");
  } finally {
    session.destroy();
  }
}

describe("the inbound sidecar's protocol towards its app", () => {
  it("speaks HTTP/2 cleartext to an app port a Service declares kubernetes.io/h2c", async () => {
    expect(await meshGet((h2cApp.address() as AddressInfo).port)).toEqual({ status: 200, body: "HTTP/2.0" });
  });

  it("speaks HTTP/1.1 to an app port whose Service declares no protocol", async () => {
    expect(await meshGet((h1App.address() as AddressInfo).port)).toEqual({ status: 200, body: "HTTP/1.1" });
  });
});
