// engine-routing: the engine routes h1 and h2c requests by the compiled route table to the right
// cluster, answers 404/500/503 with x-weft-error, forwards to defaultCluster when no route applies,
// and splits by weight (70/30/0 within ±5%, weight 0 gets nothing; spec §3).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backend, cluster, endpoint, exact, invalidBackend, meshIR, prefix, seeded, startEcho, startH2Echo, startProxy, tables, type Echo, type ProxyUnderTest } from "./fixtures.ts";
import { h1, h2, h2session } from "./client.ts";

let a: Echo, b: Echo, c: Echo, h2e: Echo;
let proxy: ProxyUnderTest;
let fallback: ProxyUnderTest;
let inbound: ProxyUnderTest;

beforeAll(async () => {
  [a, b, c, h2e] = await Promise.all([startEcho("a"), startEcho("b"), startEcho("c"), startH2Echo("h2")]);
  const ir = meshIR([
    cluster("ns/a:80", [endpoint(a.port)]),
    cluster("ns/b:80", [endpoint(b.port)]),
    cluster("ns/c:80", [endpoint(c.port)]),
    cluster("ns/h2:80", [endpoint(h2e.port)], "h2c"),
    cluster("ns/empty:80", []),
    cluster("ns/notready:80", [endpoint(1, { ready: false, serving: false })]),
  ]);
  proxy = await startProxy(ir, tables([
    { matches: [exact("/a")], backends: [backend("ns/a:80")] },
    { matches: [prefix("/b")], backends: [backend("ns/b:80")] },
    { matches: [prefix("/h2")], backends: [backend("ns/h2:80")] },
    { matches: [prefix("/split")], backends: [backend("ns/a:80", 70), backend("ns/b:80", 30), backend("ns/c:80", 0)] },
    { matches: [prefix("/half-invalid")], backends: [backend("ns/a:80", 1), invalidBackend(1)] },
    { matches: [prefix("/invalid")], backends: [invalidBackend()] },
    { matches: [prefix("/none")], backends: [] },
    { matches: [prefix("/empty")], backends: [backend("ns/empty:80")] },
    { matches: [prefix("/notready")], backends: [backend("ns/notready:80")] },
  ]), { random: seeded(7) });
  fallback = await startProxy(ir, undefined, { ctx: { defaultCluster: "ns/c:80", face: "sidecar-outbound" } });
  inbound = await startProxy(ir, undefined, { ctx: { localAppPort: b.port, face: "sidecar-inbound", peerIdentity: "spiffe://cluster.local/ns/x/sa/y" } });
});

afterAll(async () => {
  await Promise.all([proxy.close(), fallback.close(), inbound.close()]);
  await Promise.all([a.close(), b.close(), c.close(), h2e.close()]);
});

describe("routing over HTTP/1.1", () => {
  it("sends each path to its cluster", async () => {
    const ra = await h1(proxy.port, "/a");
    const rb = await h1(proxy.port, "/b/x?q=1");
    expect(ra.status).toBe(200);
    expect(JSON.parse(ra.body).server).toBe("a");
    expect(JSON.parse(rb.body)).toMatchObject({ server: "b", url: "/b/x?q=1" });
  });
  it("answers 404 no_route when no rule matches", async () => {
    const r = await h1(proxy.port, "/a/deeper");
    expect(r.status).toBe(404);
    expect(r.headers["x-weft-error"]).toBe("no_route");
  });
  it("answers 500 for invalid backends and empty backends", async () => {
    expect((await h1(proxy.port, "/invalid")).headers["x-weft-error"]).toBe("invalid_backend");
    const none = await h1(proxy.port, "/none");
    expect(none.status).toBe(500);
    expect(none.headers["x-weft-error"]).toBe("no_backends");
  });
  it("answers 503 when a cluster has no ready endpoints", async () => {
    for (const p of ["/empty", "/notready"]) {
      const r = await h1(proxy.port, p);
      expect(r.status).toBe(503);
      expect(r.headers["x-weft-error"]).toBe("no_endpoints");
    }
  });
  it("gives the invalid share of a split 500s and the rest 200s", { timeout: 60_000 }, async () => {
    let ok = 0, bad = 0;
    for (let i = 0; i < 200; i++) {
      const r = await h1(proxy.port, "/half-invalid");
      if (r.status === 200) ok++;
      else if (r.status === 500) bad++;
    }
    expect(ok + bad).toBe(200);
    expect(ok).toBeGreaterThan(70);
    expect(bad).toBeGreaterThan(70);
  });
  it("splits 70/30/0 within ±5% over 500 requests and never picks weight 0", { timeout: 60_000 }, async () => {
    const counts: Record<string, number> = { a: 0, b: 0, c: 0 };
    for (let i = 0; i < 500; i++) {
      const r = await h1(proxy.port, "/split");
      const s = JSON.parse(r.body).server as string;
      counts[s] = (counts[s] ?? 0) + 1;
    }
    expect(counts.c).toBe(0);
    expect(Math.abs(counts.a! / 500 - 0.7)).toBeLessThanOrEqual(0.05);
    expect(Math.abs(counts.b! / 500 - 0.3)).toBeLessThanOrEqual(0.05);
  });
  it("adds forwarding headers and strips hop-by-hop ones", async () => {
    const r = await h1(proxy.port, "/b", {
      headers: { connection: "keep-alive, x-secret-hop", "x-secret-hop": "1", "keep-alive": "5", "x-keep": "yes", "x-weft-peer-identity": "spiffe://x/ns/a/sa/b" },
    });
    const seen = JSON.parse(r.body).headers as Record<string, string>;
    expect(seen["x-keep"]).toBe("yes");
    expect(seen["x-secret-hop"]).toBeUndefined();
    expect(seen["keep-alive"]).toBeUndefined();
    expect(seen["x-weft-peer-identity"]).toBeUndefined();
    expect(seen["x-forwarded-for"]).toBe("127.0.0.1");
    expect(seen["x-forwarded-proto"]).toBe("http");
    expect(seen["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
  });
  it("keeps a well-formed x-request-id", async () => {
    const r = await h1(proxy.port, "/b", { headers: { "x-request-id": "abc-123" } });
    expect(JSON.parse(r.body).headers["x-request-id"]).toBe("abc-123");
  });
  it("sidecar inbound forwards to the local app port", async () => {
    const r = await h1(inbound.port, "/app/path");
    expect(JSON.parse(r.body)).toMatchObject({ server: "b", url: "/app/path" });
  });
  it("forwards to the default cluster when no routes apply", async () => {
    const r = await h1(fallback.port, "/anything");
    expect(JSON.parse(r.body).server).toBe("c");
  });
});

describe("routing over h2c", () => {
  it("routes h2c requests to h1 and h2c upstreams", async () => {
    const s = h2session(proxy.port);
    try {
      const ra = await h2(s, "/a");
      const rh = await h2(s, "/h2/x", { method: "POST", body: "hello" });
      expect(JSON.parse(ra.body).server).toBe("a");
      expect(JSON.parse(rh.body)).toMatchObject({ server: "h2", method: "POST", body: "hello", url: "/h2/x" });
      const nf = await h2(s, "/zzz");
      expect(nf.status).toBe(404);
      expect(nf.headers["x-weft-error"]).toBe("no_route");
    } finally {
      s.close();
    }
  });
  it("h1 client reaches an h2c upstream with its body", async () => {
    const r = await h1(proxy.port, "/h2/post", { method: "POST", body: "x".repeat(100_000) });
    expect(JSON.parse(r.body).body.length).toBe(100_000);
  });
});
