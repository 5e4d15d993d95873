// The HTTP/1.1 upstream pool's idle connections (pkg/proxy/upstream/pool-h1.ts), with an injected clock:
// at most maxIdlePerEndpoint (64 by default, 256 before) idle per endpoint after a burst, the most
// recently used one reused first, the surplus (all but the warmIdlePerEndpoint most recent) closed after
// surplusIdleMs, the warm ones after idleMs; a queued open (mesh connections) past maxConnectingPerEndpoint
// connections being opened takes a connection that comes back instead of dialling. Each open connection
// costs memory on both sides of the hop (docs/proxy.md "Memory").
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { connect, type AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { classify, type UpstreamRequest } from "../../pkg/proxy/upstream/upstream.ts";
import { createH1Pool, plainDial, type Dialed, type H1PoolOptions } from "../../pkg/proxy/upstream/pool-h1.ts";
import { sendH1 } from "../../pkg/proxy/upstream/upstream-h1.ts";
import { until } from "./fixtures.ts";

const closers: (() => void)[] = [];
afterEach(() => {
  for (const c of closers.splice(0)) c();
});

/** An origin that holds every answer until the test lets it go; it notes each request's client port. */
async function holdingOrigin(): Promise<{ port: number; held: { res: ServerResponse; from: number }[]; ports: number[]; open: () => number }> {
  const held: { res: ServerResponse; from: number }[] = [];
  const ports: number[] = [];
  let open = 0;
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    ports.push(req.socket.remotePort ?? 0);
    held.push({ res, from: req.socket.remotePort ?? 0 });
  });
  server.on("connection", (s) => {
    open++;
    s.on("close", () => open--);
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  closers.push(() => {
    server.closeAllConnections();
    server.close();
  });
  return { port: (server.address() as AddressInfo).port, held, ports, open: () => open };
}

const get: UpstreamRequest = { method: "GET", path: "/", authority: "origin.test", headers: {}, body: undefined };

function poolWithClock(o: H1PoolOptions = {}) {
  let t = 1_000_000;
  const pool = createH1Pool({ connectTimeoutMs: 2000, ...o, now: () => t });
  closers.push(() => pool.close());
  return { pool, advance: (ms: number) => (t += ms) };
}

/** Sends `n` requests at once; resolves when the origin holds all of them. */
async function burst(pool: ReturnType<typeof createH1Pool>, port: number, origin: { held: unknown[] }, n: number) {
  const { key, dial } = plainDial("127.0.0.1", port);
  const before = origin.held.length;
  const answers = Array.from({ length: n }, () => sendH1(pool, key, dial, get, classify).response);
  await until(() => origin.held.length === before + n, 5000);
  return { key, answers };
}

/** Answers the held requests one by one, in order, each body read to its end (so its connection goes idle in that order). */
async function answerInOrder(origin: { held: { res: ServerResponse }[] }, answers: Promise<{ body: NodeJS.ReadableStream }>[]) {
  for (const [i, h] of origin.held.splice(0).entries()) {
    h.res.end("ok");
    const r = await answers[i]!;
    for await (const _ of r.body) { /* drain */ }
  }
}

describe("HTTP/1.1 upstream pool: idle connections", () => {
  it("keeps at most 64 idle connections per endpoint by default; the rest close when released", async () => {
    const origin = await holdingOrigin();
    const { pool } = poolWithClock();
    const { key, answers } = await burst(pool, origin.port, origin, 70);
    await answerInOrder(origin, answers);
    expect(pool.idleOf(key)).toBe(64);
    await until(() => origin.open() === 64, 5000);
    expect(origin.open()).toBe(64);
  });

  it("reuses the most recently released connection first", async () => {
    const origin = await holdingOrigin();
    const { pool } = poolWithClock();
    const { key, answers } = await burst(pool, origin.port, origin, 3);
    const order = origin.held.map((h) => h.from);
    await answerInOrder(origin, answers);
    const next = sendH1(pool, key, plainDial("127.0.0.1", origin.port).dial, get, classify).response;
    await until(() => origin.held.length === 1, 5000);
    // The last one answered went idle last: it is on top of the stack.
    expect(origin.held[0]!.from).toBe(order[2]);
    origin.held.splice(0)[0]!.res.end("ok");
    for await (const _ of (await next).body) { /* drain */ }
  });

  it("closes the surplus idle connections after surplusIdleMs and the warm ones after idleMs", async () => {
    const origin = await holdingOrigin();
    const { pool, advance } = poolWithClock({ warmIdlePerEndpoint: 2, surplusIdleMs: 5_000, idleMs: 30_000 });
    const { key, answers } = await burst(pool, origin.port, origin, 6);
    const order = origin.held.map((h) => h.from);
    await answerInOrder(origin, answers);
    expect(pool.idleOf(key)).toBe(6);
    advance(4_000);
    pool.sweep();
    expect(pool.idleOf(key)).toBe(6);
    advance(2_000);
    pool.sweep();
    // The two released last stay warm; the four a burst left are closed.
    expect(pool.idleOf(key)).toBe(2);
    await until(() => origin.open() === 2, 5000);
    expect(origin.open()).toBe(2);
    const next = sendH1(pool, key, plainDial("127.0.0.1", origin.port).dial, get, classify).response;
    await until(() => origin.held.length === 1, 5000);
    expect(origin.held[0]!.from).toBe(order[5]);
    origin.held.splice(0)[0]!.res.end("ok");
    for await (const _ of (await next).body) { /* drain */ }
    advance(30_001);
    pool.sweep();
    expect(pool.idleOf(key)).toBe(0);
    await until(() => origin.open() === 0, 5000);
    expect(origin.open()).toBe(0);
  });

  it("keeps a key's emptied idle stack for the next release and drops it at the next sweep", async () => {
    const origin = await holdingOrigin();
    const { pool, advance } = poolWithClock();
    const { key, answers } = await burst(pool, origin.port, origin, 1);
    await answerInOrder(origin, answers);
    expect(pool.idleOf(key)).toBe(1);
    // Taking the only idle connection leaves the key's (empty) stack in place: no new one per request.
    const next = sendH1(pool, key, plainDial("127.0.0.1", origin.port).dial, get, classify).response;
    await until(() => origin.held.length === 1, 5000);
    expect(pool.idleOf(key)).toBe(0);
    expect(pool.keysHeld()).toBe(1);
    // A sweep drops stacks left empty, so keys of endpoints that went away do not pile up.
    pool.sweep();
    expect(pool.keysHeld()).toBe(0);
    origin.held.splice(0)[0]!.res.end("ok");
    for await (const _ of (await next).body) { /* drain */ }
    // The connection comes back to a new stack and is reused from it.
    expect(pool.idleOf(key)).toBe(1);
    expect(pool.keysHeld()).toBe(1);
    advance(30_001);
    pool.sweep();
    expect(pool.idleOf(key)).toBe(0);
    pool.sweep();
    expect(pool.keysHeld()).toBe(0);
  });

  it("a queued open waits while maxConnectingPerEndpoint connections are being opened, and takes one that comes back", async () => {
    const origin = await holdingOrigin();
    const { pool } = poolWithClock({ maxConnectingPerEndpoint: 1 });
    // One kept-alive connection, busy with request A.
    const warmUp = await burst(pool, origin.port, origin, 1);
    await answerInOrder(origin, warmUp.answers);
    const { key, dial } = plainDial("127.0.0.1", origin.port);
    const a = sendH1(pool, key, dial, get, classify, true);
    await until(() => origin.held.length === 1, 5000);
    const portOfA = origin.held[0]!.from;
    // B's connection is being opened and never becomes ready (a TLS handshake that does not end).
    const stuck: Dialed = { socket: connect({ host: "127.0.0.1", port: origin.port }), ready: "secureConnect" };
    const b = sendH1(pool, key, () => stuck, get, classify, true);
    b.response.catch(() => {});
    // C waits: one connection of the key is being opened already.
    let dialledForC = 0;
    const c = sendH1(pool, key, () => (dialledForC++, dial()), get, classify, true);
    expect(pool.idleOf(key)).toBe(0);
    origin.held.splice(0)[0]!.res.end("a");
    for await (const _ of (await a.response).body) { /* drain */ }
    // A's connection goes to C.
    await until(() => origin.held.length === 1, 5000);
    expect(origin.held[0]!.from).toBe(portOfA);
    expect(dialledForC).toBe(0);
    origin.held.splice(0)[0]!.res.end("c");
    for await (const _ of (await c.response).body) { /* drain */ }
    b.abort();
  });
});
