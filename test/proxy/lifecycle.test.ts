// lifecycle: WebSocket upgrade passthrough to a ws cluster, an h2c Upgrade offer ignored (served over
// HTTP/1.1), CONNECT refused, the admin
// server (/live, /ready before and after config, /config with keys redacted, /metrics), config swap
// while serving, connection cap, and drain (in-flight request finishes, new connections refused).
import { createServer, type Server } from "node:http";
import { connect, type AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startAdminServer } from "../../pkg/proxy/admin/admin-server.ts";
import { createHttpEngine } from "../../pkg/proxy/engine.ts";
import { engineStateOf } from "../../pkg/proxy/engine-state.ts";
import { h1, rawUntilClose } from "./client.ts";
import { backend, cluster, endpoint, meshIR, prefix, startEcho, startProxy, tables, type Echo, type ProxyUnderTest } from "./fixtures.ts";

let wsServer: Server;
let wsPort = 0;
let slow: Echo, fast: Echo;
let proxy: ProxyUnderTest;

beforeAll(async () => {
  wsServer = createServer((_req, res) => {
    res.writeHead(426);
    res.end();
  });
  wsServer.on("upgrade", (req, socket) => {
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nX-Path: ${req.url}\r\n\r\n`);
    socket.on("data", (d: Buffer) => socket.write(Buffer.concat([Buffer.from("echo:"), d])));
  });
  await new Promise<void>((r) => wsServer.listen(0, "127.0.0.1", r));
  wsPort = (wsServer.address() as AddressInfo).port;
  slow = await startEcho("slow", (_req, res) => {
    setTimeout(() => {
      res.end("slow done");
    }, 400);
    return true;
  });
  fast = await startEcho("fast");
  proxy = await startProxy(meshIR([cluster("ns/ws:80", [endpoint(wsPort)], "ws"), cluster("ns/slow:80", [endpoint(slow.port)]), cluster("ns/fast:80", [endpoint(fast.port)])]), tables([
    { matches: [prefix("/ws")], backends: [backend("ns/ws:80")] },
    { matches: [prefix("/slow")], backends: [backend("ns/slow:80")] },
    { matches: [prefix("/")], backends: [backend("ns/fast:80")] },
  ]));
});

afterAll(async () => {
  await proxy.close();
  await Promise.all([slow.close(), fast.close()]);
  wsServer.closeAllConnections();
  wsServer.close();
});

describe("WebSocket passthrough", () => {
  it("relays the 101 and then bytes both ways", async () => {
    const got = await new Promise<string>((resolve) => {
      const s = connect(proxy.port, "127.0.0.1");
      let buf = "";
      s.on("data", (d: Buffer) => {
        buf += d.toString();
        if (buf.includes("\r\n\r\n") && !buf.includes("echo:")) s.write("ping");
        if (buf.includes("echo:ping")) {
          s.destroy();
          resolve(buf);
        }
      });
      s.write("GET /ws/chat HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
    });
    expect(got).toMatch(/^HTTP\/1\.1 101 /);
    expect(got.toLowerCase()).toContain("x-path: /ws/chat");
    expect(got).toContain("echo:ping");
  });
  it("ignores an h2c Upgrade offer: the request is answered over HTTP/1.1, and the next one on the connection too", async () => {
    const { data } = await rawUntilClose(proxy.port, "GET /h2c HTTP/1.1\r\nHost: x\r\nUpgrade: h2c\r\nConnection: Upgrade, HTTP2-Settings\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n"
      + "GET /after HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    expect([...data.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => m[1])).toEqual(["200", "200"]);
    const seen = fast.seen.slice(-2);
    expect(seen.map((x) => x.url)).toEqual(["/h2c", "/after"]);
    // The offer is hop-by-hop: the backend sees neither Upgrade nor HTTP2-Settings.
    expect(seen[0]!.headers.upgrade).toBeUndefined();
    expect(seen[0]!.headers["http2-settings"]).toBeUndefined();
  });
  it("refuses CONNECT", async () => {
    const { data } = await rawUntilClose(proxy.port, "CONNECT x:443 HTTP/1.1\r\nHost: x:443\r\n\r\n");
    expect(data).toMatch(/^HTTP\/1\.1 400 /);
  });
});

describe("admin server", () => {
  it("reports readiness, redacted config and metrics", async () => {
    const engine = createHttpEngine();
    const admin = await startAdminServer(engine, { port: 0, host: "127.0.0.1" });
    try {
      expect((await h1(admin.port, "/live")).status).toBe(200);
      expect((await h1(admin.port, "/ready")).status).toBe(503);
      engine.setState(engineStateOf({ ...meshIR([]), secrets: [{ id: "ns/tls", certPem: "CERT", keyPem: "-----BEGIN PRIVATE KEY-----SECRET" }] }, "v7"));
      expect((await h1(admin.port, "/ready")).status).toBe(200);
      const cfg = await h1(admin.port, "/config");
      expect(JSON.parse(cfg.body).version).toBe("v7");
      expect(cfg.body).not.toContain("SECRET");
      expect(JSON.parse(cfg.body).ir.secrets[0].keyPem).toBe("[redacted]");
      await h1(proxy.port, "/anything");
      const m = await h1(admin.port, "/metrics");
      expect(m.body).toContain("# TYPE weft_proxy_requests_total counter");
      expect((await h1(admin.port, "/config", { method: "POST" })).status).toBe(405);
    } finally {
      await admin.close();
      await engine.drain(10);
    }
  });
});

describe("config swap and drain", () => {
  it("a new state applies to new requests", async () => {
    const p = await startProxy(meshIR([cluster("c", [endpoint(fast.port)])]), undefined, { ctx: { defaultCluster: "c" } });
    try {
      expect((await h1(p.port, "/x")).status).toBe(200);
      p.engine.setState(engineStateOf(meshIR([cluster("c", [])]), "v2"));
      const r = await h1(p.port, "/x");
      expect(r.status).toBe(503);
      expect(r.headers["x-weft-error"]).toBe("no_endpoints");
    } finally {
      await p.close();
    }
  });
  it("connection cap closes sockets beyond the limit", async () => {
    const p = await startProxy(meshIR([cluster("c", [endpoint(fast.port)])]), undefined, { ctx: { defaultCluster: "c" }, limits: { maxConnections: 1 } });
    const hold = connect(p.port, "127.0.0.1");
    hold.on("error", () => {});
    await new Promise((r) => hold.once("connect", r));
    await vi.waitFor(() => expect(p.engine.metrics.connections.value).toBe(1), { timeout: 10_000, interval: 10 });
    try {
      const { closed, data } = await rawUntilClose(p.port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 2000);
      expect(closed).toBe(true);
      expect(data).toBe("");
      expect(p.engine.metrics.rejectedConnections.get()).toBeGreaterThan(0);
    } finally {
      hold.destroy();
      await p.close();
    }
  });
  it("drain lets the in-flight request finish and refuses new connections", async () => {
    const p = await startProxy(meshIR([cluster("s", [endpoint(slow.port)])]), undefined, { ctx: { defaultCluster: "s" } });
    const inflight = h1(p.port, "/slow");
    await vi.waitFor(() => expect(p.engine.inflight()).toBe(1), { timeout: 10_000, interval: 10 });
    const drained = p.engine.drain(5000);
    const late = await rawUntilClose(p.port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 2000);
    const r = await inflight;
    await drained;
    expect(r.status).toBe(200);
    expect(r.body).toBe("slow done");
    expect(late.closed).toBe(true);
    expect(late.data).toBe("");
    await p.close();
  });
});
