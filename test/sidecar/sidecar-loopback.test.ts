// sidecar-loopback: the sidecar's capture faces on loopback, with the original destination supplied by
// the test (keyed by the client's 127.0.0.x source address) instead of iptables, and a recording engine.
// Service VIPs are 127.0.1.x: a passthrough (peek timeout on a starved machine) must stay on loopback.
// Proves: what each face hands to the engine (context, replayed bytes), TCP passthrough with half-close,
// server-first protocols, loop and unknown-destination refusal, inbound mTLS with SPIFFE peer id,
// strict/permissive plaintext, the app's own TLS passing through, and mTLS material rotation.
import { createServer as createTlsServer, type Server as TlsServer } from "node:tls";
import { connect, type AddressInfo, type Server } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MeshPortIR, MeshServiceIR } from "../../pkg/ir/types.ts";
import type { MeshTlsMaterial } from "../../pkg/proxy/engine-types.ts";
import { startSidecar, type Sidecar, type SidecarDestination } from "../../pkg/proxy/sidecar/index.ts";
import type { OriginalDestination } from "../../pkg/proxy/sidecar/original-dst.ts";
import { exchange, exchangeAfterSilence, exchangeNoFin, parseResponse, rawHttp, startEchoServer, tlsFrom, tlsHttp, waitUntil } from "./support/net-helpers.ts";
import { createRecordingEngine } from "./support/recording-engine.ts";
import { testCa, issueLeaf } from "../support/certs.ts";

const CLIENT_ID = "spiffe://cluster.local/ns/shop/sa/frontend";
const ca = testCa();
const otherCa = testCa("rogue-ca");
const serverLeaf = issueLeaf(ca, "spiffe://cluster.local/ns/shop/sa/reviews");
const clientLeaf = issueLeaf(ca, CLIENT_ID);
const rogueLeaf = issueLeaf(otherCa, "spiffe://cluster.local/ns/shop/sa/frontend");
const noSanLeaf = issueLeaf(ca, undefined);
const material: MeshTlsMaterial = {
  keyPem: serverLeaf.keyPem,
  certChainPem: serverLeaf.certPem,
  trustBundlePem: ca.certPem,
  identity: "spiffe://cluster.local/ns/shop/sa/reviews",
};

function service(name: string, ip: string, port: number, appProtocol?: string): SidecarDestination {
  const p: MeshPortIR = { port, cluster: `shop/${name}:${port}`, consumers: {}, ...(appProtocol === undefined ? {} : { appProtocol }) };
  const svc: MeshServiceIR = { namespace: "shop", name, clusterIPs: [ip], ports: [p] };
  return { service: svc, port: p, routes: undefined };
}

const dstBySource = new Map<string, OriginalDestination>();
let nextSource = 10;
/** A fresh 127.0.0.x source address whose connections the sidecar will see as addressed to `dst`. */
function sourceFor(dst: OriginalDestination): string {
  const src = `127.0.0.${nextSource++}`;
  dstBySource.set(src, dst);
  return src;
}

const engine = createRecordingEngine();
let sidecar: Sidecar;
let echo: { port: number; server: Server };
let banner: { port: number; server: Server };
let appTls: TlsServer;
let appTlsPort: number;
const meshByKey = new Map<string, SidecarDestination>();
const logs: { event: string; fields: Record<string, unknown> }[] = [];

beforeAll(async () => {
  echo = await startEchoServer();
  banner = await startEchoServer("BANNER\n");
  appTls = createTlsServer({ key: serverLeaf.keyPem, cert: serverLeaf.certPem }, (s) => s.end("app-tls-ok"));
  await new Promise<void>((r) => appTls.listen(0, "127.0.0.1", r));
  appTlsPort = (appTls.address() as AddressInfo).port;
  meshByKey.set("127.0.1.10|9080", service("reviews", "127.0.1.10", 9080));
  meshByKey.set("127.0.1.21|9080", service("cart", "127.0.1.21", 9080, "http"));
  meshByKey.set("127.0.1.22|9080", service("quiet", "127.0.1.22", 9080));
  meshByKey.set(`127.0.0.1|${echo.port}`, service("echo", "127.0.0.1", echo.port));
  meshByKey.set(`127.0.0.1|${banner.port}`, service("banner", "127.0.0.1", banner.port));
  sidecar = await startSidecar({
    engine,
    outboundPort: 0,
    inboundPort: 0,
    host: "127.0.0.1",
    meshTls: material,
    peekTimeoutMs: 150,
    inboundPortModes: { 8443: "strict" },
    lookup: (ip, port) => meshByKey.get(`${ip}|${port}`),
    originalDestination: (s) => dstBySource.get(s.remoteAddress ?? ""),
    log: (_level, event, fields) => {
      logs.push({ event, fields });
    },
  });
});

afterAll(async () => {
  await sidecar?.close();
  await engine.drain(0);
  echo?.server.close();
  banner?.server.close();
  appTls?.close();
});

describe("sidecar outbound face", () => {
  it("hands HTTP/1 for a mesh Service to the engine with the Service's context and the peeked bytes", async () => {
    const before = engine.calls.length;
    const r = await rawHttp(sidecar.outboundPort, sourceFor({ address: "127.0.1.10", port: 9080 }), "/ratings?x=1");
    expect(r.status).toBe(200);
    const body = JSON.parse(r.body) as Record<string, unknown>;
    expect(body).toMatchObject({ face: "sidecar-outbound", label: "shop/reviews:9080", defaultCluster: "shop/reviews:9080", destinationPort: 9080, url: "/ratings?x=1" });
    const call = engine.calls[before];
    expect(call?.head.startsWith("GET ")).toBe(true);
  });

  it("reads the routes in force on every request: a kept-alive connection follows a config swap", async () => {
    const key = "127.0.1.11|9080";
    meshByKey.set(key, service("ratings", "127.0.1.11", 9080));
    const socket = connect({ port: sidecar.outboundPort, host: "127.0.0.1", localAddress: sourceFor({ address: "127.0.1.11", port: 9080 }) });
    let received = "";
    socket.setEncoding("latin1");
    socket.on("data", (d: string) => {
      received += d;
    });
    const ask = async (): Promise<Record<string, unknown>> => {
      received = "";
      socket.write("GET / HTTP/1.1\r\nHost: ratings\r\n\r\n");
      expect(await waitUntil(() => /\r\n\r\n\{.*\}$/s.test(received))).toBe(true);
      return JSON.parse(received.slice(received.indexOf("\r\n\r\n") + 4)) as Record<string, unknown>;
    };
    try {
      expect(await ask()).toMatchObject({ hasRoutes: false, defaultCluster: "shop/ratings:9080" });
      // A route attached (any compiled table) and the Service's cluster renamed, on the same connection.
      const swapped = service("ratings", "127.0.1.11", 9080);
      meshByKey.set(key, { ...swapped, port: { ...swapped.port, cluster: "shop/ratings-v2:9080" }, routes: { rules: [] } as never });
      expect(await ask()).toMatchObject({ hasRoutes: true, defaultCluster: "shop/ratings-v2:9080" });
    } finally {
      socket.destroy();
      meshByKey.delete(key);
    }
  });

  it("hands an HTTP/2 prior-knowledge preface to the engine", async () => {
    const before = engine.calls.length;
    await exchange(sidecar.outboundPort, sourceFor({ address: "127.0.1.10", port: 9080 }), "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\0\x04\0\0\0\0\0");
    expect(engine.calls.length).toBe(before + 1);
    expect(engine.calls[before]?.head.startsWith("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")).toBe(true);
    expect(engine.calls[before]?.ctx.face).toBe("sidecar-outbound");
  });

  it("passes non-HTTP bytes to a mesh Service through as TCP, both ways, with half-close", async () => {
    const tcpBefore = sidecar.stats.outboundTcp;
    const payload = "\x00\x01binary-protocol-hello\xff".repeat(500);
    const r = await exchange(sidecar.outboundPort, sourceFor({ address: "127.0.0.1", port: echo.port }), payload);
    expect(r.how).toBe("end");
    expect(r.received).toBe(payload);
    expect(sidecar.stats.outboundTcp).toBe(tcpBefore + 1);
  });

  it("lets a server-first protocol through after the peek timeout (mesh) and at once (unknown destination)", async () => {
    const viaMesh = await exchange(sidecar.outboundPort, sourceFor({ address: "127.0.0.1", port: banner.port }), "");
    expect(viaMesh).toEqual({ received: "BANNER\n", how: "end" });
    meshByKey.delete(`127.0.0.1|${banner.port}`);
    const unknown = await exchange(sidecar.outboundPort, sourceFor({ address: "127.0.0.1", port: banner.port }), "GET / HTTP/1.1\r\n\r\n");
    expect(unknown.received).toBe("BANNER\nGET / HTTP/1.1\r\n\r\n");
  });

  it("a port declaring HTTP (appProtocol) keeps a connection opened ahead of use in the mesh: no peek, the engine waits", async () => {
    const tcpBefore = sidecar.stats.outboundTcp;
    const before = engine.calls.length;
    const request = "GET /late HTTP/1.1\r\nHost: cart.shop\r\nConnection: close\r\n\r\n";
    // Silent for twice the 150 ms peek window: an undeclared port would have passed it through as TCP.
    const r = parseResponse(await exchangeAfterSilence(sidecar.outboundPort, sourceFor({ address: "127.0.1.21", port: 9080 }), request, 300));
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toMatchObject({ face: "sidecar-outbound", label: "shop/cart:9080", defaultCluster: "shop/cart:9080", url: "/late" });
    expect(engine.calls[before]?.head).toBe("");
    expect(sidecar.stats.outboundTcp).toBe(tcpBefore);
  });

  it("an undeclared port silent past the peek is passed through, with one detect-timeout warning per destination", async () => {
    const warnings = (): { event: string; fields: Record<string, unknown> }[] => logs.filter((l) => l.event === "outbound.detect-timeout" && l.fields.to === "127.0.1.22:9080");
    const tcpBefore = sidecar.stats.outboundTcp;
    const request = "GET /late HTTP/1.1\r\nHost: quiet.shop\r\nConnection: close\r\n\r\n";
    for (let i = 0; i < 2; i++) {
      const r = await exchangeAfterSilence(sidecar.outboundPort, sourceFor({ address: "127.0.1.22", port: 9080 }), request, 300);
      expect(r.received).toBe(""); // passed through to 127.0.1.22:9080, where nothing listens
    }
    expect(sidecar.stats.outboundTcp).toBe(tcpBefore + 2);
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]?.fields).toMatchObject({ service: "shop/quiet:9080", waitedMs: 150 });
    expect(String(warnings()[0]?.fields.hint)).toContain("appProtocol");
  });

  it("does not hand HTTP to an unknown destination to the engine (passthrough instead)", async () => {
    const before = engine.calls.length;
    const r = await exchange(sidecar.outboundPort, sourceFor({ address: "127.0.0.1", port: echo.port + 0 }), "GET /x HTTP/1.1\r\n\r\n");
    meshByKey.delete(`127.0.0.1|${echo.port}`);
    const r2 = await exchange(sidecar.outboundPort, sourceFor({ address: "127.0.0.1", port: echo.port }), "GET /y HTTP/1.1\r\n\r\n");
    expect(r2.received).toBe("GET /y HTTP/1.1\r\n\r\n");
    expect(engine.calls.length).toBe(before + 1);
    expect(r.received.startsWith("HTTP/1.1 ")).toBe(true);
  });

  it("refuses a connection whose original destination is the sidecar itself, or unknown", async () => {
    const refused = sidecar.stats.outboundRefused;
    const loop = await exchange(sidecar.outboundPort, sourceFor({ address: "127.0.0.1", port: sidecar.outboundPort }), "GET / HTTP/1.1\r\n\r\n");
    expect(loop.received).toBe("");
    const unknown = await exchange(sidecar.outboundPort, "127.0.0.250", "GET / HTTP/1.1\r\n\r\n");
    expect(unknown.received).toBe("");
    expect(sidecar.stats.outboundRefused).toBe(refused + 2);
    expect(logs.some((l) => l.event === "outbound.refused" && String(l.fields.reason).includes("loop"))).toBe(true);
  });
});

describe("sidecar inbound face", () => {
  const mtls = (port: number, leaf: { certPem: string; keyPem: string } | undefined, alpn = ["weft-http/1.1"]) =>
    tlsHttp(
      { host: "127.0.0.1", port: sidecar.inboundPort, localAddress: sourceFor({ address: "10.244.0.7", port }) },
      { ca: ca.certPem, ALPNProtocols: alpn, ...(leaf === undefined ? {} : { cert: leaf.certPem, key: leaf.keyPem }) },
    );

  it("terminates mesh mTLS and hands the engine the peer's SPIFFE id and the app port", async () => {
    const r = await mtls(8080, clientLeaf);
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toMatchObject({ face: "sidecar-inbound", peerIdentity: CLIENT_ID, localAppPort: 8080, destinationPort: 8080 });
  });

  it('a mesh client offering ["h2", "weft-h2"] negotiates h2 and reaches the engine with its identity', async () => {
    const before = engine.calls.length;
    const alpn = await new Promise<string | false | undefined>((resolve) => {
      const s = tlsFrom("127.0.0.1", sidecar.inboundPort, sourceFor({ address: "10.244.0.7", port: 9090 }), {
        ca: ca.certPem,
        cert: clientLeaf.certPem,
        key: clientLeaf.keyPem,
        ALPNProtocols: ["h2", "weft-h2"],
      });
      let negotiated: string | false | undefined;
      s.on("secureConnect", () => {
        negotiated = s.alpnProtocol ?? undefined;
        s.end();
      });
      s.on("close", () => resolve(negotiated));
      s.on("error", () => resolve(negotiated));
    });
    expect(alpn).toBe("h2");
    expect(await waitUntil(() => engine.calls.length === before + 1)).toBe(true);
    expect(engine.calls[before]?.ctx).toMatchObject({ face: "sidecar-inbound", peerIdentity: CLIENT_ID, localAppPort: 9090 });
  });

  it("refuses a client certificate from another CA, one without SPIFFE id, and no certificate", async () => {
    const refused = sidecar.stats.inboundRefused;
    const mtlsBefore = sidecar.stats.inboundMtls;
    const logged = logs.length;
    for (const leaf of [rogueLeaf, noSanLeaf, undefined]) expect((await mtls(8080, leaf)).status).toBe(0);
    expect(sidecar.stats.inboundRefused).toBe(refused + 3);
    const reasons = logs.slice(logged).map((l) => String(l.fields.reason));
    expect(reasons[0]).toMatch(/not trusted/);
    expect(reasons[1]).toMatch(/no single SPIFFE/);
    expect(reasons[2]).toMatch(/peer did not return a certificate|no client certificate/);
    expect(sidecar.stats.inboundMtls).toBe(mtlsBefore);
  });

  it("strict port: refuses plaintext with a log line, accepts mTLS", async () => {
    const r = await rawHttp(sidecar.inboundPort, sourceFor({ address: "10.244.0.7", port: 8443 }));
    expect(r.status).toBe(0);
    expect(logs.some((l) => l.event === "inbound.refused" && String(l.fields.reason).startsWith("strict mTLS") && l.fields.port === 8443)).toBe(true);
    const ok = await mtls(8443, clientLeaf);
    expect(JSON.parse(ok.body)).toMatchObject({ peerIdentity: CLIENT_ID, localAppPort: 8443 });
  });

  it("hostile first bytes: a stalled partial ClientHello or an absurd record length never reaches TLS or the engine on a strict port", async () => {
    const refused = sidecar.stats.inboundRefused;
    const calls = engine.calls.length;
    const stalled = await exchangeNoFin(sidecar.inboundPort, sourceFor({ address: "10.244.0.7", port: 8443 }), "\x16\x03\x01\x02");
    const absurd = await exchangeNoFin(sidecar.inboundPort, sourceFor({ address: "10.244.0.7", port: 8443 }), "\x16\x03\x01\xff\xff\x01\x00\x00");
    expect([stalled, absurd]).toEqual(["", ""]);
    expect(sidecar.stats.inboundRefused).toBe(refused + 2);
    expect(engine.calls.length).toBe(calls);
  });

  it("permissive port: plaintext HTTP goes to the engine without a peer identity", async () => {
    const r = await rawHttp(sidecar.inboundPort, sourceFor({ address: "10.244.0.7", port: 8080 }));
    expect(JSON.parse(r.body)).toMatchObject({ face: "sidecar-inbound", peerIdentity: null, localAppPort: 8080 });
  });

  it("permissive port: non-HTTP bytes pass through to 127.0.0.1:<original port>", async () => {
    const r = await exchange(sidecar.inboundPort, sourceFor({ address: "10.244.0.7", port: echo.port }), "\x05\x01\x00opaque");
    expect(r).toEqual({ received: "\x05\x01\x00opaque", how: "end" });
  });

  it("the app's own TLS (no mesh ALPN) passes through untouched to the app", async () => {
    const raw = await new Promise<string>((resolve) => {
      {
        const s = tlsFrom("127.0.0.1", sidecar.inboundPort, sourceFor({ address: "10.244.0.7", port: appTlsPort }), {
          ca: ca.certPem,
          ALPNProtocols: ["h2", "http/1.1"],
        });
        let got = "";
        s.on("data", (c: Buffer) => {
          got += c.toString();
        });
        s.on("close", () => resolve(got));
        s.on("error", () => resolve(got));
      }
    });
    expect(raw).toBe("app-tls-ok");
  });

  it("refuses mesh mTLS while it has no material, and accepts it after setMeshTls", async () => {
    sidecar.setMeshTls(undefined);
    expect((await mtls(8080, clientLeaf)).status).toBe(0);
    sidecar.setMeshTls(material);
    expect((await mtls(8080, clientLeaf)).status).toBe(200);
  });
});
