// The own-HTTP/2-framing benchmark prototype (benchmarks/proxy/h2-own/, bench-h2-own-minimal.ts) is only
// measured if it does the same work as the node:http2 floor: its HPACK decoder gives RFC 7541 Appendix C's
// header lists and dynamic tables (without and with Huffman coding, with evictions), its Huffman table is
// the canonical code of Appendix B, and an h2c GET, a body larger than every flow-control window and a
// gRPC unary call through its pass-through get the origin's answer (trailers included).
// Sanity for a benchmark, not the conformance a production framing would need (h2spec, hostile input, fuzzing).
import * as grpc from "@grpc/grpc-js";
import { connect, createServer, type Http2Server, type IncomingHttpHeaders } from "node:http2";
import { connect as netConnect, createServer as netServer, type AddressInfo, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { H2Conn, type H2Handler } from "../../benchmarks/proxy/h2-own/frames.ts";
import { HpackDecoder } from "../../benchmarks/proxy/h2-own/hpack.ts";
import { HUFFMAN_CODES, HUFFMAN_LENGTHS, huffmanDecode } from "../../pkg/proxy/h2/huffman.ts";
import { startOwnPassThrough, type PassThrough } from "../../benchmarks/proxy/h2-own/pass-through.ts";

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ""), "hex");
const pairs = (flat: string[]) => flat.flatMap((_, i) => (i % 2 === 0 ? [[flat[i]!, flat[i + 1]!]] : []));

type Step = { block: string; fields: [string, string][]; table: [string, string][]; size: number };

function series(limit: number, steps: Step[]): void {
  const d = new HpackDecoder(limit);
  for (const step of steps) {
    const buf = hex(step.block);
    expect(pairs(d.decode(buf, 0, buf.length))).toEqual(step.fields);
    expect(d.table()).toEqual({ entries: step.table, size: step.size });
  }
}

const auth: [string, string] = [":authority", "www.example.com"];
const noCache: [string, string] = ["cache-control", "no-cache"];
const custom: [string, string] = ["custom-key", "custom-value"];
const requests = (blocks: [string, string, string]): Step[] => [
  { block: blocks[0], fields: [[":method", "GET"], [":scheme", "http"], [":path", "/"], auth], table: [auth], size: 57 },
  { block: blocks[1], fields: [[":method", "GET"], [":scheme", "http"], [":path", "/"], auth, noCache], table: [noCache, auth], size: 110 },
  { block: blocks[2], fields: [[":method", "GET"], [":scheme", "https"], [":path", "/index.html"], auth, custom], table: [custom, noCache, auth], size: 164 },
];

describe("h2-own prototype: HPACK (RFC 7541 Appendix C)", () => {
  it("C.3: requests without Huffman coding, through the dynamic table", () => {
    series(4096, requests(["8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d", "8286 84be 5808 6e6f 2d63 6163 6865", "8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65"]));
  });

  it("C.4: requests with Huffman coding", () => {
    series(4096, requests(["8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff", "8286 84be 5886 a8eb 1064 9cbf", "8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf"]));
  });

  it("C.6: responses with Huffman coding and evictions from a 256-octet table", () => {
    const cc: [string, string] = ["cache-control", "private"];
    const date1: [string, string] = ["date", "Mon, 21 Oct 2013 20:13:21 GMT"];
    const loc: [string, string] = ["location", "https://www.example.com"];
    const cookie: [string, string] = ["set-cookie", "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1"];
    const gzip: [string, string] = ["content-encoding", "gzip"];
    const date2: [string, string] = ["date", "Mon, 21 Oct 2013 20:13:22 GMT"];
    series(256, [
      {
        block: "4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6 2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3",
        fields: [[":status", "302"], cc, date1, loc],
        table: [loc, date1, cc, [":status", "302"]],
        size: 222,
      },
      { block: "4883 640e ffc1 c0bf", fields: [[":status", "307"], cc, date1, loc], table: [[":status", "307"], loc, date1, cc], size: 222 },
      {
        block: "88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab 77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b "
          + "3960 d5af 2708 7f36 72c1 ab27 0fb5 291f 9587 3160 65c0 03ed 4ee5 b106 3d50 07",
        fields: [[":status", "200"], cc, date2, loc, gzip, cookie],
        table: [cookie, gzip, date2],
        size: 215,
      },
    ]);
  });

  it("rejects an index past the dynamic table and a table size update above the limit", () => {
    const d = new HpackDecoder();
    expect(() => d.decode(hex("be"), 0, 1)).toThrow(/index/);
    expect(() => d.decode(hex("3fe21f"), 0, 3)).toThrow(/table size/);
  });
});

describe("h2-own prototype: Huffman (RFC 7541 Appendix B)", () => {
  it("is the canonical code: sorted by length then symbol, each code the last one plus one, then shifted", () => {
    const syms = [...HUFFMAN_CODES.keys()].sort((a, b) => HUFFMAN_LENGTHS[a]! - HUFFMAN_LENGTHS[b]! || a - b);
    let code = -1;
    let len = HUFFMAN_LENGTHS[syms[0]!]!;
    for (const s of syms) {
      code = (code + 1) * 2 ** (HUFFMAN_LENGTHS[s]! - len);
      len = HUFFMAN_LENGTHS[s]!;
      expect([s, HUFFMAN_CODES[s]]).toEqual([s, code]);
    }
    // EOS (30 bits of ones) follows the last symbol.
    expect((code + 1) * 2 ** (30 - len)).toBe(0x3fffffff);
    expect(HUFFMAN_LENGTHS.slice(0, 4)).toEqual([13, 23, 28, 28]);
  });

  it("rejects EOS and padding that is longer than 7 bits or not all ones", () => {
    for (const bad of ["ff", "1fff", "1fffff", "ff9fffffff", "52bc30ffffffff", "fffffffffc"]) {
      const b = hex(bad);
      expect(() => huffmanDecode(b, 0, b.length), bad).toThrow();
    }
    const a = hex("1f"); // "a" (00011) + 3 bits of padding
    expect(huffmanDecode(a, 0, 1)).toBe("a");
  });
});

describe("h2-own prototype: flow control", () => {
  it("sends no more DATA than the peer's stream window, and the rest after its WINDOW_UPDATE", async () => {
    let peer: Socket | undefined;
    let got = Buffer.alloc(0);
    const raw = netServer((s) => {
      peer = s;
      s.on("data", (c: Buffer) => got = Buffer.concat([got, c]));
      // The server's SETTINGS: INITIAL_WINDOW_SIZE (4) = 10.
      s.write(Buffer.from([0, 0, 6, 4, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 10]));
    });
    await new Promise<void>((r) => raw.listen(0, "127.0.0.1", r));
    const quiet: H2Handler = { onStream() {}, onHeaders() {}, onData() {}, onReset() {}, onGoaway() {} };
    const conn = new H2Conn(netConnect((raw.address() as AddressInfo).port, "127.0.0.1"), false, quiet);
    const tick = () => new Promise((r) => setTimeout(r, 30));
    try {
      for (let i = 0; i < 100 && conn.peerInitialWindow !== 10; i++) await tick();
      const s = conn.request([":method", "POST", ":path", "/", ":scheme", "http", ":authority", "x"], false);
      conn.sendData(s, Buffer.alloc(100, 7), 0, 100, true);
      await tick();
      /** DATA frames on stream 1 received so far: [payload length, END_STREAM]. */
      const data = () => {
        const out: [number, boolean][] = [];
        for (let p = 24; p + 9 <= got.length;) {
          const len = got.readUIntBE(p, 3);
          if (got[p + 3] === 0 && got.readUInt32BE(p + 5) === 1) out.push([len, (got[p + 4]! & 1) === 1]);
          p += 9 + len;
        }
        return out;
      };
      expect(data()).toEqual([[10, false]]);
      peer!.write(Buffer.from([0, 0, 4, 8, 0, 0, 0, 0, 1, 0, 0, 0, 90]));
      await tick();
      await tick();
      expect(data()).toEqual([[10, false], [90, true]]);
    } finally {
      conn.socket.destroy();
      await new Promise((r) => raw.close(r));
    }
  });
});

describe("h2-own prototype: the pass-through", () => {
  let h2: Http2Server;
  let g: grpc.Server;
  let proxy: PassThrough;
  let seen: IncomingHttpHeaders = {};

  beforeAll(async () => {
    h2 = createServer((req, res) => {
      seen = req.headers;
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const body = req.method === "POST" ? Buffer.concat(chunks) : Buffer.from(`hello ${req.url}`);
        res.writeHead(200, { "content-type": "text/plain", "x-origin": "h2c", "content-length": body.length });
        res.end(body);
      });
    });
    await new Promise<void>((r) => h2.listen(0, "127.0.0.1", r));
    g = new grpc.Server();
    const raw = (b: Buffer) => b;
    g.addService({
      Unary: { path: "/bench.Echo/Unary", requestStream: false, responseStream: false, requestSerialize: raw, requestDeserialize: raw, responseSerialize: raw, responseDeserialize: raw },
    }, {
      Unary: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => {
        const trailer = new grpc.Metadata();
        trailer.set("x-trailer", String(call.metadata.get("x-call")[0] ?? "none"));
        cb(null, Buffer.concat([Buffer.from("echo:"), call.request]), trailer);
      },
    });
    const grpcPort = await new Promise<number>((resolve, reject) => g.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
    proxy = await startOwnPassThrough((h2.address() as AddressInfo).port, grpcPort);
  });

  afterAll(async () => {
    await proxy?.close();
    g?.forceShutdown();
    await new Promise((r) => h2?.close(r));
  });

  async function fetchH2(path: string, body?: Buffer): Promise<{ headers: Record<string, unknown>; body: Buffer }> {
    const session = connect(`http://127.0.0.1:${proxy.port}`);
    try {
      const req = session.request({ ":path": path, ":method": body === undefined ? "GET" : "POST", "x-custom-header": "custom value 123" }, { endStream: body === undefined });
      if (body !== undefined) req.end(body);
      const headers = await new Promise<Record<string, unknown>>((r, j) => {
        req.once("response", r);
        req.once("error", j);
      });
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      return { headers, body: Buffer.concat(chunks) };
    } finally {
      session.close();
    }
  }

  it("relays an h2c GET both ways: the request's fields to the origin, its answer back", async () => {
    // Twice on one session, so the second request's fields come from the dynamic tables of both hops.
    for (const path of ["/first?a=1", "/second"]) {
      const res = await fetchH2(path);
      expect(res.headers[":status"]).toBe(200);
      expect(res.headers["x-origin"]).toBe("h2c");
      expect(res.body.toString()).toBe(`hello ${path}`);
      expect(seen["x-custom-header"]).toBe("custom value 123");
    }
  });

  it("relays a body larger than every flow-control window, both ways", async () => {
    const big = Buffer.alloc(300_000);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7) & 0xff;
    const res = await fetchH2("/upload", big);
    expect(res.headers[":status"]).toBe(200);
    expect(res.body.equals(big)).toBe(true);
  });

  it("relays a gRPC unary call, its answer and trailers", async () => {
    const client = new grpc.Client(`127.0.0.1:${proxy.port}`, grpc.credentials.createInsecure());
    try {
      const md = new grpc.Metadata();
      md.set("x-call", "call-7");
      let trailers: grpc.Metadata | undefined;
      const answer = await new Promise<Buffer>((resolve, reject) => {
        const call = client.makeUnaryRequest("/bench.Echo/Unary", (b: Buffer) => b, (b: Buffer) => b, Buffer.from("ping"), md, (e, v) => (e ? reject(e) : resolve(v!)));
        call.on("status", (s) => trailers = s.metadata);
      });
      expect(answer.toString()).toBe("echo:ping");
      await new Promise((r) => setImmediate(r));
      expect(trailers?.get("x-trailer")).toEqual(["call-7"]);
    } finally {
      client.close();
    }
  });
});
