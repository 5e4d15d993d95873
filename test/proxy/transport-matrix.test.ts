// transport-matrix: the same stack behaviours over every downstream transport — HTTP/1.1, h2c (prior
// knowledge) and TLS h2 (ALPN, self-signed node-forge cert) — and over h1 and h2c upstreams: routing,
// header filters, redirect, rewrite, 404/500/503 answers, request timeout 504, retry on 503, and a
// mid-body upstream reset turning into a downstream reset (never a second answer).
import { createServer as createTlsServer, type Server as TlsServer } from "node:tls";
import type { AddressInfo } from "node:net";
import { connect as h2connect, type ClientHttp2Session } from "node:http2";
import type { ServerResponse } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { selfSigned } from "../support/certs.ts";
import { h1, h2, h2session, type Reply } from "./client.ts";
import { backend, cluster, endpoint, invalidBackend, meshIR, prefix, startEcho, startH2Echo, startProxy, tables, type Echo, type ProxyUnderTest } from "./fixtures.ts";

let e1: Echo, e2: Echo;
let proxy: ProxyUnderTest;
let tls: TlsServer;
let tlsPort = 0;
const cert = selfSigned(["proxy.test"]);
const attempts = new Map<string, number>();

function behave(name: string) {
  return (req: { url?: string; headers: Record<string, unknown> }, res: unknown): boolean => {
    const r = res as ServerResponse;
    if (req.url?.startsWith("/flaky")) {
      const key = String(req.headers["x-key"]);
      const n = (attempts.get(key) ?? 0) + 1;
      attempts.set(key, n);
      r.writeHead(n === 1 ? 503 : 200);
      r.end(`${name} try ${n}`);
      return true;
    }
    if (req.url?.startsWith("/slow")) {
      setTimeout(() => {
        if (!r.destroyed) r.end("late");
      }, 1500);
      return true;
    }
    if (req.url?.startsWith("/cut")) {
      r.writeHead(200, { "content-type": "text/plain" });
      r.write("partial-");
      // An upstream crash: the h1 socket or the whole h2 session goes away mid-body.
      const h2s = (res as { stream?: { session?: { destroy(): void } } }).stream?.session;
      setTimeout(() => (h2s !== undefined ? h2s.destroy() : r.destroy()), 50);
      return true;
    }
    return false;
  };
}

beforeAll(async () => {
  e1 = await startEcho("h1up", behave("h1up") as never);
  e2 = await startH2Echo("h2up", behave("h2up") as never);
  const ir = meshIR([cluster("ns/e1:80", [endpoint(e1.port)]), cluster("ns/e2:80", [endpoint(e2.port)], "h2c"), cluster("ns/none:80", [])]);
  const hdr = { type: "RequestHeaderModifier" as const, set: [{ name: "x-route", value: "yes" }], add: [], remove: [] };
  proxy = await startProxy(ir, tables([
    { matches: [prefix("/h1up")], backends: [backend("ns/e1:80")], filters: [hdr] },
    { matches: [prefix("/h2up")], backends: [backend("ns/e2:80")], filters: [hdr] },
    { matches: [prefix("/flaky1")], backends: [backend("ns/e1:80")], retry: { codes: [503], attempts: 1, backoffMs: 1 } },
    { matches: [prefix("/flaky2")], backends: [backend("ns/e2:80")], retry: { codes: [503], attempts: 1, backoffMs: 1 } },
    { matches: [prefix("/slow")], backends: [backend("ns/e2:80")], timeouts: { requestMs: 200 } },
    { matches: [prefix("/cut1")], backends: [backend("ns/e1:80")] },
    { matches: [prefix("/cut2")], backends: [backend("ns/e2:80")] },
    { matches: [prefix("/go")], filters: [{ type: "RequestRedirect", hostname: "elsewhere.test", statusCode: 302 }] },
    { matches: [prefix("/rw")], backends: [backend("ns/e2:80")], filters: [{ type: "URLRewrite", path: { type: "ReplacePrefixMatch", prefix: "/rw", value: "/h2up/rewritten" } }] },
    { matches: [prefix("/bad")], backends: [invalidBackend()] },
    { matches: [prefix("/none")], backends: [backend("ns/none:80")] },
  ]));
  tls = createTlsServer({ key: cert.keyPem, cert: cert.certPem, ALPNProtocols: ["h2", "http/1.1"] }, (s) => {
    proxy.engine.serveConnection(s, { face: "gateway", routes: proxy.routes, destinationPort: 443, scheme: "https", label: "tls" });
  });
  await new Promise<void>((r) => tls.listen(0, "127.0.0.1", r));
  tlsPort = (tls.address() as AddressInfo).port;
});

afterAll(async () => {
  tls.close();
  await proxy.close();
  await Promise.all([e1.close(), e2.close()]);
});

type Send = (path: string, opts?: { headers?: Record<string, string> }) => Promise<Reply>;

function sessionSend(make: () => ClientHttp2Session): { send: Send; close: () => void } {
  let s: ClientHttp2Session | undefined;
  return {
    send: (path, opts = {}) => {
      s ??= make();
      return h2(s, path, { ...opts, authority: "proxy.test" });
    },
    close: () => s?.close(),
  };
}

describe.each(["h1", "h2c", "tls-h2"] as const)("over %s", (transport) => {
  let send: Send;
  let close = () => {};
  beforeAll(() => {
    if (transport === "h1") {
      send = (p, o = {}) => h1(proxy.port, p, { headers: { host: "proxy.test", ...o.headers } });
      return;
    }
    const made = transport === "h2c"
      ? sessionSend(() => h2session(proxy.port))
      : sessionSend(() => {
        const c = h2connect(`https://127.0.0.1:${tlsPort}`, { ca: cert.certPem, servername: "proxy.test" });
        c.on("error", () => {});
        return c;
      });
    send = made.send;
    close = made.close;
  });
  afterAll(() => close());

  it("routes to h1 and h2c upstreams with rule header filters", async () => {
    for (const up of ["h1up", "h2up"]) {
      const r = await send(`/${up}/x`);
      const seen = JSON.parse(r.body);
      expect(seen.server).toBe(up);
      expect(seen.headers["x-route"]).toBe("yes");
      expect(seen.headers["x-forwarded-proto"]).toBe(transport === "tls-h2" ? "https" : "http");
    }
  });
  it("retries a 503 once on both upstream kinds", async () => {
    for (const [p, up] of [["/flaky1", "h1up"], ["/flaky2", "h2up"]] as const) {
      const r = await send(p, { headers: { "x-key": `${transport}${p}` } });
      expect(r.status).toBe(200);
      expect(r.body).toBe(`${up} try 2`);
    }
  });
  it("redirects, rewrites, and answers 404/500/503 with x-weft-error", async () => {
    const red = await send("/go/a");
    expect(red.status).toBe(302);
    expect(red.headers.location).toBe(`${transport === "tls-h2" ? "https" : "http"}://elsewhere.test:${transport === "tls-h2" ? "443" : String(proxy.port)}/go/a`.replace(":443/", "/"));
    expect(JSON.parse((await send("/rw/z")).body).url).toBe("/h2up/rewritten/z");
    for (const [p, s, code] of [["/nope", 404, "no_route"], ["/bad", 500, "invalid_backend"], ["/none", 503, "no_endpoints"]] as const) {
      const r = await send(p);
      expect(r.status).toBe(s);
      expect(r.headers["x-weft-error"]).toBe(code);
    }
  });
  it("request timeout ⇒ 504", async () => {
    const r = await send("/slow");
    expect(r.status).toBe(504);
    expect(r.headers["x-weft-error"]).toBe("request_timeout");
  });
  it("an upstream dying mid-body resets the downstream exchange", async () => {
    for (const p of ["/cut1", "/cut2"]) {
      const outcome = await send(p).then((r) => (r.body === "partial-" && r.status === 200 ? "truncated-ok" : `complete:${r.status}:${r.body}`), () => "reset");
      expect(["reset", "truncated-ok"]).toContain(outcome);
      if (transport !== "h1") expect(outcome).toBe("reset");
    }
  });
});
