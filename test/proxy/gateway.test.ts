// gateway: the gateway face from a GatewayIR: HTTP listeners share a port with listener isolation by
// Host (spec §6/§7), HTTPS terminates TLS with the certificate chosen by SNI (self-signed certs from
// node-forge), ALPN h2 and http/1.1 both work, gRPC over TLS h2, misdirected requests ⇒ 421, unknown
// SNI ⇒ no handshake, redirects to https omit 443.
import * as grpc from "@grpc/grpc-js";
import { connect as h2connect } from "node:http2";
import { request as httpsRequest } from "node:https";
import { connect as tlsConnect } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GatewayIR, ListenerIR, RouteTablesIR } from "../../pkg/ir/types.ts";
import { createHttpEngine, type WeftHttpEngine } from "../../pkg/proxy/engine.ts";
import { engineStateOf } from "../../pkg/proxy/engine-state.ts";
import { GatewayListeners } from "../../pkg/proxy/gateway/gateway-listeners.ts";
import { selfSigned, type Pem } from "../support/certs.ts";
import { h1, type Reply } from "./client.ts";
import { backend, cluster, endpoint, grpcMethod, meshIR, prefix, startEcho, tables, type Echo } from "./fixtures.ts";
import { EchoClient, startGrpcEcho, unary, type GrpcEcho } from "./grpc-fixture.ts";

let a: Echo, b: Echo, g: GrpcEcho;
let engine: WeftHttpEngine;
let gl: GatewayListeners;
let certA: Pem, certB: Pem, certAny: Pem;
let httpPort = 0, httpsPort = 0;

const listener = (name: string, protocol: "HTTP" | "HTTPS", routes: RouteTablesIR, hostname?: string, certificates: string[] = []): ListenerIR => ({
  id: `gw/web/${name}`,
  name,
  protocol,
  certificates,
  routes,
  ...(hostname !== undefined ? { hostname } : {}),
});

beforeAll(async () => {
  [a, b, g] = await Promise.all([startEcho("a"), startEcho("b"), startGrpcEcho("g")]);
  certA = selfSigned(["a.example.com"]);
  certB = selfSigned(["*.b.example.com"]);
  certAny = selfSigned(["default.example.net"]);
  const gw: GatewayIR = {
    namespace: "gw",
    name: "web",
    ports: [
      { port: 80, protocol: "HTTP", listeners: [
        listener("http-a", "HTTP", tables([
          { matches: [grpcMethod("test.Echo")], backends: [backend("ns/g:50051")] },
          { matches: [prefix("/to-https")], filters: [{ type: "RequestRedirect", scheme: "https", statusCode: 301 }] },
          { matches: [prefix("/")], backends: [backend("ns/a:80")] },
        ]), "a.example.com"),
        listener("http-any", "HTTP", tables([{ matches: [prefix("/only-any")], backends: [backend("ns/b:80")] }])),
      ] },
      { port: 443, protocol: "HTTPS", listeners: [
        listener("https-a", "HTTPS", tables([{ matches: [prefix("/")], backends: [backend("ns/a:80")] }]), "a.example.com", ["gw/cert-a"]),
        listener("https-b", "HTTPS", tables([
          { matches: [grpcMethod("test.Echo")], backends: [backend("ns/g:50051")] },
          { matches: [prefix("/")], backends: [backend("ns/b:80")] },
        ]), "*.b.example.com", ["gw/cert-b"]),
        listener("https-any", "HTTPS", tables([{ matches: [prefix("/")], backends: [backend("ns/b:80")] }]), undefined, ["gw/cert-any"]),
      ] },
    ],
  };
  const ir = { ...meshIR([cluster("ns/a:80", [endpoint(a.port)]), cluster("ns/b:80", [endpoint(b.port)]), cluster("ns/g:50051", [endpoint(g.port)], "grpc")]), gateways: [gw],
    secrets: [{ id: "gw/cert-a", ...certA }, { id: "gw/cert-b", ...certB }, { id: "gw/cert-any", ...certAny }] };
  engine = createHttpEngine();
  engine.setState(engineStateOf(ir, "v1"));
  gl = new GatewayListeners({ engine, host: "127.0.0.1", portMap: () => 0 });
  await gl.apply(gw, ir.secrets);
  httpPort = gl.boundPort(80)!;
  httpsPort = gl.boundPort(443)!;
});

afterAll(async () => {
  await gl.close();
  await engine.drain(100);
  await Promise.all([a.close(), b.close(), g.close()]);
});

function httpsH1(servername: string, host: string, path: string, ca: string): Promise<Reply & { alpn: string | false | null | undefined; peerCn: string }> {
  return new Promise((resolve, reject) => {
    const opts: import("node:https").RequestOptions = { host: "127.0.0.1", port: httpsPort, path, servername, ca, headers: { host }, agent: false };
    Object.assign(opts, { ALPNProtocols: ["http/1.1"] });
    const req = httpsRequest(opts, (res) => {
      const chunks: Buffer[] = [];
      const sock = res.socket as import("node:tls").TLSSocket;
      const peerCn = String(sock.getPeerCertificate().subject.CN);
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString(), alpn: sock.alpnProtocol, peerCn }));
    });
    req.on("error", reject);
    req.end();
  });
}

function httpsH2(servername: string, authority: string, path: string, ca: string): Promise<Reply & { alpn: string | false | undefined }> {
  return new Promise((resolve, reject) => {
    const s = h2connect(`https://127.0.0.1:${httpsPort}`, { servername, ca });
    s.on("error", reject);
    const st = s.request({ ":path": path, ":authority": authority });
    let status = 0;
    let headers = {};
    const chunks: Buffer[] = [];
    st.on("response", (h) => {
      status = Number(h[":status"]);
      headers = h;
    });
    st.on("data", (c: Buffer) => chunks.push(c));
    st.on("end", () => {
      const alpn = s.alpnProtocol;
      s.close();
      resolve({ status, headers, body: Buffer.concat(chunks).toString(), alpn });
    });
    st.on("error", reject);
  });
}

describe("HTTP listeners", () => {
  it("routes by the most specific listener's routes", async () => {
    const r = await h1(httpPort, "/x", { headers: { host: "a.example.com" } });
    expect(JSON.parse(r.body).server).toBe("a");
    const any = await h1(httpPort, "/only-any", { headers: { host: "other.example.org:80" } });
    expect(JSON.parse(any.body).server).toBe("b");
  });
  it("listener isolation: no fall-through to another listener's routes", async () => {
    expect((await h1(httpPort, "/x", { headers: { host: "other.example.org" } })).status).toBe(404);
    const own = await h1(httpPort, "/only-any", { headers: { host: "a.example.com" } });
    expect(JSON.parse(own.body).server).toBe("a");
  });
  it("redirect to https omits the well-known port", async () => {
    const r = await h1(httpPort, "/to-https/p", { headers: { host: "a.example.com" } });
    expect(r.status).toBe(301);
    expect(r.headers.location).toBe("https://a.example.com/to-https/p");
  });
});

describe("gRPC on an HTTP listener (h2c prior knowledge, spec §9)", () => {
  it("routes by :authority to the listener's GRPCRoute", async () => {
    const client = new EchoClient(`127.0.0.1:${httpPort}`, grpc.credentials.createInsecure(), { "grpc.default_authority": "a.example.com" });
    try {
      const r = await unary(client, "Unary", { text: "plain" });
      expect(r.err).toBeNull();
      expect(r.res?.text).toBe("g:plain");
    } finally {
      client.close();
    }
  });
  it("another listener's host gets UNIMPLEMENTED (isolation)", async () => {
    const client = new EchoClient(`127.0.0.1:${httpPort}`, grpc.credentials.createInsecure(), { "grpc.default_authority": "other.example.org" });
    try {
      const r = await unary(client, "Unary", { text: "x" });
      expect(r.err?.code).toBe(grpc.status.UNIMPLEMENTED);
    } finally {
      client.close();
    }
  });
});

describe("HTTPS listeners", () => {
  it("SNI picks the certificate; h1 over TLS reaches the listener's backend", async () => {
    const r = await httpsH1("a.example.com", "a.example.com", "/hello", certA.certPem);
    expect(r.peerCn).toBe("a.example.com");
    expect(r.alpn).toBe("http/1.1");
    expect(JSON.parse(r.body)).toMatchObject({ server: "a", url: "/hello" });
    expect(JSON.parse(r.body).headers["x-forwarded-proto"]).toBe("https");
  });
  it("h2 via ALPN with a wildcard certificate", async () => {
    const r = await httpsH2("x.b.example.com", "x.b.example.com", "/wild", certB.certPem);
    expect(r.alpn).toBe("h2");
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body).server).toBe("b");
  });
  it("Host better served by another listener than the SNI one ⇒ 421", async () => {
    const r = await httpsH2("a.example.com", "x.b.example.com", "/wild", certA.certPem);
    expect(r.status).toBe(421);
    expect((r.headers as Record<string, string>)["x-weft-error"]).toBe("misdirected");
  });
  it("an SNI no listener claims falls to the hostname-less listener's certificate; no SNI gets it too", async () => {
    for (const servername of ["unknown.example.net", undefined]) {
      const cn = await new Promise<string>((resolve, reject) => {
        const s = tlsConnect({ host: "127.0.0.1", port: httpsPort, ...(servername ? { servername } : {}), rejectUnauthorized: false }, () => {
          const c = String(s.getPeerCertificate().subject.CN);
          s.destroy();
          resolve(c);
        });
        s.on("error", reject);
      });
      expect(cn).toBe("default.example.net");
    }
  });
  it("gRPC over TLS h2", async () => {
    const client = new EchoClient(`127.0.0.1:${httpsPort}`, grpc.credentials.createSsl(Buffer.from(certB.certPem)), {
      "grpc.ssl_target_name_override": "svc.b.example.com",
      "grpc.default_authority": "svc.b.example.com",
    });
    try {
      const r = await unary(client, "Unary", { text: "tls" });
      expect(r.err).toBeNull();
      expect(r.res?.text).toBe("g:tls");
      expect(r.trailers?.get("x-trail")).toEqual(["t-g"]);
    } finally {
      client.close();
    }
  });
});
