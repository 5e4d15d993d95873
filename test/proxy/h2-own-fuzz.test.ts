// Fuzzing Weft's own HTTP/2 framing (pkg/proxy/h2) with fast-check: the HPACK decoder on random bytes and
// on mutated valid blocks never throws anything but COMPRESSION_ERROR and never gives a header list past its
// bounds nor holds a dynamic table past the advertised size; header lists round-trip through the encoder
// (raw and Huffman) and the decoder; Huffman round-trips any latin1 string; the frame codec's checks throw
// only H2 errors; and a server connection fed random bytes or mutated valid frames after the preface never
// lets an exception out of its socket callback and never holds more than its session memory.
// Pure: the connection runs over an in-memory socket stand-in; nothing listens.
import fc from "fast-check";
import { EventEmitter } from "node:events";
import type { Socket } from "node:net";
import { describe, expect, it } from "vitest";
import { COMPRESSION_ERROR, H2ConnectionError, H2StreamError } from "../../pkg/proxy/h2/errors.ts";
import { checkFrameHeader, CONTINUATION, DATA, END_HEADERS, END_STREAM, framePayload, HEADERS, PING, PREFACE, RST_STREAM, SETTINGS, WINDOW_UPDATE } from "../../pkg/proxy/h2/frames.ts";
import { HpackDecoder } from "../../pkg/proxy/h2/hpack-decoder.ts";
import { huffmanDecode, huffmanEncode } from "../../pkg/proxy/h2/huffman.ts";
import { resolveH2Limits } from "../../pkg/proxy/h2/limits.ts";
import { H2ServerConn, type H2ServerHandler } from "../../pkg/proxy/h2/server-conn.ts";
import { fcParams } from "../support/fast-check-env.ts";
import { frame, headerBlock as encode } from "../support/h2-frames.ts";

const MAX_LIST = 4096;
const MAX_FIELDS = 20;

/** Decodes and checks the bounds; gives false when it threw the (only allowed) COMPRESSION_ERROR. */
function decodeBounded(d: HpackDecoder, buf: Buffer): boolean {
  try {
    const list = d.decode(buf, 0, buf.length);
    let size = 0;
    for (let i = 0; i < list.length; i += 2) size += list[i]!.length + list[i + 1]!.length + 32;
    expect(size).toBeLessThanOrEqual(MAX_LIST);
    expect(list.length).toBeLessThanOrEqual(MAX_FIELDS * 2);
    if (d.tooLarge) expect(list.length).toBe(0);
    expect(d.table().size).toBeLessThanOrEqual(4096);
    return true;
  } catch (e) {
    expect(e).toBeInstanceOf(H2ConnectionError);
    expect((e as H2ConnectionError).code).toBe(COMPRESSION_ERROR);
    return false;
  }
}

const latin1 = fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: 200 });
const fieldName = fc.stringMatching(/^[a-z0-9-]{1,24}$/);
const headerList = fc.array(
  fc.tuple(fc.oneof(fieldName, fc.constantFrom(":method", ":path", "content-type", "accept-encoding", "cookie")), fc.oneof(latin1, fc.constantFrom("GET", "/", "gzip, deflate"))),
  { maxLength: 30 },
)
  .map((pairs) => pairs.flat());

describe("own h2 framing fuzz: HPACK", () => {
  it("random bytes: only COMPRESSION_ERROR, lists and table within bounds, the decoder usable after", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { minLength: 1, maxLength: 4 }), (blocks) => {
        const d = new HpackDecoder(4096, MAX_LIST, MAX_FIELDS);
        for (const b of blocks) decodeBounded(d, Buffer.from(b));
      }),
      fcParams(2000, 11),
    );
  });

  it("mutated valid blocks (with indexing, Huffman): only COMPRESSION_ERROR, within bounds", () => {
    fc.assert(
      fc.property(headerList, fc.boolean(), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }), (fields, huff, edits) => {
        const buf = encode(fields, huff);
        // A literal with incremental indexing up front, so the table is exercised too.
        const withIndex = Buffer.concat([Buffer.from([0x40, 3]), Buffer.from("x-a"), Buffer.from([5]), Buffer.from("hello"), Buffer.from([0xbe]), buf]);
        for (const [at, v] of edits) withIndex[at % withIndex.length] = v;
        decodeBounded(new HpackDecoder(4096, MAX_LIST, MAX_FIELDS), withIndex);
      }),
      fcParams(2000, 12),
    );
  });

  it("HPACK bombs (one table entry named many times): the list stays within bounds, tooLarge exactly when it would not", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4000 }), fc.integer({ min: 1, max: 3000 }), (valueLen, refs) => {
        const d = new HpackDecoder(4096, MAX_LIST, MAX_FIELDS);
        const value = "v".repeat(valueLen);
        const entry = encode(["x-bomb", value], false);
        entry[0] = 0x40; // literal with incremental indexing, new name (the encoder wrote 0x00)
        const block = Buffer.concat([entry, Buffer.alloc(refs, 0xbe)]);
        expect(decodeBounded(d, block)).toBe(true);
        const fields = refs + 1;
        const size = fields * (6 + valueLen + 32);
        expect(d.tooLarge).toBe(size > MAX_LIST || fields > MAX_FIELDS);
      }),
      fcParams(500, 18),
    );
  });

  it("header lists round-trip through the encoder and decoder, raw and Huffman", () => {
    fc.assert(
      fc.property(headerList, fc.boolean(), (fields, huff) => {
        const d = new HpackDecoder(4096, 1 << 20, 1000);
        const buf = encode(fields, huff);
        expect(d.decode(buf, 0, buf.length)).toEqual(fields);
        expect(d.tooLarge).toBe(false);
      }),
      fcParams(1000, 13),
    );
  });

  it("each decoded list is the caller's own: a later block, on any decoder, leaves it as it was", () => {
    fc.assert(
      fc.property(headerList, headerList, (a, b) => {
        const first = new HpackDecoder(4096, 1 << 20, 1000).decode(encode(a, false), 0, encode(a, false).length);
        const bufB = encode(b, true);
        const second = new HpackDecoder(4096, 1 << 20, 1000).decode(bufB, 0, bufB.length);
        expect(first).toEqual(a);
        expect(second).toEqual(b);
        expect(first).not.toBe(second);
      }),
      fcParams(300, 19),
    );
  });

  it("Huffman round-trips any latin1 string", () => {
    fc.assert(
      fc.property(latin1, (s) => {
        const buf = Buffer.alloc(s.length * 4 + 8);
        const end = huffmanEncode(s, buf, 0);
        expect(huffmanDecode(buf, 0, end)).toBe(s);
      }),
      fcParams(1000, 14),
    );
  });
});

/** An in-memory socket: what H2ServerConn uses of one. */
class FakeSocket extends EventEmitter {
  writableLength = 0;
  written = 0;
  ended = false;
  setNoDelay(): void {}
  write(b: Buffer): boolean {
    this.written += b.length;
    return true;
  }
  end(): void {
    this.ended = true;
  }
  destroy(): void {
    this.ended = true;
  }
  pause(): void {}
  resume(): void {}
}

const handler: H2ServerHandler = {
  onRequest(s, _f, end) {
    s.conn.respond(s, [":status", "200"], false);
    s.conn.write(s, Buffer.from("ok"), 0, 2, end);
  },
  onWholeRequest(s, _f, _n, body) {
    s.conn.respond(s, [":status", "200"], false);
    s.conn.write(s, body, 0, body.length, true);
  },
  onData(s, buf, start, end, endStream) {
    s.conn.write(s, buf, start, end, endStream);
  },
  onTrailers(s) {
    s.conn.write(s, Buffer.alloc(0), 0, 0, true);
  },
  onReset() {},
};

const limits = resolveH2Limits({ maxSessionMemory: 256 * 1024 });

/** Feeds chunks to a fresh connection; asserts nothing escapes and memory stays bounded. */
function feed(chunks: Buffer[]): void {
  const sock = new FakeSocket();
  const conn = new H2ServerConn(sock as unknown as Socket, handler, limits);
  for (const c of chunks) {
    sock.emit("data", c); // throws out of here would fail the property
    expect(conn.memory()).toBeLessThanOrEqual(limits.maxSessionMemory + 16384 + 9 + 9 * 16384);
    if (conn.closed) break;
  }
  conn.flush();
  if (conn.errorCode >= 0) expect(conn.errorCode).toBeLessThanOrEqual(0xd);
}

const validFrames = (): Buffer[] => [
  frame(SETTINGS, 0, 0, Buffer.from([0, 4, 0, 0, 0x10, 0])),
  frame(HEADERS, END_HEADERS, 1, encode([":method", "POST", ":scheme", "http", ":path", "/", ":authority", "x", "content-length", "4"], true)),
  frame(DATA, 0, 1, Buffer.from("ab")),
  frame(WINDOW_UPDATE, 0, 1, Buffer.from([0, 0, 1, 0])),
  frame(DATA, END_STREAM, 1, Buffer.from("cd")),
  frame(HEADERS, 0, 3, encode([":method", "GET", ":scheme", "http"], false)),
  frame(CONTINUATION, END_HEADERS, 3, encode([":path", "/x", ":authority", "y"], false)),
  frame(PING, 0, 0, Buffer.alloc(8)),
  frame(RST_STREAM, 0, 3, Buffer.from([0, 0, 0, 8])),
  frame(HEADERS, END_HEADERS | END_STREAM, 5, encode([":method", "GET", ":scheme", "http", ":path", "/", ":authority", "x"], false)),
];

describe("own h2 framing fuzz: frames and the server connection", () => {
  it("frame-level checks on random headers and payloads throw only H2 errors", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 9 }), fc.uint8Array({ maxLength: 40 }), (type, flags, id, payload) => {
        const buf = Buffer.from(payload);
        try {
          checkFrameHeader(type, flags, id, buf.length);
          if (type === DATA || type === HEADERS) framePayload(type, flags, id, buf, 0, buf.length);
        } catch (e) {
          expect(e instanceof H2ConnectionError || e instanceof H2StreamError).toBe(true);
        }
      }),
      fcParams(3000, 15),
    );
  });

  it("random bytes after the preface: nothing escapes, memory bounded", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ minLength: 1, maxLength: 400 }), { maxLength: 6 }), (chunks) => {
        feed([PREFACE, frame(SETTINGS, 0, 0, Buffer.alloc(0)), ...chunks.map((c) => Buffer.from(c))]);
      }),
      fcParams(1000, 16),
    );
  });

  it("mutated valid frame sequences, split at random points: nothing escapes, memory bounded", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }), fc.array(fc.nat(), { maxLength: 5 }), (edits, cuts) => {
        const all = Buffer.concat([PREFACE, ...validFrames()]);
        for (const [at, v] of edits) {
          const i = PREFACE.length + (at % (all.length - PREFACE.length));
          all[i] = v;
        }
        const points = [...new Set(cuts.map((c) => c % all.length))].sort((a, b) => a - b);
        const chunks: Buffer[] = [];
        let last = 0;
        for (const p of points) {
          chunks.push(all.subarray(last, p));
          last = p;
        }
        chunks.push(all.subarray(last));
        feed(chunks.filter((c) => c.length > 0));
      }),
      fcParams(2000, 17),
    );
  });

  it("the unmutated sequence is served (the property's base case is valid)", () => {
    const sock = new FakeSocket();
    let requests = 0;
    const conn = new H2ServerConn(sock as unknown as Socket, {
      ...handler,
      onRequest: (s, f, e, n) => (requests++, handler.onRequest(s, f, e, n)),
      onWholeRequest: (s, f, n, b) => (requests++, handler.onWholeRequest!(s, f, n, b)),
    }, limits);
    sock.emit("data", Buffer.concat([PREFACE, ...validFrames()]));
    conn.flush();
    expect(conn.errorCode).toBe(-1);
    expect(requests).toBe(3);
  });
});
