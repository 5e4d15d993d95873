// h2-client-lifecycle: Weft's own HTTP/2 client (pkg/proxy/h2/client-conn.ts) at the edges of a
// connection's life — stream ids running out (the connection takes no new stream once every id left is
// spoken for, its queued requests still go out on it, and the pool opens a new connection: no request is
// lost), a graceful close with requests queued (they go out first, then our GOAWAY), the connect timeout (TCP, TLS and the server's SETTINGS: a peer that accepts and never speaks
// HTTP/2 fails the request as upstream_connect, as one that closes before its SETTINGS does), and the
// session memory bound (a server that floods frames the client must answer and never reads: the client
// stops reading once its unwritten output passes maxSessionMemory, and goes on when the server reads).
// Loopback only; every exchange is bounded by a deadline.
import { createServer as createH2, type Http2Server, type Http2Session, type ServerHttp2Session } from "node:http2";
import { createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import type { H2ClientConn } from "../../pkg/proxy/h2/client-conn.ts";
import { PING, SETTINGS } from "../../pkg/proxy/h2/frames.ts";
import { ProxyFailureError } from "../../pkg/proxy/rescue.ts";
import { createH1Pool } from "../../pkg/proxy/upstream/pool-h1.ts";
import { H2Pool } from "../../pkg/proxy/upstream/pool-h2.ts";
import { Upstream, watchOwnConn } from "../../pkg/proxy/upstream/upstream.ts";
import { frame } from "../support/h2-frames.ts";
import { ownConn, send } from "../support/h2-own-client.ts";

const LAST_ID = 0x7fffffff;
const closers: (() => void)[] = [];
afterEach(() => {
  for (const c of closers.splice(0)) c();
});
afterAll(() => {
  for (const c of closers.splice(0)) c();
});

const listen = async (s: Server | Http2Server): Promise<number> => {
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  return (s.address() as AddressInfo).port;
};

function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  const late = new Promise<never>((_, reject) => {
    setTimeout(() => reject(new Error(`${what}: no outcome in ${ms} ms`)), ms).unref();
  });
  return Promise.race([p, late]);
}

describe("own HTTP/2 client: stream ids running out", () => {
  it("takes no new stream once every id left is spoken for; queued requests go out on it, later ones on a new connection", async () => {
    // Two streams at a time: the requests past them wait in the connection's queue.
    const server = createH2({ settings: { maxConcurrentStreams: 2 } });
    const sessions = new Set<ServerHttp2Session>();
    const idsBySession = new Map<Http2Session, number[]>();
    server.on("session", (s) => {
      sessions.add(s);
      idsBySession.set(s, []);
    });
    server.on("stream", (st) => {
      idsBySession.get(st.session!)!.push(st.id!);
      st.respond({ ":status": 200 });
      setTimeout(() => st.end(`id ${st.id}`), 5);
    });
    const port = await listen(server);
    closers.push(() => {
      for (const s of sessions) s.destroy();
      server.close();
    });

    const pool = new H2Pool();
    closers.push(() => pool.destroy());
    const conns: H2ClientConn[] = [];
    const connect = (): H2ClientConn => {
      const c = ownConn(port);
      // The first connection starts with four ids left: LAST_ID - 6, LAST_ID - 4, LAST_ID - 2, LAST_ID.
      if (conns.length === 0) c.skipIdsTo(LAST_ID - 6);
      conns.push(c);
      return c;
    };
    const first = pool.get("k", connect, watchOwnConn);
    await expect.poll(() => first.connected, { timeout: 3000 }).toBe(true);

    // Two open at once, two queued (the last ids), two on a new connection.
    const sent = Array.from({ length: 6 }, () => send(pool.get("k", connect, watchOwnConn)).done);
    const answers = await within(Promise.all(sent), 5000, "six requests");
    expect(answers.map((a) => (typeof a === "string" ? a : a.status))).toEqual([200, 200, 200, 200, 200, 200]);
    expect(conns.length).toBe(2);
    const ids = [...idsBySession.values()].sort((a, b) => b.length - a.length);
    expect(ids).toEqual([[LAST_ID - 6, LAST_ID - 4, LAST_ID - 2, LAST_ID], [1, 3]]);
    // The spent connection ends once its streams are done; the new one stays in the pool.
    await expect.poll(() => first.destroyed, { timeout: 3000 }).toBe(true);
    expect(pool.live("k")).toBe(conns[1]);
  });
});

describe("own HTTP/2 client: graceful close", () => {
  it("close() with requests queued for the peer's stream limit: they still go out and are answered, then the connection ends", async () => {
    const server = createH2({ settings: { maxConcurrentStreams: 1 } });
    const sessions = new Set<ServerHttp2Session>();
    server.on("session", (s) => sessions.add(s));
    server.on("stream", (st) => {
      st.respond({ ":status": 200 });
      setTimeout(() => st.end("ok"), 5);
    });
    const port = await listen(server);
    closers.push(() => {
      for (const s of sessions) s.destroy();
      server.close();
    });
    const c = ownConn(port);
    closers.push(() => c.destroy());
    await expect.poll(() => c.connected, { timeout: 3000 }).toBe(true);
    const sent = Array.from({ length: 3 }, () => send(c).done);
    c.close();
    const answers = await within(Promise.all(sent), 5000, "three requests");
    expect(answers.map((a) => (typeof a === "string" ? a : a.status))).toEqual([200, 200, 200]);
    await expect.poll(() => c.destroyed, { timeout: 3000 }).toBe(true);
  });
});

describe("own HTTP/2 client: connect timeout", () => {
  const attempt = async (port: number): Promise<string> => {
    const up = new Upstream(createH1Pool(), new H2Pool(), 300, "own");
    const a = up.send({ address: "127.0.0.1", port, protocol: "h2" }, { method: "GET", path: "/", authority: "x", headers: {}, body: undefined });
    try {
      await within(a.response, 3000, "request to a silent peer");
      return "answered";
    } catch (e) {
      if (e instanceof ProxyFailureError) return e.kind;
      throw e;
    }
  };

  it("a peer that accepts and never sends its SETTINGS fails the request as upstream_connect", async () => {
    const socks = new Set<Socket>();
    const server = createServer((s) => {
      socks.add(s);
      s.on("error", () => {});
      s.resume(); // reads the preface and the request, answers nothing
    });
    const port = await listen(server);
    closers.push(() => {
      for (const s of socks) s.destroy();
      server.close();
    });
    expect(await attempt(port)).toBe("upstream_connect");
  });

  it("a peer that closes before its SETTINGS fails the request as upstream_connect", async () => {
    const server = createServer((s) => {
      s.on("error", () => {});
      s.once("data", () => s.destroy());
    });
    const port = await listen(server);
    closers.push(() => server.close());
    expect(await attempt(port)).toBe("upstream_connect");
  });
});

describe("own HTTP/2 client: session memory", () => {
  it("stops reading while its unwritten output is past maxSessionMemory, and goes on when the peer reads", async () => {
    const limit = 256 * 1024;
    const pings = Buffer.concat(Array.from({ length: 4096 }, () => frame(PING, 0, 0, Buffer.alloc(8))));
    let peer: Socket | undefined;
    let flooding = true;
    let sent = 0;
    const server = createServer((s) => {
      peer = s;
      s.on("error", () => {});
      s.pause(); // never reads: the client's PING ACKs back up
      s.write(frame(SETTINGS, 0, 0, Buffer.alloc(0)));
      const flood = (): void => {
        while (flooding && sent < 64 * 1024 * 1024) {
          sent += pings.length;
          if (!s.write(pings)) return void s.once("drain", flood);
        }
      };
      flood();
    });
    const port = await listen(server);
    closers.push(() => {
      flooding = false;
      peer?.destroy();
      server.close();
    });
    // ACKs are not limited here, so that only the session memory bounds what the client holds.
    const c = ownConn(port, { limits: { maxSessionMemory: limit, maxOutboundAcks: 1e9 } });
    closers.push(() => c.destroy());
    await expect.poll(() => c.socket.isPaused(), { timeout: 5000 }).toBe(true);
    // Paused: the flood stops getting through, and what the client holds stays near the limit (one read's ACKs past it at most).
    const held = c.memory();
    expect(held).toBeGreaterThan(limit);
    await new Promise((r) => setTimeout(r, 200));
    expect(c.socket.isPaused()).toBe(true);
    expect(c.memory()).toBe(held);
    expect(c.memory()).toBeLessThan(limit + 512 * 1024);
    expect(c.destroyed).toBe(false);
    // The peer reads again: the client's output drains and it reads on.
    flooding = false;
    peer!.resume();
    await expect.poll(() => c.socket.isPaused(), { timeout: 5000 }).toBe(false);
    expect(c.destroyed).toBe(false);
  });
});
