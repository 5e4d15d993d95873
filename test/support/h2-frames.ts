// h2-frames: raw HTTP/2 bytes for tests that play a hostile or random peer against Weft's own framing
// (pkg/proxy/h2): one frame (9-byte header + payload), a 32-bit big-endian field, and an HPACK header block
// made with the framing's own encoder. Takes plain values; gives fresh Buffers. Must not: validate anything
// (tests send malformed frames on purpose).
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
