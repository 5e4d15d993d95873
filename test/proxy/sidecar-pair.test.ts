// sidecar-pair: the engine behind task E's sidecar capture faces, end to end on loopback: client → A
// outbound (original destination = Service VIP via the sidecar's hook) → A's engine → mesh mTLS (HTTP/1.1
// on pooled connections for this http1 cluster) with the weft ALPN marker and SPIFFE verification → B
// inbound (strict mTLS) → B's engine → B's local app. A wrong endpoint identity never reaches B's app;
// concurrent requests on the pooled connections each get their own answer.
import { Agent, createServer as createHttpServer, request, type Server } from "node:http";
import { connect, type AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MeshIR, MeshServiceIR } from "../../pkg/ir/types.ts";
import { createHttpEngine, type WeftHttpEngine } from "../../pkg/proxy/engine.ts";
import { engineStateOf } from "../../pkg/proxy/engine-state.ts";
import { startSidecar, type Sidecar } from "../../pkg/proxy/sidecar/index.ts";
import { testCa } from "../support/certs.ts";
import { h1, rawUntilClose } from "./client.ts";
import { startEcho, type Echo } from "./fixtures.ts";

const td = "cluster.local";
const idA = `spiffe://${td}/ns/shop/sa/frontend`;
const idB = `spiffe://${td}/ns/shop/sa/reviews`;
let app: Echo;
let engineA: WeftHttpEngine, engineB: WeftHttpEngine;
let sidecarA: Sidecar, sidecarB: Sidecar;
const svc = (name: string, ip: string): MeshServiceIR => ({ namespace: "shop", name, clusterIPs: [ip], ports: [{ port: 9080, cluster: `shop/${name}:9080`, consumers: {} }] });
const reviews = svc("reviews", "127.0.0.10");
const impostor = svc("impostor", "127.0.0.11");
let nextDst: { address: string; port: number } = { address: reviews.clusterIPs[0]!, port: 9080 };
let bAppPort = 0;
let wsApp: Server;

beforeAll(async () => {
  app = await startEcho("reviews-app");
  bAppPort = app.port;
  wsApp = createHttpServer((_q, r) => {
    r.writeHead(426);
    r.end();
  });
  wsApp.on("upgrade", (_req, sock) => {
    sock.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n");
    sock.on("data", (d: Buffer) => sock.write(Buffer.concat([Buffer.from("mesh-echo:"), d])));
  });
  await new Promise<void>((r) => wsApp.listen(0, "127.0.0.1", r));
  const ca = testCa("pair-ca");
  const leafA = ca.leaf({ cn: "frontend", uris: [idA] });
  const leafB = ca.leaf({ cn: "reviews", uris: [idB] });
  const matA = { keyPem: leafA.keyPem, certChainPem: leafA.certPem, trustBundlePem: ca.certPem, identity: idA };
  const matB = { keyPem: leafB.keyPem, certChainPem: leafB.certPem, trustBundlePem: ca.certPem, identity: idB };
  engineB = createHttpEngine();
  engineB.setState(engineStateOf({ gateways: [], services: [], clusters: [], secrets: [] }, "b"));
  sidecarB = await startSidecar({ engine: engineB, outboundPort: 0, inboundPort: 0, host: "127.0.0.1", meshTls: matB, inboundMode: "strict", lookup: () => undefined,
    originalDestination: () => ({ address: "127.0.0.1", port: bAppPort }), log: () => {} });
  const ep = (identity: string) => [{ address: "127.0.0.1", port: sidecarB.inboundPort, ready: true, serving: true, terminating: false, identity }];
  const ir: MeshIR = { gateways: [], secrets: [], services: [reviews, impostor], clusters: [
    { id: "shop/reviews:9080", namespace: "shop", service: "reviews", port: 9080, protocol: "http1", endpoints: ep(idB) },
    { id: "shop/impostor:9080", namespace: "shop", service: "impostor", port: 9080, protocol: "http1", endpoints: ep(`spiffe://${td}/ns/shop/sa/ratings`) },
  ] };
  engineA = createHttpEngine();
  engineA.setState(engineStateOf(ir, "a"));
  engineA.setMeshTls(matA);
  sidecarA = await startSidecar({ engine: engineA, outboundPort: 0, inboundPort: 0, host: "127.0.0.1", meshTls: matA, lookup: (ip) => {
    const s = [reviews, impostor].find((x) => x.clusterIPs[0] === ip);
    return s === undefined ? undefined : { service: s, port: s.ports[0]!, routes: undefined };
  }, originalDestination: () => nextDst, log: () => {} });
});

afterAll(async () => {
  await Promise.all([sidecarA.close(), sidecarB.close()]);
  await Promise.all([engineA.drain(10), engineB.drain(10)]);
  await app.close();
  wsApp.closeAllConnections();
  wsApp.close();
});

describe("sidecar pair over mesh mTLS", () => {
  it("delivers the request to B's app through both engines", async () => {
    nextDst = { address: "127.0.0.10", port: 9080 };
    const r = await h1(sidecarA.outboundPort, "/reviews/1", { headers: { host: "reviews.shop:9080", "x-weft-peer-identity": "spiffe://cluster.local/ns/kube-system/sa/admin" } });
    expect(r.status).toBe(200);
    const seen = JSON.parse(r.body);
    expect(seen).toMatchObject({ server: "reviews-app", url: "/reviews/1" });
    // One hop (pod A → pod B), one entry: A's outbound face adds none, B's inbound face adds A's address.
    expect(seen.headers["x-forwarded-for"]).toBe("127.0.0.1");
    // The app learns the verified caller; the spoofed header the client sent is gone.
    expect(seen.headers["x-weft-peer-identity"]).toBe(idA);
  });
  it("concurrent requests with bodies, in bursts over the pooled mesh connections, each get their own answer", async () => {
    nextDst = { address: "127.0.0.10", port: 9080 };
    const agent = new Agent({ keepAlive: true, maxSockets: 40 });
    const post = (i: number) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const body = `payload-${i}-${"x".repeat(i * 37 % 3000)}`;
        const req = request({ host: "127.0.0.1", port: sidecarA.outboundPort, method: "POST", path: `/burst/${i}`, agent,
          headers: { host: "reviews.shop:9080", "content-type": "text/plain", "content-length": Buffer.byteLength(body) } }, (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
        });
        req.on("error", reject);
        req.end(body);
      });
    try {
      for (let burst = 0; burst < 3; burst++) {
        const ids = Array.from({ length: 40 }, (_, k) => burst * 40 + k);
        const answers = await Promise.all(ids.map(post));
        for (const [k, a] of answers.entries()) {
          expect(a.status).toBe(200);
          const seen = JSON.parse(a.body) as { url: string; body: string; method: string };
          expect(seen).toMatchObject({ url: `/burst/${ids[k]}`, method: "POST" });
          expect(seen.body).toBe(`payload-${ids[k]}-${"x".repeat(ids[k]! * 37 % 3000)}`);
        }
      }
    } finally {
      agent.destroy();
    }
  });
  it("an endpoint presenting another identity is refused before B's app", async () => {
    nextDst = { address: "127.0.0.11", port: 9080 };
    const before = app.seen.length;
    const r = await h1(sidecarA.outboundPort, "/x", { headers: { host: "impostor.shop:9080" } });
    expect(r.status).toBe(503);
    expect(r.headers["x-weft-error"]).toBe("upstream_tls");
    expect(app.seen.length).toBe(before);
  });
  it("a WebSocket upgrade to an endpoint presenting another identity is refused before B's app", async () => {
    nextDst = { address: "127.0.0.11", port: 9080 };
    bAppPort = (wsApp.address() as AddressInfo).port;
    let upgrades = 0;
    const count = () => {
      upgrades++;
    };
    wsApp.on("upgrade", count);
    try {
      const { data, closed } = await rawUntilClose(sidecarA.outboundPort,
        "GET /chat HTTP/1.1\r\nHost: impostor.shop:9080\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", 5000);
      expect(closed).toBe(true);
      expect(data).toMatch(/^HTTP\/1\.1 503 /);
      expect(data).toContain("x-weft-error: upstream_tls");
      expect(upgrades).toBe(0);
    } finally {
      wsApp.off("upgrade", count);
      bAppPort = app.port;
    }
  });
  it("WebSocket upgrades cross the mesh over mTLS to B's app", async () => {
    nextDst = { address: "127.0.0.10", port: 9080 };
    bAppPort = (wsApp.address() as AddressInfo).port;
    try {
      const got = await new Promise<string>((resolve, reject) => {
        const s = connect(sidecarA.outboundPort, "127.0.0.1");
        let buf = "";
        const t = setTimeout(() => {
          s.destroy();
          reject(new Error(`no echo: ${buf}`));
        }, 5000);
        s.on("data", (d: Buffer) => {
          buf += d.toString();
          if (buf.includes("\r\n\r\n") && !buf.includes("mesh-echo:")) s.write("hello");
          if (buf.includes("mesh-echo:hello")) {
            clearTimeout(t);
            s.destroy();
            resolve(buf);
          }
        });
        s.on("error", reject);
        s.write("GET /chat HTTP/1.1\r\nHost: reviews.shop:9080\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
      });
      expect(got).toMatch(/^HTTP\/1\.1 101 /);
      expect(got).toContain("mesh-echo:hello");
    } finally {
      bAppPort = app.port;
    }
  });
});
