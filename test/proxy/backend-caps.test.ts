// backend-caps: slow request bodies cannot exhaust a backend. Per-backend caps (a cluster's limits, or
// the engine's defaults) bound the HTTP/1.1 connections in use, the requests queued for one and the
// requests in flight, with 503 upstream_overflow past them; many clients trickling POST bodies open no
// more upstream connections than the cap; a queued request whose client leaves gives its place back; a
// body that stops arriving gets 408 body_timeout and its upstream attempt is aborted.
import { createServer, type Server } from "node:http";
import { connect, type AddressInfo, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ClusterIR } from "../../pkg/ir/types.ts";
import { h1, h2, h2session, rawUntilClose } from "./client.ts";
import { backend, cluster, endpoint, meshIR, prefix, startH2Echo, startProxy, tables, until, type Echo, type ProxyUnderTest } from "./fixtures.ts";

/** A backend that counts the connections it accepted and has open; answers once the body ended (…/slow…: 300 ms later). */
interface Counting {
  port: number;
  accepted: number;
  open: number;
  maxOpen: number;
  aborted: number;
  server: Server;
}
async function countingBackend(): Promise<Counting> {
  const c: Counting = { port: 0, accepted: 0, open: 0, maxOpen: 0, aborted: 0, server: createServer((req, res) => {
    req.on("aborted", () => {
      c.aborted++;
    });
    req.resume();
    req.on("end", () => setTimeout(() => res.end(`ok ${req.url}`), req.url?.includes("/slow") === true ? 300 : 0));
  }) };
  c.server.keepAliveTimeout = 60_000;
  c.server.on("connection", (s: Socket) => {
    c.accepted++;
    c.open++;
    c.maxOpen = Math.max(c.maxOpen, c.open);
    s.on("close", () => {
      c.open--;
    });
  });
  await new Promise<void>((r) => c.server.listen(0, "127.0.0.1", r));
  c.port = (c.server.address() as AddressInfo).port;
  return c;
}

const limited = (id: string, port: number, limits: ClusterIR["limits"]): ClusterIR => ({ ...cluster(id, [endpoint(port)]), ...(limits === undefined ? {} : { limits }) });

/** A client that sends a POST head, then its body one byte every `gapMs`; resolves with what came back. */
function trickle(port: number, path: string, bytes: number, gapMs: number): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(port, "127.0.0.1");
    let got = "";
    let sent = 0;
    const stop = setTimeout(() => s.destroy(), 10_000);
    s.on("data", (d: Buffer) => {
      got += d.toString("latin1");
    });
    s.on("close", () => {
      clearTimeout(stop);
      clearInterval(timer);
      resolve(got);
    });
    s.on("error", () => {});
    s.write(`POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Length: ${bytes}\r\nConnection: close\r\n\r\n`);
    const timer = setInterval(() => {
      if (sent < bytes && !s.destroyed) {
        s.write("x");
        sent++;
      } else clearInterval(timer);
    }, gapMs);
  });
}

const status = (answer: string) => /^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1];

describe("per-backend caps", () => {
  let be: Counting;
  let h2be: Echo;
  let proxy: ProxyUnderTest;
  let defaults: ProxyUnderTest;
  beforeAll(async () => {
    be = await countingBackend();
    h2be = await startH2Echo("h2", (_req, res) => {
      setTimeout(() => res.end("late"), 300);
      return true;
    });
    proxy = await startProxy(meshIR([
      limited("ns/capped:80", be.port, { maxConnections: 4, maxPendingRequests: 8 }),
      limited("ns/queue1:80", be.port, { maxConnections: 1, maxPendingRequests: 1 }),
      { ...cluster("ns/h2:80", [endpoint(h2be.port)], "h2c"), limits: { maxRequests: 2 } },
    ]), tables([
      { matches: [prefix("/capped")], backends: [backend("ns/capped:80")] },
      { matches: [prefix("/queue1")], backends: [backend("ns/queue1:80")] },
      { matches: [prefix("/h2")], backends: [backend("ns/h2:80")] },
    ]), { limits: { bodyIdleTimeoutMs: 5_000 } });
    defaults = await startProxy(meshIR([cluster("ns/d:80", [endpoint(be.port)])]), tables([{ matches: [prefix("/")], backends: [backend("ns/d:80")] }]), {
      limits: { backendMaxConnections: 2, backendMaxPendingRequests: 0, bodyIdleTimeoutMs: 300 },
    });
  });
  afterAll(async () => {
    await Promise.all([proxy.close(), defaults.close()]);
    be.server.closeAllConnections();
    be.server.close();
    await h2be.close();
  });

  it("30 clients trickling POST bodies: at most 4 upstream connections, 8 queued, the other 18 get 503 upstream_overflow", { timeout: 20_000 }, async () => {
    const before = be.accepted;
    be.maxOpen = be.open;
    const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => trickle(proxy.port, `/capped/${i}`, 8, 40)));
    const statuses = answers.map(status);
    expect(statuses.filter((s) => s === "503")).toHaveLength(18);
    expect(statuses.filter((s) => s === "200")).toHaveLength(12);
    for (const a of answers.filter((x) => status(x) === "503")) expect(a).toContain("x-weft-error: upstream_overflow");
    expect(be.accepted - before).toBeLessThanOrEqual(4);
    expect(be.maxOpen).toBeLessThanOrEqual(4);
  });

  it("a queued request whose client leaves gives its place back", async () => {
    const holder = h1(proxy.port, "/queue1/slow/a");
    await until(() => proxy.engine.backendLoad("ns/queue1:80").connections === 1);
    const leaver = connect(proxy.port, "127.0.0.1");
    leaver.on("error", () => {});
    leaver.write("GET /queue1/b HTTP/1.1\r\nHost: x\r\n\r\n");
    // The queue (1 place) is full now: a third request overflows…
    await until(() => proxy.engine.backendLoad("ns/queue1:80").waiting === 1);
    expect(proxy.engine.backendLoad("ns/queue1:80")).toEqual({ active: 1, connections: 1, waiting: 1 });
    const full = await h1(proxy.port, "/queue1/c");
    expect(full.status).toBe(503);
    expect(full.headers["x-weft-error"]).toBe("upstream_overflow");
    // …until the queued client goes away: then the next request takes the place and is served.
    leaver.destroy();
    await until(() => proxy.engine.backendLoad("ns/queue1:80").waiting === 0);
    const next = h1(proxy.port, "/queue1/d");
    expect((await holder).status).toBe(200);
    expect((await next).status).toBe(200);
  });

  it("h2c: requests in flight past maxRequests get 503 upstream_overflow", async () => {
    const s = h2session(proxy.port);
    try {
      const rs = await Promise.all(Array.from({ length: 5 }, (_, i) => h2(s, `/h2/${i}`)));
      expect(rs.map((r) => r.status).sort()).toEqual([200, 200, 503, 503, 503]);
      expect(rs.filter((r) => r.status === 503).every((r) => r.headers["x-weft-error"] === "upstream_overflow")).toBe(true);
    } finally {
      s.close();
    }
  });

  it("the engine's defaults apply to a cluster without limits", async () => {
    const rs = await Promise.all([1, 2, 3].map((i) => h1(defaults.port, `/slow/${i}`)));
    expect(rs.map((r) => r.status).sort()).toEqual([200, 200, 503]);
  });

  it("a body that stops arriving: 408 body_timeout, the upstream attempt aborted, its slot free again", async () => {
    const abortedBefore = be.aborted;
    const { data, closed } = await rawUntilClose(defaults.port, "POST /stalled HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc", 5000);
    expect(closed).toBe(true);
    expect(data).toMatch(/^HTTP\/1\.1 408 /);
    expect(data).toContain("x-weft-error: body_timeout");
    await until(() => be.aborted > abortedBefore);
    expect(be.aborted).toBe(abortedBefore + 1);
    const rs = await Promise.all([1, 2].map((i) => h1(defaults.port, `/after/${i}`)));
    expect(rs.map((r) => r.status)).toEqual([200, 200]);
  });
});
