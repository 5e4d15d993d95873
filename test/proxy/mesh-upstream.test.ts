// mesh-upstream: upstream connections to meshed endpoints use mTLS with the material from setMeshTls and
// verify the peer's SPIFFE URI SAN against endpoint.identity (not the hostname); a peer presenting another
// identity is refused (503 upstream_tls) and never receives the request. HTTP/1.1 traffic crosses on a
// pool of long-lived mTLS connections speaking HTTP/1.1 (ALPN http/1.1 + weft-http/1.1), reused from
// request to request and replaced when the mesh material rotates; h2c and gRPC clusters keep HTTP/2 (ALPN
// h2 + weft-h2). A new mesh connection the peer closes before the handshake (an inbound sidecar that gave
// up waiting for the ClientHello) is dialled once more: the request had not left. The HTTP/1.1 mesh
// socket WebSocket tunnels use makes the same identity check. Every mesh connection of one material shares
// one TLS secure context (node would parse the key, chain and bundle into a new one per connection).
import { createSecureServer, type Http2SecureServer } from "node:http2";
import { connect as netConnect, createServer as createNetServer, type AddressInfo, type Socket } from "node:net";
import tls, { createServer as createTlsServer, type TLSSocket } from "node:tls";
import { createH1Pool } from "../../pkg/proxy/upstream/pool-h1.ts";
import { H2Pool } from "../../pkg/proxy/upstream/pool-h2.ts";
import { Upstream } from "../../pkg/proxy/upstream/upstream.ts";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
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
/** Per request: the HTTP version and the ALPN protocol of the connection it came on. */
const seenProtocols: { version: string; alpn: string | false }[] = [];
/** TLS connections the server accepted. */
let handshakes = 0;
const serverSockets: TLSSocket[] = [];
let proxy: ProxyUnderTest;
let material: { frontend: { keyPem: string; certPem: string }; caPem: string; other: { keyPem: string; certPem: string } };

beforeAll(async () => {
  const ca = testCa();
  const srv = ca.leaf({ cn: "reviews", uris: [reviewsId] });
  const cli = ca.leaf({ cn: "frontend", uris: [frontendId] });
  // Both protocols, as an inbound sidecar negotiates them (and the mesh markers, which it reads as mTLS).
  server = createSecureServer({ key: srv.keyPem, cert: srv.certPem, ca: ca.certPem, requestCert: true, rejectUnauthorized: true, allowHTTP1: true, ALPNProtocols: ["h2", "http/1.1"] }, (req, res) => {
    const socket = (req.httpVersion === "2.0" ? req.stream.session?.socket : req.socket) as TLSSocket | undefined;
    seenPeers.push(spiffeIdOfSans(socket?.getPeerCertificate().subjectaltname));
    seenProtocols.push({ version: req.httpVersion, alpn: socket?.alpnProtocol ?? false });
    res.writeHead(200, { "content-type": "text/plain" });
    res.end(`mesh ok ${req.url}`);
  });
  server.on("secureConnection", (s: TLSSocket) => {
    handshakes++;
    serverSockets.push(s);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as AddressInfo).port;
  proxy = await startProxy(meshIR([
    cluster("ns/reviews:9080", [endpoint(port, { identity: reviewsId })]),
    cluster("ns/reviews-h2c:9080", [endpoint(port, { identity: reviewsId })], "h2c"),
    cluster("ns/impostor:9080", [endpoint(port, { identity: `spiffe://${td}/ns/default/sa/ratings` })]),
  ]), tables([
    { matches: [prefix("/reviews")], backends: [backend("ns/reviews:9080")] },
    { matches: [prefix("/h2c")], backends: [backend("ns/reviews-h2c:9080")] },
    { matches: [prefix("/impostor")], backends: [backend("ns/impostor:9080")] },
  ]));
  material = { frontend: cli, caPem: ca.certPem, other: ca.leaf({ cn: "frontend-rotated", uris: [frontendId] }) };
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
  it("carries HTTP/1.1 traffic as HTTP/1.1 over mTLS (ALPN http/1.1), one pooled connection for sequential requests", async () => {
    const before = handshakes;
    for (let i = 0; i < 3; i++) {
      const r = await h1(proxy.port, `/reviews/seq-${i}`);
      expect(r.status).toBe(200);
      expect(r.body).toBe(`mesh ok /reviews/seq-${i}`);
      expect(seenProtocols.at(-1)).toEqual({ version: "1.1", alpn: "http/1.1" });
    }
    // The connection of an earlier test may still be pooled: at most one new one, never one per request.
    expect(handshakes - before).toBeLessThanOrEqual(1);
  });
  it("keeps HTTP/2 (ALPN h2) for an h2c cluster", async () => {
    const r = await h1(proxy.port, "/h2c/1");
    expect(r.status).toBe(200);
    expect(seenProtocols.at(-1)).toEqual({ version: "2.0", alpn: "h2" });
  });
  it("opens new mTLS connections once the mesh material rotates and closes the idle ones of the old material", async () => {
    expect((await h1(proxy.port, "/reviews/warm")).status).toBe(200);
    const before = handshakes;
    const old = serverSockets.filter((x) => !x.destroyed);
    expect(old.length).toBeGreaterThan(0);
    proxy.engine.setMeshTls({ keyPem: material.other.keyPem, certChainPem: material.other.certPem, trustBundlePem: material.caPem, identity: frontendId });
    try {
      const r = await h1(proxy.port, "/reviews/rotated");
      expect(r.status).toBe(200);
      expect(handshakes - before).toBe(1);
      // Pooled connections of the old material are closed (HTTP/1.1 at once; h2 sessions gracefully).
      const deadline = Date.now() + 5000;
      while (old.some((x) => !x.destroyed) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 20));
      expect(old.filter((x) => !x.destroyed)).toHaveLength(0);
    } finally {
      proxy.engine.setMeshTls({ keyPem: material.frontend.keyPem, certChainPem: material.frontend.certPem, trustBundlePem: material.caPem, identity: frontendId });
    }
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
    const attempt = (identity: string) =>
      new Promise<string>((resolve) => {
        const sock = up.meshH1Socket("127.0.0.1", tlsPort, identity)!;
        sock.once("secureConnect", () => {
          sock.end("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
          resolve("connected");
        });
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

describe("mesh connections share the material's secure context", () => {
  it("dials with the context built once by setMeshTls: node builds none per connection, for HTTP/1.1 and h2", async () => {
    const ca = testCa();
    const srv = ca.leaf({ cn: "reviews", uris: [reviewsId] });
    const cli = ca.leaf({ cn: "frontend", uris: [frontendId] });
    const h2Server = createSecureServer({ key: srv.keyPem, cert: srv.certPem, ca: ca.certPem, requestCert: true, allowHTTP1: true, ALPNProtocols: ["h2", "http/1.1"] }, (_req, res) => {
      res.end("ok");
    });
    await new Promise<void>((r) => h2Server.listen(0, "127.0.0.1", r));
    const p = (h2Server.address() as AddressInfo).port;
    const pool = createH1Pool();
    const h2 = new H2Pool();
    const up = new Upstream(pool, h2, 2000);
    up.setMeshTls({ keyPem: cli.keyPem, certChainPem: cli.certPem, trustBundlePem: ca.certPem, identity: frontendId });
    // node's tls.connect calls the module's createSecureContext for every socket not given a context.
    const perConnection = vi.spyOn(tls, "createSecureContext");
    try {
      const connected = (s: TLSSocket) =>
        new Promise<string>((resolve) => {
          s.once("secureConnect", () => resolve(typeof s.alpnProtocol === "string" ? s.alpnProtocol : ""));
          s.once("error", (e: Error) => resolve(e.message));
        });
      const sockets = [0, 1, 2].map(() => up.meshH1Socket("127.0.0.1", p, reviewsId)!);
      expect(await Promise.all(sockets.map(connected))).toEqual(["http/1.1", "http/1.1", "http/1.1"]);
      for (const s of sockets) s.destroy();
      const h2Answer = await up.send({ address: "127.0.0.1", port: p, protocol: "h2", meshIdentity: reviewsId }, { method: "GET", path: "/", authority: "reviews", headers: {}, body: undefined })
        .response;
      h2Answer.body.resume();
      expect(h2Answer.status).toBe(200);
      expect(perConnection).not.toHaveBeenCalled();
    } finally {
      perConnection.mockRestore();
      pool.close();
      h2.close();
      h2Server.close();
    }
  });
});

describe("a new mesh connection closed by the peer before it was usable", () => {
  it("is dialled once more and the request (a POST) is answered; closed twice, the attempt fails upstream_connect", async () => {
    // In front of the mTLS server: closes the first `drop` connections it accepts at once, relays the rest.
    let drop = 1;
    let accepted = 0;
    const front = createNetServer((s: Socket) => {
      accepted++;
      if (drop > 0) {
        drop--;
        s.destroy();
        return;
      }
      const back = netConnect(port, "127.0.0.1");
      s.pipe(back).pipe(s);
      s.on("error", () => back.destroy());
      back.on("error", () => s.destroy());
    });
    await new Promise<void>((r) => front.listen(0, "127.0.0.1", r));
    const frontPort = (front.address() as AddressInfo).port;
    const up = new Upstream(createH1Pool(), new H2Pool(), 2000);
    up.setMeshTls({ keyPem: material.frontend.keyPem, certChainPem: material.frontend.certPem, trustBundlePem: material.caPem, identity: frontendId });
    const target = { address: "127.0.0.1", port: frontPort, protocol: "http1" as const, meshIdentity: reviewsId };
    const post = () => up.send(target, { method: "POST", path: "/redial", authority: "reviews", headers: {}, body: Buffer.from("once") }).response;
    try {
      const res = await post();
      expect(res.status).toBe(200);
      res.body.resume();
      expect(accepted).toBe(2);
      expect(seenProtocols.at(-1)).toEqual({ version: "1.1", alpn: "http/1.1" });
      up.setMeshTls({ keyPem: material.frontend.keyPem, certChainPem: material.frontend.certPem, trustBundlePem: material.caPem, identity: frontendId });
      drop = 2;
      await expect(post()).rejects.toMatchObject({ kind: "upstream_connect" });
    } finally {
      front.close();
    }
  });
});

describe("an endpoint's upstream targets are made once per mesh material", () => {
  it("gives the same target for every request to an endpoint, and new ones (mesh identity, pool key) once the material changes", async () => {
    const up = new Upstream(createH1Pool(), new H2Pool(), 2000);
    const ep = endpoint(port, { identity: reviewsId });
    const c = cluster("default/reviews:80", [ep]);
    const plain = up.target(c, ep, false);
    expect(plain).toEqual({ address: "127.0.0.1", port, protocol: "http1" });
    expect(up.target(c, ep, false)).toBe(plain);
    up.setMeshTls({ keyPem: material.frontend.keyPem, certChainPem: material.frontend.certPem, trustBundlePem: material.caPem, identity: frontendId });
    const meshed = up.target(c, ep, false);
    expect(meshed).toEqual({ address: "127.0.0.1", port, protocol: "http1", meshIdentity: reviewsId });
    expect(up.target(c, ep, false)).toBe(meshed);
    expect(up.target(cluster("default/reviews:80", [ep], "grpc"), ep, true)).toEqual({ ...meshed, protocol: "h2" });
    const get = async () => {
      const res = await up.send(meshed, { method: "GET", path: "/once", authority: "reviews", headers: {}, body: undefined }).response;
      res.body.resume();
      await new Promise((r) => res.body.once("end", r));
    };
    const before = handshakes;
    await get();
    await get();
    // One connection for both requests; the rotated material's next request opens a new one under the new key.
    expect(handshakes - before).toBe(1);
    up.setMeshTls({ keyPem: material.frontend.keyPem, certChainPem: material.frontend.certPem, trustBundlePem: material.caPem, identity: frontendId });
    const rotated = up.target(c, ep, false);
    expect(rotated).not.toBe(meshed);
    await get();
    expect(handshakes - before).toBe(2);
  });
});
