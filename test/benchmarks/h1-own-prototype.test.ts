// The own-HTTP/1.1-parsing benchmark prototype (benchmarks/proxy/h1-own/, bench-h1-own-minimal.ts) is only
// measured if it does the same work as the llhttp floor: its head parser gives the request line, the status
// and the fields as received, finds a head split anywhere as incomplete, refuses the framing conflicts the
// floor's strict parser refuses, and its body scanner finds the end of a chunked body fed a byte at a time;
// through its pass-through (both sides reading into one reused buffer) pipelined requests with and without
// bodies, chunked both ways, get the origin's answers in order, `connection` dropped, `x-forwarded-for` added.
// Sanity for a benchmark, not the conformance a production parser would need (RFC 9112 rejections, fuzzing).
import { createServer, type Server } from "node:http";
import { connect, createServer as netServer, type AddressInfo, type Server as NetServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BodyScan, parseHead } from "../../benchmarks/proxy/h1-own/h1-scan.ts";
import { passThrough } from "../../benchmarks/proxy/h1-own/pass-through.ts";
import { UserBufferReads } from "../../pkg/proxy/h1/user-buffer-reads.ts";

const bytes = (s: string) => Buffer.from(s, "latin1");

describe("h1-own prototype: heads", () => {
  const req = "GET /a?b=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nX-Y:  z \r\n\r\nabc";

  it("gives the request line, the fields as received and the framing", () => {
    const b = bytes(req);
    expect(parseHead(b, 0, b.length, true, false)).toEqual({ method: "GET", target: "/a?b=1", status: 0, fields: ["Host", "x", "Content-Length", "3", "X-Y", "z"], end: b.length - 3, bodyKind: 1,
      length: 3 });
  });

  it("finds a head cut anywhere incomplete", () => {
    const b = bytes(req);
    for (let cut = 1; cut < b.length - 3; cut++) expect(parseHead(b, 0, cut, true, false)).toBeNull();
  });

  it("gives the status, chunked framing, and no body after HEAD or for 204/304", () => {
    const b = bytes("HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n");
    expect(parseHead(b, 0, b.length, false, false)).toMatchObject({ status: 204, bodyKind: 0 });
    const c = bytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
    expect(parseHead(c, 0, c.length, false, false)).toMatchObject({ status: 200, bodyKind: 2 });
    expect(parseHead(c, 0, c.length, false, true)).toMatchObject({ status: 200, bodyKind: 0 });
  });

  it.each([
    ["Content-Length with Transfer-Encoding", "POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"],
    ["differing Content-Lengths", "POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n"],
    ["a bare LF", "GET / HTTP/1.1\nHost: x\r\n\r\n"],
    ["a space before the colon", "GET / HTTP/1.1\r\nHost : x\r\n\r\n"],
    ["no version", "GET /\r\n\r\n"],
    ["a bad Content-Length", "POST / HTTP/1.1\r\nContent-Length: 1x\r\n\r\n"],
  ])("refuses %s", (_name, text) => {
    const b = bytes(text);
    expect(parseHead(b, 0, b.length, true, false)).toBeUndefined();
  });
});

describe("h1-own prototype: body scan", () => {
  const body = "3;ext=1\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\nTrailer: t\r\n\r\n";

  it("finds the end of a chunked body fed a byte at a time, and only there", () => {
    const s = new BodyScan();
    s.begin({ method: "", target: "", status: 200, fields: [], end: 0, bodyKind: 2, length: 0 });
    const b = bytes(`${body}NEXT`);
    for (let i = 0; i < body.length - 1; i++) expect(s.scan(b, i, i + 1)).toBe(-1);
    expect(s.scan(b, body.length - 1, b.length)).toBe(body.length);
    expect(s.done).toBe(true);
  });

  it("refuses a chunk whose data is not followed by CRLF", () => {
    const s = new BodyScan();
    s.begin({ method: "", target: "", status: 200, fields: [], end: 0, bodyKind: 2, length: 0 });
    const b = bytes("3\r\nabcd\r\n");
    expect(s.scan(b, 0, b.length)).toBe(-2);
  });
});

describe("h1-own prototype: pass-through", () => {
  let origin: Server;
  let front: NetServer;
  let port = 0;

  beforeAll(async () => {
    origin = createServer((req, res) => {
      let body = "";
      req.setEncoding("latin1");
      req.on("data", (d: string) => (body += d));
      req.on("end", () => {
        const seen = `${req.method} ${req.url} body=${body} xff=${String(req.headers["x-forwarded-for"])} conn=${String(req.headers.connection)}`;
        // The first answer comes late: the pipelined ones behind it must still come after it.
        if (req.url === "/one") setTimeout(() => res.writeHead(200, { "content-length": Buffer.byteLength(seen) }).end(seen), 30);
        else if (req.url === "/chunked") {
          res.writeHead(200, { "x-seen": seen });
          res.write("hello ");
          res.end("world");
        } else res.writeHead(200, { "content-length": Buffer.byteLength(seen), connection: "keep-alive" }).end(seen);
      });
    });
    await new Promise<void>((r) => origin.listen(0, "127.0.0.1", r));
    const originPort = (origin.address() as AddressInfo).port;
    const readBuf = Buffer.allocUnsafe(65_536);
    const serve = passThrough({
      dial: (feed) => connect({ port: originPort, host: "127.0.0.1", onread: { buffer: readBuf, callback: (n) => feed(readBuf, 0, n) } }),
      extraRequest: "x-forwarded-for: 127.0.0.1\r\n",
      dropKeepAlive: false,
    });
    front = netServer((sock) => {
      const feed = serve(sock);
      UserBufferReads.attach(sock, (buf, n) => feed(buf, 0, n));
    });
    await new Promise<void>((r) => front.listen(0, "127.0.0.1", r));
    port = (front.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await new Promise((r) => front.close(r));
    origin.closeAllConnections();
    await new Promise((r) => origin.close(r));
  });

  it("relays pipelined requests with and without bodies, chunked both ways, in order", async () => {
    const s = connect(port, "127.0.0.1");
    let got = "";
    s.setEncoding("latin1");
    s.on("data", (d: string) => (got += d));
    s.write("GET /one HTTP/1.1\r\nHost: a\r\nConnection: keep-alive\r\n\r\nPOST /two HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhelloGET /chunked HTTP/1.1\r\nHost: a\r\n\r\nPOST /thr");
    await new Promise((r) => setTimeout(r, 50));
    s.write("ee HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n");
    const want = ["GET /one body= xff=127.0.0.1 conn=undefined", "POST /two body=hello xff=127.0.0.1", "hello \r\n5\r\nworld\r\n0\r\n\r\n", "POST /three body=abcde xff=127.0.0.1"];
    for (let i = 0; i < 100 && !got.includes(want[3]!); i++) await new Promise((r) => setTimeout(r, 20));
    s.destroy();
    let at = 0;
    for (const w of want) {
      const i = got.indexOf(w, at);
      expect(i, `${w} after ${at} in ${JSON.stringify(got)}`).toBeGreaterThanOrEqual(0);
      at = i + w.length;
    }
    expect(got).not.toMatch(/\r\nconnection:/i);
    expect(got.match(/HTTP\/1\.1 200 OK\r\n/g)).toHaveLength(4);
  });
});
