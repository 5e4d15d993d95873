// h1-read-safety: the downstream HTTP/1.1 front reads into one buffer every connection shares (user-buffer
// reads), so whatever outlives a read must be a copy. These would corrupt data if it were not: a request body
// larger than one read to an upstream that reads it slowly (its chunks wait in the body stream while later
// reads land in the buffer), and pipelined requests in one write past the pipelining bound (the held head's
// following bytes wait while another connection's reads land in the buffer). Bodies are compared by hash.
import { createHash } from "node:crypto";
import { createServer, type Server } from "node:http";
import { connect, type AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backend, cluster, endpoint, meshIR, prefix, seeded, startProxy, tables, type ProxyUnderTest } from "./fixtures.ts";

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

let upstream: Server;
let proxy: ProxyUnderTest;

beforeAll(async () => {
  // /slow: reads nothing for 300 ms, then the body a chunk at a time with a pause after each (the proxy's
  // writes to it stop completing at once); /late: answers 150 ms after the body.
  upstream = createServer((req, res) => {
    const h = createHash("sha256");
    let n = 0;
    if (req.url === "/slow") {
      req.pause();
      setTimeout(() => req.resume(), 300);
    }
    req.on("data", (c: Buffer) => {
      h.update(c);
      n += c.length;
      if (req.url === "/slow") {
        req.pause();
        setTimeout(() => req.resume(), 2);
      }
    });
    req.on("end", () => {
      const answer = () => res.end(`${req.url} ${n} ${h.digest("hex")}`);
      if (req.url?.startsWith("/late")) setTimeout(answer, 150);
      else answer();
    });
  });
  await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", r));
  const port = (upstream.address() as AddressInfo).port;
  proxy = await startProxy(meshIR([cluster("ns/u:80", [endpoint(port)])]), tables([{ matches: [prefix("/")], backends: [backend("ns/u:80")] }]));
});

afterAll(async () => {
  await proxy.close();
  upstream.closeAllConnections();
  upstream.close();
});

/**
 * Sends `bytes` in one write and collects `count` answers' bodies (Content-Length framed), in order. A
 * connection's first read goes to protocol detection (a Buffer of its own), so `bytes` follow a first request
 * (its answer is the first body) to land in a user-buffer read.
 */
function exchange(bytes: Buffer, count: number, ms = 10_000): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const s = connect(proxy.port, "127.0.0.1");
    let buf = Buffer.alloc(0);
    const bodies: string[] = [];
    const t = setTimeout(() => {
      s.destroy();
      reject(new Error(`timed out with ${bodies.length} answers`));
    }, ms);
    s.on("data", (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        const end = buf.indexOf("\r\n\r\n");
        if (end < 0) break;
        const head = buf.toString("latin1", 0, end);
        const len = Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? "0");
        if (buf.length < end + 4 + len) break;
        bodies.push(buf.toString("latin1", end + 4, end + 4 + len));
        buf = buf.subarray(end + 4 + len);
      }
      if (bodies.length >= count + 1) {
        clearTimeout(t);
        s.destroy();
        resolve(bodies.slice(1));
      }
    });
    s.on("error", reject);
    s.write("GET /first HTTP/1.1\r\nhost: a\r\n\r\n");
    setTimeout(() => s.write(bytes), 30);
  });
}

function post(path: string, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`POST ${path} HTTP/1.1\r\nhost: a\r\ncontent-length: ${body.length}\r\n\r\n`, "latin1"), body]);
}

describe("h1 front: what outlives a read is a copy", () => {
  it("a 16 MiB body to an upstream that reads it slowly arrives intact", async () => {
    const rnd = seeded(7);
    const body = Buffer.alloc(16 * 1024 * 1024);
    for (let i = 0; i < body.length; i++) body[i] = Math.floor(rnd() * 256);
    const [answer] = await exchange(post("/slow", body), 1, 20_000);
    expect(answer).toBe(`/slow ${body.length} ${sha(body)}`);
  });

  it("40 pipelined requests in one write (past the bound of 32) while another connection reads: every body intact, in order", async () => {
    const rnd = seeded(11);
    const bodies: Buffer[] = [];
    for (let i = 0; i < 40; i++) {
      const b = Buffer.alloc(300 + i);
      for (let j = 0; j < b.length; j++) b[j] = 97 + Math.floor(rnd() * 26);
      bodies.push(b);
    }
    const wire = Buffer.concat(bodies.map((b, i) => post(`/late${i}`, b)));
    const answers = exchange(wire, 40);
    // Another connection's reads land in the shared buffer while the held head's bytes wait.
    const noise = Buffer.concat(Array.from({ length: 8 }, () => post("/noise", Buffer.alloc(8000, "Z"))));
    await new Promise((r) => setTimeout(r, 50));
    const other = exchange(noise, 8);
    const got = await answers;
    await other;
    expect(got).toEqual(bodies.map((b, i) => `/late${i} ${b.length} ${sha(b)}`));
  });
});
