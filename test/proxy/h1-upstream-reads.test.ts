// h1-upstream-reads: the pooled HTTP/1.1 upstream connections read into the one buffer that every read of
// every attached socket overwrites (pkg/proxy/h1/user-buffer-reads.ts); an answer's body chunk that outlives
// its read — queued behind a slow client, held in the body stream until someone reads it — must be a copy.
// Answers larger than many reads, with bytes that differ everywhere, reach slow readers (two at once, on two
// upstream connections) byte for byte, Content-Length and chunked. And the own parser reads only the part
// of a reused buffer a read filled (execute(buf, n)), whatever lies beyond it.
import { createHash } from "node:crypto";
import { createServer, get, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OwnH1Parser, RESPONSE, type H1Events } from "../../pkg/proxy/h1/own-parser.ts";
import { createH1Pool, plainDial } from "../../pkg/proxy/upstream/pool-h1.ts";
import { sendH1 } from "../../pkg/proxy/upstream/upstream-h1.ts";
import { classify } from "../../pkg/proxy/upstream/upstream.ts";
import { backend, cluster, endpoint, meshIR, prefix, seeded, startProxy, tables, type ProxyUnderTest } from "./fixtures.ts";

/**
 * More than the kernel's socket buffers take on loopback (send up to 4 MiB, receive a few hundred kB while
 * the reader stalls): the rest waits in node's write queue, pointing at whatever it was given.
 */
const SIZE = 12 * 1024 * 1024;
/** Bytes no two reads share: a seeded pseudo-random body. */
const BODY = (() => {
  const rnd = seeded(18);
  const b = Buffer.allocUnsafe(SIZE);
  const words = new Uint32Array(b.buffer, b.byteOffset, SIZE / 4);
  for (let i = 0; i < words.length; i++) words[i] = Math.floor(rnd() * 0x1_0000_0000);
  return b;
})();
const DIGEST = createHash("sha256").update(BODY).digest("hex");

let origin: Server;
let proxy: ProxyUnderTest;

beforeAll(async () => {
  origin = createServer((req, res) => {
    if (req.url === "/chunked") {
      // Chunks of odd sizes, so chunk framing falls at every place in the reads.
      res.writeHead(200, { "content-type": "application/octet-stream" });
      for (let at = 0; at < SIZE; at += 40_001) res.write(BODY.subarray(at, Math.min(SIZE, at + 40_001)));
      res.end();
      return;
    }
    res.writeHead(200, { "content-type": "application/octet-stream", "content-length": String(SIZE) });
    res.end(BODY);
  });
  await new Promise<void>((r) => origin.listen(0, "127.0.0.1", r));
  const port = (origin.address() as AddressInfo).port;
  proxy = await startProxy(meshIR([cluster("ns/big:80", [endpoint(port)])]), tables([{ matches: [prefix("/")], backends: [backend("ns/big:80")] }]));
});

afterAll(async () => {
  await proxy.close();
  await new Promise<void>((r) => origin.close(() => r()));
});

/** GET `path` through the proxy with a client that reads nothing for `stallMs`, then everything: the body's digest. */
function slowGet(path: string, stallMs: number): Promise<{ status: number; length: number; digest: string }> {
  return new Promise((resolve, reject) => {
    get({ host: "127.0.0.1", port: proxy.port, path, agent: false }, (res) => {
      res.pause();
      const hash = createHash("sha256");
      let length = 0;
      setTimeout(() => {
        res.on("data", (c: Buffer) => {
          hash.update(c);
          length += c.length;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, length, digest: hash.digest("hex") }));
        res.resume();
      }, stallMs);
    }).on("error", reject);
  });
}

describe("an upstream answer relayed to slow clients", () => {
  for (const path of ["/length", "/chunked"]) {
    it(`${path}: two stalled clients at once get every byte as sent`, async () => {
      const got = await Promise.all([slowGet(path, 300), slowGet(path, 500)]);
      for (const g of got) {
        expect(g.status).toBe(200);
        expect(g.length).toBe(SIZE);
        expect(g.digest).toBe(DIGEST);
      }
    }, 20_000);
  }
});

describe("an upstream answer's body stream read late", () => {
  it("holds copies: chunks read after later reads are intact", async () => {
    const pool = createH1Pool();
    const { key, dial } = plainDial("127.0.0.1", (origin.address() as AddressInfo).port);
    try {
      const res = await sendH1(pool, key, dial, { method: "GET", path: "/length", authority: "a", headers: {}, body: undefined }, classify).response;
      const hash = createHash("sha256");
      let length = 0;
      // Let reads pile up in the stream's buffer before anything is taken out, then take it slowly.
      await new Promise((r) => setTimeout(r, 200));
      for await (const c of res.body) {
        hash.update(c as Buffer);
        length += (c as Buffer).length;
        if (length % 7 === 0) await new Promise((r) => setImmediate(r));
      }
      expect(length).toBe(SIZE);
      expect(hash.digest("hex")).toBe(DIGEST);
    } finally {
      pool.close();
    }
  }, 20_000);
});

describe("the own parser on a reused read buffer", () => {
  /** A trace of everything the parser reported. */
  function traced(): { events: H1Events; trace: string[] } {
    const trace: string[] = [];
    return {
      trace,
      events: {
        onHead: (p) => (trace.push(`head ${p.status} ${p.headers.join("|")}`), 0),
        onBody: (d, s, e) => {
          // A body split over reads is one entry (the split is the read's, not the parser's).
          const text = d.toString("latin1", s, e);
          const last = trace.length - 1;
          if (trace[last]?.startsWith("body ") === true) trace[last] += text;
          else trace.push(`body ${text}`);
        },
        onComplete: (p) => void trace.push(`end ${p.trailers?.join("|") ?? ""}`),
      },
    };
  }
  const wire = "HTTP/1.1 200 OK\r\ncontent-length: 5\r\nx-a: b\r\n\r\nhelloHTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nx-t: 1\r\n\r\n";

  it("reads buf[0, n) only: the same trace as whole reads, for every split, with junk after n", () => {
    const whole = traced();
    expect(new OwnH1Parser(RESPONSE, { maxHeaderBytes: 65_536, maxHeaderCount: 100 }, whole.events).execute(Buffer.from(wire, "latin1"))).toBe(wire.length);
    const buf = Buffer.alloc(256);
    for (let cut = 1; cut < wire.length; cut++) {
      const t = traced();
      const p = new OwnH1Parser(RESPONSE, { maxHeaderBytes: 65_536, maxHeaderCount: 100 }, t.events);
      for (const part of [wire.slice(0, cut), wire.slice(cut)]) {
        // What a previous, longer read left behind lies after this read's bytes.
        buf.fill("X\r\n\r\nHTTP/1.1 500 no\r\n", "latin1");
        buf.write(part, 0, "latin1");
        expect(p.execute(buf, part.length)).toBe(part.length);
      }
      expect(t.trace).toEqual(whole.trace);
    }
  });
});
