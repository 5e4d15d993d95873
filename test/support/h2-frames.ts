// h2-frames: raw HTTP/2 bytes for tests that play a hostile or random peer against Weft's own framing
// (pkg/proxy/h2): one frame (9-byte header + payload), a 32-bit big-endian field, an HPACK header block
// made with the framing's own encoder, SETTINGS / GOAWAY / RST_STREAM frames, and a reader that splits what a
// client sends (after its preface) into frames — one way to build and read frames in tests. Takes plain
// values; gives fresh Buffers. Must not: validate anything (tests send malformed frames on purpose).
import { GOAWAY, PREFACE, RST_STREAM, SETTINGS } from "../../pkg/proxy/h2/frames.ts";
import { encodeHeaders } from "../../pkg/proxy/h2/hpack-encoder.ts";

/** One frame: length, type, flags, stream id, payload. */
export function frame(type: number, flags: number, id: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const h = Buffer.alloc(9);
  h.writeUIntBE(payload.length, 0, 3);
  h[3] = type;
  h[4] = flags;
  h.writeUInt32BE(id, 5);
  return Buffer.concat([h, payload]);
}

/** A 32-bit unsigned big-endian value. */
export const u32 = (v: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v >>> 0);
  return b;
};

/** A flat [name, value, …] list as one HPACK header block (up to 256 kB), Huffman-coded when asked. */
export function headerBlock(fields: string[], huffman = false): Buffer {
  const sink = { buf: Buffer.alloc(256 * 1024), pos: 0, ensure() {} };
  encodeHeaders(sink, fields, huffman);
  return Buffer.from(sink.buf.subarray(0, sink.pos));
}

/** A SETTINGS frame (not an ACK) with these [identifier, value] entries. */
export function settingsFrame(entries: readonly (readonly [number, number])[] = []): Buffer {
  return frame(SETTINGS, 0, 0, Buffer.concat(entries.map(([k, v]) => Buffer.concat([Buffer.from([k >> 8, k & 0xff]), u32(v)]))));
}

/** A GOAWAY frame: the last stream id the sender processed, and an error code. */
export const goawayFrame = (lastId: number, code = 0): Buffer => frame(GOAWAY, 0, 0, Buffer.concat([u32(lastId), u32(code)]));

/** An RST_STREAM frame with an error code. */
export const rstStreamFrame = (id: number, code: number): Buffer => frame(RST_STREAM, 0, id, u32(code));

/** One frame as read off the wire: header fields and a payload of its own (a copy). */
export interface RawFrame {
  readonly type: number;
  readonly flags: number;
  readonly id: number;
  readonly payload: Buffer;
}

/**
 * What a raw server reads from a client: the client preface first (skipped), then whole frames. `push` takes
 * the bytes of one "data" event and gives the frames completed by them (a partial frame waits for the rest).
 */
export function clientFrameReader(): (d: Buffer) => RawFrame[] {
  let acc = Buffer.alloc(0);
  let prefaced = false;
  return (d) => {
    acc = Buffer.concat([acc, d]);
    const out: RawFrame[] = [];
    if (!prefaced) {
      if (acc.length < PREFACE.length) return out;
      acc = acc.subarray(PREFACE.length);
      prefaced = true;
    }
    while (acc.length >= 9) {
      const len = acc.readUIntBE(0, 3);
      if (acc.length < 9 + len) break;
      out.push({ type: acc[3]!, flags: acc[4]!, id: acc.readUInt32BE(5) & 0x7fffffff, payload: Buffer.from(acc.subarray(9, 9 + len)) });
      acc = acc.subarray(9 + len);
    }
    return out;
  };
}
