// mesh-upstream: upstream connections to meshed endpoints use mTLS with the material from setMeshTls,
// ALPN h2, and verify the peer's SPIFFE URI SAN against endpoint.identity (not the hostname); a peer
// presenting another identity is refused (503 upstream_tls) and never receives the request; the HTTP/1.1
// mesh socket WebSocket tunnels use makes the same check.
import { createSecureServer, type Http2SecureServer } from "node:http2";
import type { AddressInfo } from "node:net";
import { createServer as createTlsServer, type TLSSocket } from "node:tls";
import { createH1Pool } from "../../pkg/proxy/upstream/pool-h1.ts";
import { H2Pool } from "../../pkg/proxy/upstream/pool-h2.ts";
import { Upstream } from "../../pkg/proxy/upstream/upstream.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spiffeIdOfSans } from "../../pkg/util/spiffe-san.ts";
import { testCa } from "../support/certs.ts";
import { h1 } from "./client.ts";
import { backend, cluster, endpoint, meshIR, prefix, startProxy, tables, type ProxyUnderTest } from "./fixtures.ts";

const td = "cluster.local";
const reviewsId = `spiffe://${td}/ns/default/sa/reviews`;
const frontendId = `spiffe://${td}/ns/default/sa/frontend`;
let server: Http2SecureServer;
let port = 0;
const seenPeers: (string | undefined)[] = [];
let proxy: ProxyUnderTest;

beforeAll(async () => {
  const ca = testCa();
  const srv = ca.leaf({ cn: "reviews", uris: [reviewsId] });
  const cli = ca.leaf({ cn: "frontend", uris: [frontendId] });
  server = createSecureServer({ key: srv.keyPem, cert: srv.certPem, ca: ca.certPem, requestCert: true, rejectUnauthorized: true, ALPNProtocols: ["h2"] }, (req, res) => {
    const peer = (req.stream.session?.socket as TLSSocket | undefined)?.getPeerCertificate();
    seenPeers.push(spiffeIdOfSans(peer?.subjectaltname));
    res.writeHead(200, { "content-type": "text/plain" });
    res.end(`mesh ok ${req.url}`);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as AddressInfo).port;
  proxy = await startProxy(meshIR([
    cluster("ns/reviews:9080", [endpoint(port, { identity: reviewsId })]),
    cluster("ns/impostor:9080", [endpoint(port, { identity: `spiffe://${td}/ns/default/sa/ratings` })]),
  ]), tables([
    { matches: [prefix("/reviews")], backends: [backend("ns/reviews:9080")] },
    { matches: [prefix("/impostor")], backends: [backend("ns/impostor:9080")] },
  ]));
  proxy.engine.setMeshTls({ keyPem: cli.keyPem, certChainPem: cli.certPem, trustBundlePem: ca.certPem, identity: frontendId });
});

afterAll(async () => {
  await proxy.close();
  await new Promise<void>((r) => server.close(() => r()));
});

describe("meshed upstream (mTLS, SPIFFE verification)", () => {
  it("reaches the endpoint with the expected identity and presents our own", async () => {
    const r = await h1(proxy.port, "/reviews/1");
    expect(r.status).toBe(200);
    expect(r.body).toBe("mesh ok /reviews/1");
    expect(seenPeers.at(-1)).toBe(frontendId);
  });
  it("refuses a peer whose SPIFFE id differs from endpoint.identity", async () => {
    const before = seenPeers.length;
    const r = await h1(proxy.port, "/impostor/1");
    expect(r.status).toBe(503);
    expect(r.headers["x-weft-error"]).toBe("upstream_tls");
    expect(seenPeers.length).toBe(before);
  });
});

describe("the HTTP/1.1 mesh socket (WebSocket tunnels) checks the peer's SPIFFE id too", () => {
  it("refuses a peer presenting another id before sending a byte, accepts the expected one", async () => {
    const ca = testCa();
    const srv = ca.leaf({ cn: "reviews", uris: [reviewsId] });
    const cli = ca.leaf({ cn: "frontend", uris: [frontendId] });
    const received: Buffer[] = [];
    const tlsServer = createTlsServer({ key: srv.keyPem, cert: srv.certPem, ca: ca.certPem, requestCert: true, rejectUnauthorized: true, ALPNProtocols: ["http/1.1"] }, (s) => {
      s.on("data", (d: Buffer) => received.push(d));
      s.on("error", () => {});
    });
    await new Promise<void>((r) => tlsServer.listen(0, "127.0.0.1", r));
    const tlsPort = (tlsServer.address() as AddressInfo).port;
    const pool = createH1Pool();
    const up = new Upstream(pool, new H2Pool(), 2000);
    up.setMeshTls({ keyPem: cli.keyPem, certChainPem: cli.certPem, trustBundlePem: ca.certPem, identity: frontendId });
    const attempt = (identity: string) => new Promise<string>((resolve) => {
      const sock = up.meshH1Socket("127.0.0.1", tlsPort, identity)!;
      sock.once("secureConnect", () => { sock.end("GET / HTTP/1.1\r\nHost: x\r\n\r\n"); resolve("connected"); });
      sock.once("error", (e: Error & { code?: string }) => resolve(e.code ?? e.message));
    });
    try {
      expect(await attempt(`spiffe://${td}/ns/default/sa/ratings`)).toBe("WEFT_SPIFFE_MISMATCH");
      expect(received).toHaveLength(0);
      expect(await attempt(reviewsId)).toBe("connected");
    } finally {
      pool.close();
      tlsServer.close();
    }
  });
});
