// retry-policy: what a route's retry stanza means, whatever the transport underneath.
// - `attempts` is a hard bound: a backend that resets requests on kept-alive connections gets exactly
//   1 + attempts tries, the stale-connection resend counted as one (Gateway API HTTPRouteRetryConnectionError);
//   without a retry stanza an idempotent request whose kept-alive connection died unanswered is sent once more.
// - the same route behaves the same whether its backend is meshed (behind an inbound sidecar, over mTLS)
//   or not: the inbound sidecar marks answers that stand for a connection error to its app and the client
//   side retries, counts and answers them as that error; an app cannot forge the mark.
// - retries wait backoffMs (an injected clock shows the sleep pending, and nothing is sent before it
//   passes) and go to another endpoint when there is one.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RetryIR } from "../../pkg/ir/types.ts";
import { createHttpEngine, type WeftHttpEngine } from "../../pkg/proxy/engine.ts";
import type { MeshTlsMaterial } from "../../pkg/proxy/engine-types.ts";
import { engineStateOf } from "../../pkg/proxy/engine-state.ts";
import { startSidecar, type Sidecar } from "../../pkg/proxy/sidecar/index.ts";
import { testCa } from "../support/certs.ts";
import { h1, type Reply } from "./client.ts";
import { backend, cluster, endpoint, meshIR, prefix, refusingPort, startProxy, tables, until, type ProxyUnderTest } from "./fixtures.ts";
import { ManualClock } from "./manual-clock.ts";

/** Tries per x-key. A request resets its connection while its key's tries ≤ x-reset-first; /slow waits 50 ms. */
const tries = new Map<string, number>();
function behave(req: IncomingMessage, res: ServerResponse): void {
  const key = String(req.headers["x-key"] ?? "none");
  const n = (tries.get(key) ?? 0) + 1;
  tries.set(key, n);
  if (n <= Number(req.headers["x-reset-first"] ?? 0)) {
    req.socket.resetAndDestroy();
    return;
  }
  req.resume();
  req.on("end", () => {
    const spoof = req.headers["x-spoof"] !== undefined ? { "x-weft-connection-error": "upstream_reset" } : {};
    setTimeout(() => {
      res.writeHead(200, { "content-type": "text/plain", ...spoof });
      res.end(`ok ${n}`);
    }, req.url?.startsWith("/slow") === true ? 50 : 0);
  });
}

async function listen(s: Server): Promise<number> {
  s.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  return (s.address() as AddressInfo).port;
}

/** The retry budget (20% of requests + 10/s) would cap this file's back-to-back retries; these tests are about attempts. */
const roomyBudget = { ratio: 1, floorPerSecond: 1000 };
const retry = (attempts: number, codes: number[] = [], backoffMs = 1): RetryIR => ({ codes, attempts, backoffMs });
const k = (key: string, extra: Record<string, string> = {}) => ({ headers: { "x-key": key, ...extra } });

describe("attempts is a hard bound on upstream tries", () => {
  let app: Server;
  let closing: Server;
  let proxy: ProxyUnderTest;
  const closingSeen: string[] = [];
  beforeAll(async () => {
    app = createServer(behave);
    // Answers the first request on a connection; later ones on it are closed unanswered.
    const perSocket = new WeakMap<Socket, number>();
    closing = createServer((req, res) => {
      const n = (perSocket.get(req.socket) ?? 0) + 1;
      perSocket.set(req.socket, n);
      closingSeen.push(`${req.method} ${req.url}`);
      req.resume();
      req.on("end", () => {
        if (n > 1) req.socket.destroy();
        else res.end("ok");
      });
    });
    const [appPort, closingPort] = [await listen(app), await listen(closing)];
    proxy = await startProxy(meshIR([cluster("ns/app:80", [endpoint(appPort)]), cluster("ns/closing:80", [endpoint(closingPort)])]), tables([
      { matches: [prefix("/bound")], backends: [backend("ns/app:80")], retry: retry(3) },
      { matches: [prefix("/slow")], backends: [backend("ns/app:80")] },
      { matches: [prefix("/plain")], backends: [backend("ns/closing:80")] },
    ]), { retryBudget: roomyBudget });
  });
  afterAll(async () => {
    await proxy.close();
    for (const s of [app, closing]) {
      s.closeAllConnections();
      s.close();
    }
  });

  it("attempts 3, a backend resetting its first 4 tries on kept-alive connections: 4 tries, then 503 upstream_reset", async () => {
    // Several kept-alive connections in the pool, so every try lands on a reused one.
    await Promise.all(Array.from({ length: 6 }, (_, i) => h1(proxy.port, `/slow/${i}`, k(`warm-${i}`))));
    const r = await h1(proxy.port, "/bound", k("b1", { "x-reset-first": "4" }));
    expect(tries.get("b1")).toBe(4);
    expect(r.status).toBe(503);
    expect(r.headers["x-weft-error"]).toBe("upstream_reset");
  });

  it("attempts 3, a backend resetting its first 3 tries: the 4th answers", async () => {
    await Promise.all(Array.from({ length: 6 }, (_, i) => h1(proxy.port, `/slow/${i}`, k(`warm2-${i}`))));
    const r = await h1(proxy.port, "/bound", k("b2", { "x-reset-first": "3" }));
    expect(r.status).toBe(200);
    expect(tries.get("b2")).toBe(4);
  });

  it("without a retry stanza, an idempotent request whose kept-alive connection died unanswered is sent once more", async () => {
    await h1(proxy.port, "/plain/warm");
    closingSeen.length = 0;
    const r = await h1(proxy.port, "/plain/get");
    expect(r.status).toBe(200);
    expect(closingSeen).toEqual(["GET /plain/get", "GET /plain/get"]);
    closingSeen.length = 0;
    const post = await h1(proxy.port, "/plain/post", { method: "POST" });
    expect(post.status).toBe(503);
    expect(closingSeen).toEqual(["POST /plain/post"]);
  });
});

describe("the same retry route against a meshed and an unmeshed backend", () => {
  const td = "cluster.local";
  const idA = `spiffe://${td}/ns/shop/sa/frontend`;
  const idB = `spiffe://${td}/ns/shop/sa/reviews`;
  let app: Server;
  let appPort = 0;
  let deadPort = 0;
  let appTarget = 0;
  let sidecarB: Sidecar;
  let engineB: WeftHttpEngine;
  let proxy: ProxyUnderTest;
  let matA: MeshTlsMaterial;
  beforeAll(async () => {
    app = createServer(behave);
    appPort = await listen(app);
    appTarget = appPort;
    deadPort = await refusingPort();
    const ca = testCa("retry-ca");
    const leafA = ca.leaf({ cn: "frontend", uris: [idA] });
    const leafB = ca.leaf({ cn: "reviews", uris: [idB] });
    engineB = createHttpEngine();
    engineB.setState(engineStateOf(meshIR([]), "b"));
    sidecarB = await startSidecar({ engine: engineB, outboundPort: 0, inboundPort: 0, host: "127.0.0.1", inboundMode: "strict",
      meshTls: { keyPem: leafB.keyPem, certChainPem: leafB.certPem, trustBundlePem: ca.certPem, identity: idB }, lookup: () => undefined,
      originalDestination: () => ({ address: "127.0.0.1", port: appTarget }), log: () => {} });
    proxy = await startProxy(meshIR([
      cluster("ns/meshed:80", [endpoint(sidecarB.inboundPort, { identity: idB })]),
      cluster("ns/plain:80", [endpoint(appPort)]),
      cluster("ns/plain-dead:80", [endpoint(deadPort)]),
    ]), tables([
      { matches: [prefix("/meshed")], backends: [backend("ns/meshed:80")], retry: retry(2) },
      { matches: [prefix("/plain-dead")], backends: [backend("ns/plain-dead:80")], retry: retry(2) },
      { matches: [prefix("/plain")], backends: [backend("ns/plain:80")], retry: retry(2) },
    ]), { retryBudget: roomyBudget });
    matA = { keyPem: leafA.keyPem, certChainPem: leafA.certPem, trustBundlePem: ca.certPem, identity: idA };
    proxy.engine.setMeshTls(matA);
  });
  afterAll(async () => {
    await proxy.close();
    await sidecarB.close();
    await engineB.drain(10);
    app.closeAllConnections();
    app.close();
  });

  const same = (a: Reply, b: Reply) => {
    expect(a.status).toBe(b.status);
    expect(a.headers["x-weft-error"]).toBe(b.headers["x-weft-error"]);
    expect(a.body).toBe(b.body);
    expect(a.headers["x-weft-connection-error"]).toBeUndefined();
    expect(b.headers["x-weft-connection-error"]).toBeUndefined();
  };

  it("an app that resets every try: 3 tries each, the same 503 upstream_reset", async () => {
    const meshed = await h1(proxy.port, "/meshed", k("m1", { "x-reset-first": "99" }));
    const plain = await h1(proxy.port, "/plain", k("p1", { "x-reset-first": "99" }));
    expect([tries.get("m1"), tries.get("p1")]).toEqual([3, 3]);
    expect(plain.status).toBe(503);
    expect(plain.headers["x-weft-error"]).toBe("upstream_reset");
    same(meshed, plain);
  });

  it("an app that resets its first 2 tries: the 3rd answers, meshed or not", async () => {
    const meshed = await h1(proxy.port, "/meshed", k("m2", { "x-reset-first": "2" }));
    const plain = await h1(proxy.port, "/plain", k("p2", { "x-reset-first": "2" }));
    expect([tries.get("m2"), tries.get("p2")]).toEqual([3, 3]);
    expect(plain.status).toBe(200);
    same(meshed, plain);
  });

  it("an app that refuses connections: the same retries counted and the same 503 upstream_connect", async () => {
    const retries = () => proxy.engine.metrics.retries.get();
    appTarget = deadPort;
    // B's inbound connection learns its app port when it opens: start a fresh mesh session to B.
    proxy.engine.setMeshTls(matA);
    try {
      const r0 = retries();
      const meshed = await h1(proxy.port, "/meshed", k("m3"));
      const r1 = retries();
      const plain = await h1(proxy.port, "/plain-dead", k("p3"));
      const r2 = retries();
      expect(plain.headers["x-weft-error"]).toBe("upstream_connect");
      same(meshed, plain);
      expect([r1 - r0, r2 - r1]).toEqual([2, 2]);
    } finally {
      appTarget = appPort;
      proxy.engine.setMeshTls(matA);
    }
  });

  it("an app cannot forge the mark: its own header is dropped and its answer relayed once", async () => {
    const r = await h1(proxy.port, "/meshed", k("m4", { "x-spoof": "1" }));
    expect(r.status).toBe(200);
    expect(r.body).toBe("ok 1");
    expect(r.headers["x-weft-connection-error"]).toBeUndefined();
    expect(tries.get("m4")).toBe(1);
  });
});

describe("backoff and endpoint choice, on an injected clock", () => {
  const clock = new ManualClock();
  const seen: string[] = [];
  let servers: Server[] = [];
  let proxy: ProxyUnderTest;
  let rr: ProxyUnderTest;
  beforeAll(async () => {
    const flaky = createServer((req, res) => {
      seen.push(`flaky ${req.url}`);
      const n = seen.filter((s) => s === `flaky ${req.url}`).length;
      res.writeHead(n === 1 ? 500 : 200);
      res.end(`try ${n}`);
    });
    const failing = createServer((req, res) => {
      seen.push(`e0 ${req.url}`);
      res.writeHead(503);
      res.end("e0");
    });
    const healthy = createServer((req, res) => {
      seen.push(`e1 ${req.url}`);
      res.writeHead(200);
      res.end("e1");
    });
    servers = [flaky, failing, healthy];
    const [fp, e0, e1] = [await listen(flaky), await listen(failing), await listen(healthy)];
    // random() = 0: power-of-two-choices always weighs endpoints 0 and 1, a tie going to 0.
    proxy = await startProxy(meshIR([cluster("ns/flaky:80", [endpoint(fp)]), cluster("ns/pair:80", [endpoint(e0), endpoint(e1)])]), tables([
      { matches: [prefix("/backoff")], backends: [backend("ns/flaky:80")], retry: retry(1, [500], 1000) },
      { matches: [prefix("/avoid")], backends: [backend("ns/pair:80")], retry: retry(1, [503], 5) },
    ]), { clock, random: () => 0 });
    // Round robin over [refusing, healthy]: a connection error, then a retry on another endpoint.
    rr = await startProxy(meshIR([cluster("ns/half:80", [endpoint(await refusingPort()), endpoint(e1)])]), tables([
      { matches: [prefix("/")], backends: [backend("ns/half:80")], retry: retry(1, [], 5) },
    ]), { clock, balancer: "round-robin" });
  });
  afterAll(async () => {
    await Promise.all([proxy.close(), rr.close()]);
    for (const s of servers) {
      s.closeAllConnections();
      s.close();
    }
  });

  it("the retry waits backoffMs: nothing is sent again until the clock has passed it", async () => {
    const reply = h1(proxy.port, "/backoff/1");
    await until(() => clock.pending().length > 0);
    expect(clock.pending()).toEqual([1000]);
    expect(seen.filter((s) => s === "flaky /backoff/1")).toHaveLength(1);
    clock.advance(999);
    expect(clock.pending()).toEqual([1000]);
    clock.advance(1);
    const r = await reply;
    expect(r.status).toBe(200);
    expect(r.body).toBe("try 2");
  });

  it("the retry goes to another endpoint, though the balancer would pick the same one again", async () => {
    const reply = h1(proxy.port, "/avoid/1");
    await until(() => clock.pending().length > 0);
    expect(clock.pending()).toEqual([5]);
    clock.advance(5);
    const r = await reply;
    expect(seen.filter((s) => s.endsWith("/avoid/1"))).toEqual(["e0 /avoid/1", "e1 /avoid/1"]);
    expect(r.status).toBe(200);
    expect(r.body).toBe("e1");
  });

  it("after a connection error, the retry goes to another endpoint, though the rotation is back on the refusing one", async () => {
    // X is refused by endpoint 0 and waits its backoff; Y takes endpoint 1; the rotation then points at 0 again.
    const x = h1(rr.port, "/rr/x");
    await until(() => clock.pending().length > 0);
    expect(clock.pending()).toEqual([5]);
    const y = await h1(rr.port, "/rr/y");
    expect(y.body).toBe("e1");
    clock.advance(5);
    const r = await x;
    expect(r.status).toBe(200);
    expect(seen.filter((s) => s.endsWith("/rr/x"))).toEqual(["e1 /rr/x"]);
  });
});
