// h2-client-interop: Weft's own HTTP/2 client (pkg/proxy/h2/client-conn.ts through upstream/h2-own-call.ts,
// limits.h2Client "own") against node:http2's server over h2c and TLS, Weft's own server framing
// (pkg/proxy/h2/server-conn.ts), and a @grpc/grpc-js server: headers both ways, bodies both ways, bodies
// far larger than the flow-control windows (both directions), trailers, 1xx answers, gRPC unary and
// streaming, cancellation (the server sees the stream reset), GOAWAY (streams above the last id fail as
// upstream_reset, the connection stops taking streams), the peer's MAX_CONCURRENT_STREAMS (requests past
// it wait, none is refused), many concurrent streams, and a connection failure (upstream_connect).
// Loopback only.
import { createHash } from "node:crypto";
import { createSecureServer, createServer, type Http2SecureServer, type Http2Server, type ServerHttp2Stream } from "node:http2";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { selfSigned } from "../support/certs.ts";
import { grpcFrame, grpcMessages, ownConn, send, type Answer } from "../support/h2-own-client.ts";
import { OWN_BODY, startOwnH2Server, type OwnH2Server } from "../support/h2-own-server.ts";
import { startGrpcEcho, type GrpcEcho } from "./grpc-fixture.ts";
import { refusingPort } from "./fixtures.ts";

const pem = selfSigned(["localhost"]);
let plain: Http2Server;
let secure: Http2SecureServer;
let own: OwnH2Server;
let grpc: GrpcEcho;
const ports = { plain: 0, secure: 0 };
/** Streams the node servers saw reset by the client, by path. */
const cancelled: string[] = [];
/** Request body lengths the /early handler read to their end after answering. */
const earlyBodies: number[] = [];
let limited: Http2Server;
let limitedPort = 0;
let limitedPeak = 0;
let limitedOpen = 0;

function handle(st: ServerHttp2Stream, h: Record<string, unknown>): void {
  const path = String(h[":path"]);
  st.on("close", () => {
    if (st.rstCode !== 0) cancelled.push(path);
  });
  if (path === "/echo") {
    const hash = createHash("sha256");
    const chunks: Buffer[] = [];
    st.on("data", (c: Buffer) => {
      hash.update(c);
      if (h["x-echo"] === "1") chunks.push(c);
    });
    st.on("end", () => {
      st.respond({ ":status": 200, "x-sha": hash.digest("hex"), "x-seen": (h["x-req"] as string | undefined) ?? "" }, { waitForTrailers: true });
      st.on("wantTrailers", () => st.sendTrailers({ "x-trailer": "done" }));
      st.end(Buffer.concat(chunks));
    });
    return;
  }
  if (path.startsWith("/big/")) {
    const n = Number(path.slice(5));
    st.respond({ ":status": 200 });
    st.end(Buffer.alloc(n, 0x61));
    return;
  }
  if (path === "/info") {
    st.additionalHeaders({ ":status": 103, link: "</a.css>; rel=preload" });
    st.respond({ ":status": 200, "set-cookie": ["a=1", "b=2"] });
    st.end("after hints");
    return;
  }
  if (path === "/never") return; // no answer: the client cancels
  if (path === "/early") {
    // Answers at once, then reads the whole request body (the client must go on sending it).
    st.respond({ ":status": 200 });
    st.end("early");
    let n = 0;
    st.on("data", (c: Buffer) => (n += c.length));
    st.on("end", () => earlyBodies.push(n));
    return;
  }
  if (path === "/goaway") {
    // Answers this one, then tells the client no stream above it was processed.
    st.respond({ ":status": 200 });
    st.end("last");
    st.session?.goaway(0, st.id);
    return;
  }
  st.respond({ ":status": 200, "content-type": "text/plain" });
  st.end(`ok ${path}`);
}

beforeAll(async () => {
  plain = createServer();
  plain.on("stream", handle);
  secure = createSecureServer({ cert: pem.certPem, key: pem.keyPem });
  secure.on("stream", handle);
  limited = createServer({ settings: { maxConcurrentStreams: 2 } });
  limited.on("stream", (st) => {
    limitedOpen++;
    limitedPeak = Math.max(limitedPeak, limitedOpen);
    st.on("close", () => limitedOpen--);
    setTimeout(() => {
      st.respond({ ":status": 200 });
      st.end("ok");
    }, 20);
  });
  await Promise.all([plain, secure, limited].map((s) => new Promise<void>((r) => s.listen(0, "127.0.0.1", r))));
  ports.plain = (plain.address() as AddressInfo).port;
  ports.secure = (secure.address() as AddressInfo).port;
  limitedPort = (limited.address() as AddressInfo).port;
  own = await startOwnH2Server();
  grpc = await startGrpcEcho("g");
});

afterAll(async () => {
  await Promise.all([plain, secure, limited].map((s) => new Promise<void>((r) => s.close(() => r()))));
  await own.close();
  await grpc.close();
});

const answer = async (p: Promise<Answer | string>): Promise<Answer> => {
  const a = await p;
  if (typeof a === "string") throw new Error(`request failed: ${a}`);
  return a;
};

describe.each([
  { name: "node:http2 server over h2c", conn: () => ownConn(ports.plain) },
  { name: "node:http2 server over TLS", conn: () => ownConn(ports.secure, { tls: { ca: pem.certPem } }) },
])("own HTTP/2 client against $name", ({ conn }) => {
  it("sends headers and gets the answer's head and body", async () => {
    const c = conn();
    const a = await answer(send(c, { path: "/hello", headers: { "x-req": "1" } }).done);
    expect(a.status).toBe(200);
    expect(a.headers["content-type"]).toBe("text/plain");
    expect(a.body.toString()).toBe("ok /hello");
    c.destroy();
  });

  it("sends a body of 3 MB (past every window) and gets 5 MB back, with trailers", async () => {
    const c = conn();
    const up = Buffer.alloc(3 * 1024 * 1024);
    for (let i = 0; i < up.length; i++) up[i] = i * 7;
    const a = await answer(send(c, { path: "/echo", body: up, headers: { "x-req": "big" } }).done);
    expect(a.headers["x-sha"]).toBe(createHash("sha256").update(up).digest("hex"));
    expect(a.headers["x-seen"]).toBe("big");
    expect(a.trailers?.["x-trailer"]).toBe("done");
    const down = await answer(send(c, { path: `/big/${5 * 1024 * 1024}` }).done);
    expect(down.body.length).toBe(5 * 1024 * 1024);
    expect(down.body.every((b) => b === 0x61)).toBe(true);
    c.destroy();
  });

  it("streams a request body from a Readable and echoes it", async () => {
    const c = conn();
    const parts = Array.from({ length: 40 }, (_, i) => Buffer.alloc(8000, i));
    const a = await answer(send(c, { path: "/echo", headers: { "x-echo": "1" }, body: Readable.from(parts) }).done);
    expect(a.body.equals(Buffer.concat(parts))).toBe(true);
    expect(a.trailers?.["x-trailer"]).toBe("done");
    c.destroy();
  });

  it("an answer complete before the request body: the body still goes out to its end", async () => {
    const c = conn();
    async function* slowly(): AsyncGenerator<Buffer> {
      for (let i = 0; i < 5; i++) {
        await new Promise((r) => setTimeout(r, 20));
        yield Buffer.alloc(1000, i);
      }
    }
    const a = await answer(send(c, { path: "/early", body: Readable.from(slowly()) }).done);
    expect(a.body.toString()).toBe("early");
    await expect.poll(() => earlyBodies.at(-1), { timeout: 3000 }).toBe(5000);
    c.destroy();
  });

  it("skips a 103 and gives the final answer, duplicate set-cookie kept apart", async () => {
    const c = conn();
    const a = await answer(send(c, { path: "/info" }).done);
    expect(a.status).toBe(200);
    expect(a.headers["set-cookie"]).toEqual(["a=1", "b=2"]);
    expect(a.body.toString()).toBe("after hints");
    c.destroy();
  });

  it("cancels a stream when the attempt is aborted: the server sees it reset", async () => {
    const c = conn();
    const sent = send(c, { path: "/never" });
    await new Promise((r) => setTimeout(r, 50));
    sent.call.abort();
    expect(await sent.done).toBe("upstream_reset");
    await expect.poll(() => cancelled.includes("/never"), { timeout: 3000 }).toBe(true);
    cancelled.length = 0;
    // The connection goes on.
    expect((await answer(send(c, { path: "/after" }).done)).body.toString()).toBe("ok /after");
    c.destroy();
  });

  it("runs 300 concurrent streams on one connection", async () => {
    const c = conn();
    const all = await Promise.all(Array.from({ length: 300 }, (_, i) => answer(send(c, { path: `/n${i}` }).done)));
    all.forEach((a, i) => expect(a.body.toString()).toBe(`ok /n${i}`));
    c.destroy();
  });

  it("GOAWAY: the answered stream completes, later ones fail as upstream_reset, the connection takes no more", async () => {
    const c = conn();
    const first = send(c, { path: "/goaway" });
    const a = await answer(first.done);
    expect(a.body.toString()).toBe("last");
    await expect.poll(() => c.closed, { timeout: 3000 }).toBe(true);
    expect(await send(c, { path: "/late" }).done).toBe("upstream_reset");
    c.destroy();
  });
});

describe("own HTTP/2 client against Weft's own server framing", () => {
  it("gets answers and echoes bodies larger than the windows", async () => {
    const c = ownConn(own.port);
    const a = await answer(send(c, { path: "/x" }).done);
    expect(a.body.equals(OWN_BODY)).toBe(true);
    const big = Buffer.alloc(2 * 1024 * 1024, 0x42);
    const e = await answer(send(c, { path: "/echo", body: big }).done);
    expect(e.body.equals(big)).toBe(true);
    c.destroy();
  });
});

describe("own HTTP/2 client: the peer's concurrent-stream limit", () => {
  it("keeps at most MAX_CONCURRENT_STREAMS open and answers every request", async () => {
    const c = ownConn(limitedPort);
    // Once its SETTINGS are in (before them node's default of 100 applies, as node:http2's client does).
    expect((await answer(send(c, { path: "/q" }).done)).status).toBe(200);
    const all = await Promise.all(Array.from({ length: 20 }, () => answer(send(c, { path: "/q" }).done)));
    expect(all.every((a) => a.status === 200)).toBe(true);
    expect(limitedPeak).toBe(2);
    c.destroy();
  });
});

describe("own HTTP/2 client: gRPC (@grpc/grpc-js server)", () => {
  const grpcHeaders = { "content-type": "application/grpc", te: "trailers" };
  it("unary: message and grpc-status in trailers", async () => {
    const c = ownConn(grpc.port);
    const a = await answer(send(c, { path: "/test.Echo/Unary", headers: grpcHeaders, body: grpcFrame({ text: "hi" }) }).done);
    expect(grpcMessages(a.body)).toEqual([{ text: "g:hi" }]);
    expect(a.trailers?.["grpc-status"]).toBe("0");
    expect(a.trailers?.["x-trail"]).toBe("t-g");
    const f = await answer(send(c, { path: "/test.Echo/Fail", headers: grpcHeaders, body: grpcFrame({ text: "x" }) }).done);
    expect(f.trailers?.["grpc-status"] ?? f.headers["grpc-status"]).toBe("5");
    c.destroy();
  });

  it("server streaming and client streaming", async () => {
    const c = ownConn(grpc.port);
    const s = await answer(send(c, { path: "/test.Echo/ServerStream", headers: grpcHeaders, body: grpcFrame({ text: "", n: 4 }) }).done);
    expect(grpcMessages(s.body)).toEqual([0, 1, 2, 3].map((i) => ({ text: `g:${i}` })));
    const parts = Readable.from([grpcFrame({ text: "a" }), grpcFrame({ text: "b" }), grpcFrame({ text: "c" })]);
    const cs = await answer(send(c, { path: "/test.Echo/ClientStream", headers: grpcHeaders, body: parts }).done);
    expect(grpcMessages(cs.body)).toEqual([{ text: "a+b+c" }]);
    expect(cs.trailers?.["grpc-status"]).toBe("0");
    c.destroy();
  });

  it("cancellation reaches the server", async () => {
    const c = ownConn(grpc.port);
    const before = grpc.cancelled;
    const sent = send(c, { path: "/test.Echo/Slow", headers: grpcHeaders, body: grpcFrame({ text: "x" }) });
    await expect.poll(() => grpc.calls > 0, { timeout: 3000 }).toBe(true);
    await new Promise((r) => setTimeout(r, 50));
    sent.call.abort();
    expect(await sent.done).toBe("upstream_reset");
    await expect.poll(() => grpc.cancelled, { timeout: 3000 }).toBe(before + 1);
    c.destroy();
  });
});

describe("own HTTP/2 client: connection failure", () => {
  it("a refused connection fails its requests as upstream_connect", async () => {
    const c = ownConn(await refusingPort());
    expect(await send(c, { path: "/" }).done).toBe("upstream_connect");
    expect(c.closed).toBe(true);
  });
});
