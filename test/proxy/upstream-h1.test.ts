// The HTTP/1.1 upstream (pkg/proxy/upstream/upstream-h1.ts over pool-h1 and h1-upstream-conn) on its own: a
// kept-alive connection the peer closed before answering fails marked stale, never sent again here (the
// stack decides and counts it); trailers and streamed bodies pass through; HEAD answers, 1xx
// interim answers and close-delimited bodies are framed right; a garbage answer is upstream_reset and the
// connection is not reused; abort() frees the upstream request and the pool lets go of its connection; a
// refused endpoint leaves nothing behind.
import { createServer, type Server } from "node:http";
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from "node:net";
import { Readable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { createH1Pool } from "../../pkg/proxy/upstream/pool-h1.ts";
import { H2Pool } from "../../pkg/proxy/upstream/pool-h2.ts";
import { ProxyFailureError } from "../../pkg/proxy/rescue.ts";
import { Upstream, type UpstreamRequest } from "../../pkg/proxy/upstream/upstream.ts";

const servers: Server[] = [];
const closers: (() => void)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) c();
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }
});

async function listen(s: Server): Promise<number> {
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  return (s.address() as AddressInfo).port;
}

function upstreamOf() {
  const pool = createH1Pool({ connectTimeoutMs: 2000 });
  closers.push(() => pool.close());
  return { pool, up: new Upstream(pool, new H2Pool(), 2000) };
}

async function listenNet(s: NetServer): Promise<number> {
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  closers.push(() => s.close());
  return (s.address() as AddressInfo).port;
}

async function text(body: Readable): Promise<string> {
  const parts: Buffer[] = [];
  for await (const c of body) parts.push(c as Buffer);
  return Buffer.concat(parts).toString();
}

const get = (path: string, extra: Partial<UpstreamRequest> = {}): UpstreamRequest => ({ method: "GET", path, authority: "origin.test", headers: { "x-a": "1" }, body: undefined, ...extra });

/** Answers the first request on each connection; from the second on, closes the socket unanswered. */
async function closesReusedConnections(): Promise<{ port: number; seen: string[] }> {
  const seen: string[] = [];
  const perSocket = new WeakMap<Socket, number>();
  const s = createServer((req, res) => {
    const n = (perSocket.get(req.socket) ?? 0) + 1;
    perSocket.set(req.socket, n);
    seen.push(`${req.method} ${req.url} #${n}`);
    req.resume();
    req.on("end", () => {
      if (n > 1) req.socket.destroy();
      else res.end(`ok ${req.url} host=${req.headers.host} x-a=${String(req.headers["x-a"])}`);
    });
  });
  s.keepAliveTimeout = 60_000;
  return { port: await listen(s), seen };
}

describe("HTTP/1.1 upstream", () => {
  it("a reused connection closed unanswered fails once, marked stale: sending again is the caller's decision", async () => {
    const { port, seen } = await closesReusedConnections();
    const { up } = upstreamOf();
    const target = { address: "127.0.0.1", port, protocol: "http1" as const };
    const first = await up.send(target, get("/one")).response;
    expect(await text(first.body)).toBe("ok /one host=origin.test x-a=1");
    const err = await up.send(target, get("/two")).response.then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(ProxyFailureError);
    expect((err as ProxyFailureError).kind).toBe("upstream_reset");
    expect((err as ProxyFailureError).staleConnection).toBe(true);
    expect(seen).toEqual(["GET /one #1", "GET /two #2"]);
    const fresh = await up.send(target, get("/three")).response;
    expect(await text(fresh.body)).toBe("ok /three host=origin.test x-a=1");
    expect(seen).toEqual(["GET /one #1", "GET /two #2", "GET /three #1"]);
  });

  it("never replays a streamed body or a POST: the failure surfaces as upstream_reset", async () => {
    const { port, seen } = await closesReusedConnections();
    const { up } = upstreamOf();
    const target = { address: "127.0.0.1", port, protocol: "http1" as const };
    await text((await up.send(target, get("/warm")).response).body);
    const post = up.send(target, { ...get("/post"), method: "POST", body: Readable.from([Buffer.from("payload")]) });
    const err = await post.response.then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(ProxyFailureError);
    expect((err as ProxyFailureError).kind).toBe("upstream_reset");
    expect(seen.filter((l) => l.startsWith("POST"))).toEqual(["POST /post #2"]);
  });

  it("streams a request body in and a chunked answer with trailers out", async () => {
    const s = createServer((req, res) => {
      const parts: Buffer[] = [];
      req.on("data", (c: Buffer) => parts.push(c));
      req.on("end", () => {
        res.writeHead(200, { "content-type": "text/plain", trailer: "x-sum" });
        res.write("got:");
        res.write(Buffer.concat(parts));
        res.addTrailers({ "x-sum": String(Buffer.concat(parts).length) });
        res.end();
      });
    });
    const port = await listen(s);
    const { up } = upstreamOf();
    const chunks = ["a".repeat(70_000), "b".repeat(5)].map((x) => Buffer.from(x));
    const res = await up.send({ address: "127.0.0.1", port, protocol: "http1" }, { ...get("/up"), method: "PUT", body: Readable.from(chunks) }).response;
    const body = await text(res.body);
    expect(body).toBe(`got:${"a".repeat(70_000)}bbbbb`);
    expect(res.trailers()?.["x-sum"]).toBe("70005");
  });

  it("frames a streamed body without Content-Length as chunks: size line, data, CRLF each, then the last chunk", async () => {
    let got = Buffer.alloc(0);
    const s = createNetServer((sock: Socket) => {
      sock.on("data", (d: Buffer) => {
        got = Buffer.concat([got, d]);
        if (got.includes("0\r\n\r\n")) sock.end("HTTP/1.1 204 No Content\r\n\r\n");
      });
    });
    const port = await listenNet(s);
    const { up } = upstreamOf();
    const chunks = ["a".repeat(70_000), "", "b".repeat(5)].map((x) => Buffer.from(x));
    const res = await up.send({ address: "127.0.0.1", port, protocol: "http1" }, { ...get("/up"), method: "PUT", body: Readable.from(chunks) }).response;
    expect(res.status).toBe(204);
    const wire = got.toString("latin1");
    expect(wire).toMatch(/\r\ntransfer-encoding: chunked\r\n/);
    expect(wire.slice(wire.indexOf("\r\n\r\n") + 4)).toBe(`11170\r\n${"a".repeat(70_000)}\r\n5\r\nbbbbb\r\n0\r\n\r\n`);
  });

  it("abort() before the answer closes the upstream request", async () => {
    let closed!: () => void;
    const gone = new Promise<void>((r) => {
      closed = r;
    });
    let arrived!: () => void;
    const reached = new Promise<void>((r) => {
      arrived = r;
    });
    const s = createServer((req) => {
      req.socket.once("close", () => closed());
      arrived();
    });
    const port = await listen(s);
    const { pool, up } = upstreamOf();
    const attempt = up.send({ address: "127.0.0.1", port, protocol: "http1" }, get("/slow"));
    let state = "pending";
    attempt.response.then(() => {
      state = "resolved";
    }, () => {
      state = "rejected";
    });
    await reached;
    attempt.abort();
    await gone;
    await new Promise((r) => setImmediate(r));
    // Settling after abort is not required; if it did settle it must not be a success.
    expect(state).not.toBe("resolved");
    // The pool let go of the aborted connection (evict() is asked about every connection it holds).
    const held: string[] = [];
    pool.evict((key) => {
      held.push(key);
      return false;
    });
    expect(held).toEqual([]);
  });

  it("a refused endpoint is upstream_connect and leaves no connection behind", async () => {
    const s = createServer(() => {});
    const port = await listen(s);
    servers.pop();
    await new Promise<void>((r) => s.close(() => r()));
    const { pool, up } = upstreamOf();
    for (let i = 0; i < 2; i++) {
      const err = await up.send({ address: "127.0.0.1", port, protocol: "http1" }, get("/")).response.then(() => undefined, (e: unknown) => e);
      expect((err as ProxyFailureError).kind).toBe("upstream_connect");
    }
    expect(pool.idleCount()).toBe(0);
  });

  it("keeps one connection for sequential requests and hands it back only after a clean exchange", async () => {
    const sockets = new Set<Socket>();
    const s = createServer((req, res) => {
      sockets.add(req.socket);
      res.end(`n=${sockets.size}`);
    });
    const port = await listen(s);
    const { pool, up } = upstreamOf();
    const target = { address: "127.0.0.1", port, protocol: "http1" as const };
    for (let i = 0; i < 3; i++) expect(await text((await up.send(target, get(`/${i}`)).response).body)).toBe("n=1");
    expect(pool.idleCount()).toBe(1);
  });

  it("HEAD answers carry no body even with a Content-Length; 1xx interim answers are skipped", async () => {
    const s = createNetServer((sock) => {
      let buf = "";
      sock.on("data", (d: Buffer) => {
        buf += d.toString("latin1");
        while (buf.includes("\r\n\r\n")) {
          const head = buf.slice(0, buf.indexOf("\r\n\r\n"));
          buf = buf.slice(buf.indexOf("\r\n\r\n") + 4);
          if (head.startsWith("HEAD")) sock.write("HTTP/1.1 200 OK\r\ncontent-length: 5000\r\nx-h: 1\r\n\r\n");
          else sock.write("HTTP/1.1 103 Early Hints\r\nlink: </a.css>\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok");
        }
      });
    });
    const port = await listenNet(s);
    const { up } = upstreamOf();
    const target = { address: "127.0.0.1", port, protocol: "http1" as const };
    const head = await up.send(target, { ...get("/"), method: "HEAD" }).response;
    expect(head.headers["x-h"]).toBe("1");
    expect(await text(head.body)).toBe("");
    const after = await up.send(target, get("/")).response;
    expect(after.status).toBe(200);
    expect(await text(after.body)).toBe("ok");
  });

  it("a body delimited by the peer closing is delivered whole; garbage is upstream_reset", async () => {
    const s = createNetServer((sock) => {
      sock.once("data", (d: Buffer) => {
        if (d.toString("latin1").startsWith("GET /close")) sock.end("HTTP/1.1 200 OK\r\nconnection: close\r\n\r\nuntil-eof");
        else sock.end("SMTP ready\r\n\r\n");
      });
    });
    const port = await listenNet(s);
    const { pool, up } = upstreamOf();
    const target = { address: "127.0.0.1", port, protocol: "http1" as const };
    expect(await text((await up.send(target, get("/close")).response).body)).toBe("until-eof");
    const err = await up.send(target, get("/junk")).response.then(() => undefined, (e: unknown) => e);
    expect((err as ProxyFailureError).kind).toBe("upstream_reset");
    expect(pool.idleCount()).toBe(0);
  });

  it("a header value with CR/LF, or a target with whitespace, is refused before anything is sent", async () => {
    let reached = 0;
    const s = createServer((_req, res) => {
      reached++;
      res.end();
    });
    const port = await listen(s);
    const { up } = upstreamOf();
    const err = await up.send({ address: "127.0.0.1", port, protocol: "http1" }, { ...get("/"), headers: { "x-a": "1\r\nx-injected: yes" } }).response.then(() => undefined, (e: unknown) => e);
    expect((err as ProxyFailureError).kind).toBe("internal");
    const split = await up.send({ address: "127.0.0.1", port, protocol: "http1" }, get("/a HTTP/1.1\r\nx-injected: yes\r\n\r\nGET /b")).response.then(() => undefined, (e: unknown) => e);
    expect((split as ProxyFailureError).kind).toBe("internal");
    expect(reached).toBe(0);
  });
});
