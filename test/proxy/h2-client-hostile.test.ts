// h2-client-hostile: a hostile UPSTREAM against Weft's own HTTP/2 client (pkg/proxy/h2/client-conn.ts via
// upstream/h2-own-call.ts): a raw net server that answers the client's first request with crafted frames —
// an HPACK bomb (header list past 64 KiB from a tiny block), a table size update above ours, CONTINUATION,
// SETTINGS, PING and empty-frame floods, too many settings, DATA beyond our window, frames on idle streams,
// PUSH_PROMISE, an oversized frame, invalid response pseudo-fields, DATA before HEADERS, a first frame that
// is not SETTINGS, window overflow, an unfinished header block, GOAWAY and REFUSED_STREAM. Each case
// asserts the exact GOAWAY / RST_STREAM code the client sent and that the request settled with the failure
// kind the proxy answers (upstream_reset ⇒ 503 / gRPC UNAVAILABLE, as with node:http2's client).
// Loopback only; every exchange is bounded by a deadline.
import { createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COMPRESSION_ERROR, ENHANCE_YOUR_CALM, FLOW_CONTROL_ERROR, FRAME_SIZE_ERROR, PROTOCOL_ERROR, REFUSED_STREAM } from "../../pkg/proxy/h2/errors.ts";
import { CONTINUATION, DATA, END_HEADERS, END_STREAM, GOAWAY, HEADERS, PING, PRIORITY, PUSH_PROMISE, RST_STREAM, WINDOW_UPDATE } from "../../pkg/proxy/h2/frames.ts";
import { ownConn, send, type Answer } from "../support/h2-own-client.ts";
import { clientFrameReader, frame, headerBlock as block, settingsFrame as settings, u32 } from "../support/h2-frames.ts";

const ok = (id: number, end = false): Buffer => frame(HEADERS, END_HEADERS | (end ? END_STREAM : 0), id, block([":status", "200"]));
const times = (n: number, b: Buffer): Buffer => Buffer.concat(Array.from({ length: n }, () => b));

/** What the client sent back: its frames after the preface. */
interface Seen {
  goaway: number | undefined;
  rst: Map<number, number>;
}

type Scenario = (id: number) => Buffer | Buffer[];
let scenario: { first: Buffer; then: Scenario } = { first: settings(), then: () => [] };
let seen: Seen = { goaway: undefined, rst: new Map() };
let server: Server;
const sockets = new Set<Socket>();
let port = 0;

beforeAll(async () => {
  server = createServer((sock: Socket) => {
    sockets.add(sock);
    sock.once("close", () => sockets.delete(sock));
    sock.on("error", () => {});
    const read = clientFrameReader();
    let answered = false;
    const { first, then } = scenario;
    sock.write(first);
    sock.on("data", (d: Buffer) => {
      for (const { type, id, payload } of read(d)) {
        if (type === GOAWAY) seen.goaway = payload.readUInt32BE(4);
        if (type === RST_STREAM) seen.rst.set(id, payload.readUInt32BE(0));
        if (type === HEADERS && !answered) {
          answered = true;
          const out = then(id);
          for (const b of Array.isArray(out) ? out : [out]) if (!sock.destroyed) sock.write(b);
        }
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise<void>((r) => server.close(() => r()));
});

/** One request against the scenario; gives its outcome, the client's connection error code and what it sent. */
async function hostile(then: Scenario, opts: { first?: Buffer; stall?: boolean; headersTimeoutMs?: number } = {}) {
  scenario = { first: opts.first ?? settings(), then };
  seen = { goaway: undefined, rst: new Map() };
  const c = ownConn(port, { limits: opts.headersTimeoutMs !== undefined ? { headersTimeoutMs: opts.headersTimeoutMs } : {} });
  const outcome = await Promise.race([
    send(c, { path: "/", stall: opts.stall ?? false }).done,
    new Promise<string>((r) => setTimeout(() => r("unsettled"), 5000)),
  ]);
  // Let the client's last frames reach the server.
  await new Promise((r) => setTimeout(r, 50));
  const result = { outcome, errorCode: c.errorCode, goaway: seen.goaway, rst: seen.rst, closed: c.closed };
  c.destroy();
  return result;
}

const broken = (o: Answer | string): boolean => typeof o !== "string" && o.broken;

describe("own HTTP/2 client against a hostile upstream: connection errors (and the HPACK bomb)", () => {
  it("a header block naming a 4 KB table entry 20 times (HPACK bomb past 64 KiB) ⇒ RST_STREAM PROTOCOL_ERROR, no GOAWAY", async () => {
    const r = await hostile((id) => {
      // A literal with incremental indexing (0x40, new name) of 4 KB, then 20 references to it (dynamic entry 62).
      const withIndex = Buffer.from(block(["x-big", "v".repeat(4000)]));
      withIndex[0] = 0x40;
      const refs = times(20, Buffer.from([0x80 | 62]));
      return frame(HEADERS, END_HEADERS | END_STREAM, id, Buffer.concat([block([":status", "200"]), withIndex, refs]));
    });
    expect(r.outcome).toBe("upstream_reset");
    expect(r.rst.get(1)).toBe(PROTOCOL_ERROR);
    expect(r.goaway).toBeUndefined();
  });

  it("a dynamic table size update above our 4,096 ⇒ GOAWAY COMPRESSION_ERROR", async () => {
    const r = await hostile((id) => frame(HEADERS, END_HEADERS | END_STREAM, id, Buffer.concat([Buffer.from([0x3f, 0xe2, 0x1f]), /* 4,097 */ block([":status", "200"])])));
    expect(r.outcome).toBe("upstream_reset");
    expect(r.goaway).toBe(COMPRESSION_ERROR);
  });

  it("a CONTINUATION flood (HEADERS then 20 CONTINUATION frames) ⇒ GOAWAY ENHANCE_YOUR_CALM", async () => {
    const r = await hostile((id) => [frame(HEADERS, 0, id, block([":status", "200"])), times(20, frame(CONTINUATION, 0, id, block(["x-a", "b"])))]);
    expect(r.outcome).toBe("upstream_reset");
    expect(r.goaway).toBe(ENHANCE_YOUR_CALM);
  });

  it("a SETTINGS flood (3,000 frames at once) ⇒ GOAWAY ENHANCE_YOUR_CALM", async () => {
    const r = await hostile(() => times(3000, settings()));
    expect(r.outcome).toBe("upstream_reset");
    expect(r.goaway).toBe(ENHANCE_YOUR_CALM);
  });

  it("33 settings in one frame ⇒ GOAWAY ENHANCE_YOUR_CALM", async () => {
    const r = await hostile(() => settings(Array.from({ length: 33 }, () => [0x99, 1] as [number, number])));
    expect(r.goaway).toBe(ENHANCE_YOUR_CALM);
    expect(r.outcome).toBe("upstream_reset");
  });

  it("a PING flood (3,000 at once) ⇒ GOAWAY ENHANCE_YOUR_CALM", async () => {
    const r = await hostile(() => times(3000, frame(PING, 0, 0, Buffer.alloc(8))));
    expect(r.goaway).toBe(ENHANCE_YOUR_CALM);
    expect(r.outcome).toBe("upstream_reset");
  });

  it("an empty-frame flood (10,001 PRIORITY frames) ⇒ GOAWAY ENHANCE_YOUR_CALM", async () => {
    const r = await hostile((id) => times(10_001, frame(PRIORITY, 0, id, Buffer.from([0, 0, 0, 0, 16]))));
    expect(r.goaway).toBe(ENHANCE_YOUR_CALM);
    expect(r.outcome).toBe("upstream_reset");
  });

  it("an empty-frame flood of RST_STREAM on a closed stream ⇒ GOAWAY ENHANCE_YOUR_CALM", async () => {
    const r = await hostile((id) => [ok(id), frame(DATA, END_STREAM, id, Buffer.from("x")), times(10_001, frame(RST_STREAM, 0, id, u32(0)))]);
    expect(typeof r.outcome).not.toBe("string");
    expect(r.goaway).toBe(ENHANCE_YOUR_CALM);
  });

  it("DATA on a stream never opened ⇒ GOAWAY PROTOCOL_ERROR", async () => {
    const r = await hostile((id) => frame(DATA, 0, id + 2, Buffer.from("x")));
    expect(r.goaway).toBe(PROTOCOL_ERROR);
    expect(r.outcome).toBe("upstream_reset");
  });

  it("HEADERS on an even (server-opened) stream ⇒ GOAWAY PROTOCOL_ERROR", async () => {
    const r = await hostile(() => frame(HEADERS, END_HEADERS, 2, block([":status", "200"])));
    expect(r.goaway).toBe(PROTOCOL_ERROR);
    expect(r.outcome).toBe("upstream_reset");
  });

  it("PUSH_PROMISE (we sent ENABLE_PUSH 0) ⇒ GOAWAY PROTOCOL_ERROR", async () => {
    const r = await hostile((id) => frame(PUSH_PROMISE, END_HEADERS, id, Buffer.concat([u32(2), block([":method", "GET", ":path", "/p", ":scheme", "http", ":authority", "x"])])));
    expect(r.goaway).toBe(PROTOCOL_ERROR);
    expect(r.outcome).toBe("upstream_reset");
  });

  it("a frame larger than our SETTINGS_MAX_FRAME_SIZE ⇒ GOAWAY FRAME_SIZE_ERROR", async () => {
    const r = await hostile((id) => [ok(id), frame(DATA, 0, id, Buffer.alloc(16385))]);
    expect(r.goaway).toBe(FRAME_SIZE_ERROR);
    expect(broken(r.outcome)).toBe(true);
  });

  it("a first frame that is not SETTINGS ⇒ GOAWAY PROTOCOL_ERROR", async () => {
    const r = await hostile(() => [], { first: frame(PING, 0, 0, Buffer.alloc(8)) });
    expect(r.goaway).toBe(PROTOCOL_ERROR);
    // The connection never came up (no SETTINGS from the peer): a connect failure.
    expect(r.outcome).toBe("upstream_connect");
  });

  it("a connection window pushed past 2^31-1 ⇒ GOAWAY FLOW_CONTROL_ERROR", async () => {
    const r = await hostile(() => [frame(WINDOW_UPDATE, 0, 0, u32(0x7fffffff))]);
    expect(r.goaway).toBe(FLOW_CONTROL_ERROR);
    expect(r.outcome).toBe("upstream_reset");
  });

  it("a header block left unfinished ⇒ GOAWAY PROTOCOL_ERROR after headersTimeoutMs", async () => {
    const r = await hostile((id) => frame(HEADERS, 0, id, block([":status", "200"])), { headersTimeoutMs: 300 });
    expect(r.goaway).toBe(PROTOCOL_ERROR);
    expect(r.outcome).toBe("upstream_reset");
  });

  it("a server that sends ENABLE_PUSH 1 ⇒ GOAWAY PROTOCOL_ERROR", async () => {
    const r = await hostile(() => [], { first: settings([[0x2, 1]]) });
    expect(r.goaway).toBe(PROTOCOL_ERROR);
    expect(r.outcome).toBe("upstream_reset");
  });
});

describe("own HTTP/2 client against a hostile upstream: stream errors", () => {
  it("DATA past our stream window while the reader is stalled ⇒ RST_STREAM FLOW_CONTROL_ERROR, the answer breaks", async () => {
    const r = await hostile((id) => [ok(id), times(5, frame(DATA, 0, id, Buffer.alloc(16000)))], { stall: true });
    expect(r.rst.get(1)).toBe(FLOW_CONTROL_ERROR);
    expect(broken(r.outcome)).toBe(true);
    expect(r.goaway).toBeUndefined();
  });

  it.each([
    { name: "no :status", fields: ["content-type", "text/plain"] },
    { name: "a request pseudo-field", fields: [":status", "200", ":path", "/"] },
    { name: ":status not three digits", fields: [":status", "2000"] },
    { name: "an upper-case field name", fields: [":status", "200", "X-Up", "1"] },
    { name: "a connection-specific field", fields: [":status", "200", "connection", "close"] },
    { name: "a 1xx with END_STREAM", fields: [":status", "103"] },
  ])("a response with $name ⇒ RST_STREAM PROTOCOL_ERROR, upstream_reset", async ({ fields }) => {
    const r = await hostile((id) => frame(HEADERS, END_HEADERS | END_STREAM, id, block(fields)));
    expect(r.outcome).toBe("upstream_reset");
    expect(r.rst.get(1)).toBe(PROTOCOL_ERROR);
    expect(r.goaway).toBeUndefined();
  });

  it("DATA before the response HEADERS ⇒ RST_STREAM PROTOCOL_ERROR", async () => {
    const r = await hostile((id) => frame(DATA, 0, id, Buffer.from("early")));
    expect(r.outcome).toBe("upstream_reset");
    expect(r.rst.get(1)).toBe(PROTOCOL_ERROR);
  });

  it("trailers without END_STREAM ⇒ RST_STREAM PROTOCOL_ERROR, the answer breaks", async () => {
    const r = await hostile((id) => [ok(id), frame(HEADERS, END_HEADERS, id, block(["x-t", "1"]))]);
    expect(broken(r.outcome)).toBe(true);
    expect(r.rst.get(1)).toBe(PROTOCOL_ERROR);
  });

  it("GOAWAY below the stream's id ⇒ the request fails as upstream_reset (never processed), the connection takes no more", async () => {
    const r = await hostile(() => frame(GOAWAY, 0, 0, Buffer.concat([u32(0), u32(0)])));
    expect(r.outcome).toBe("upstream_reset");
    expect(r.closed).toBe(true);
  });

  it("RST_STREAM REFUSED_STREAM ⇒ upstream_reset", async () => {
    const r = await hostile((id) => frame(RST_STREAM, 0, id, u32(REFUSED_STREAM)));
    expect(r.outcome).toBe("upstream_reset");
    expect(r.goaway).toBeUndefined();
  });

  it("a well-behaved answer after all that still works (control)", async () => {
    const r = await hostile((id) => [ok(id), frame(DATA, END_STREAM, id, Buffer.from("fine"))]);
    expect(typeof r.outcome).not.toBe("string");
    expect((r.outcome as Answer).body.toString()).toBe("fine");
    expect(r.goaway).toBeUndefined();
  });
});
