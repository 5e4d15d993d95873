// hpack-encoder: a stateless HPACK (RFC 7541) encoder — a static-table index for an exact static pair, else
// a literal without indexing (name indexed when the static table has it), Huffman-coded when that is
// shorter and `huffman` is set. No dynamic table, so the encoder keeps no state and any
// SETTINGS_HEADER_TABLE_SIZE of the peer's (even 0) is honoured without a size update.
// Takes a flat [name, value, …] latin1 list and a byte sink; gives the block written at sink.pos. Must not:
// index anything into the peer's dynamic table. Fields named in `never` go out as never-indexed literals
// (RFC 7541 §6.2.3: an intermediary sends a field it received never-indexed the same way).
import { huffmanEncode, huffmanLength, type Latin1 } from "./huffman.ts";
import { STATIC_EXACT, STATIC_NAME } from "./static-table.ts";

/** Anything a block is written into: room for n more bytes, then bytes at pos. */
export interface ByteSink {
  buf: Buffer;
  pos: number;
  ensure(n: number): void;
}

function writeInt(w: ByteSink, first: number, prefix: number, v: number): void {
  const max = (1 << prefix) - 1;
  if (v < max) {
    w.buf[w.pos++] = first | v;
    return;
  }
  w.buf[w.pos++] = first | max;
  v -= max;
  while (v >= 128) {
    w.buf[w.pos++] = (v & 0x7f) | 0x80;
    v = Math.floor(v / 128);
  }
  w.buf[w.pos++] = v;
}

function writeStr(w: ByteSink, s: string, huffman: boolean): void {
  if (huffman && s.length > 4) {
    const n = huffmanLength(s);
    if (n < s.length) {
      writeInt(w, 0x80, 7, n);
      w.pos = huffmanEncode(s, w.buf, w.pos);
      return;
    }
  }
  writeInt(w, 0, 7, s.length);
  w.pos += (w.buf as unknown as Latin1).latin1Write(s, w.pos);
}

/** The most bytes encodeHeaders may write for one field (room is reserved per field before writing). */
export const fieldRoom = (name: string, value: string): number => name.length + value.length + 12;

/** Encodes a flat name/value list as one header block at w.pos; names in `never` as never-indexed literals. */
export function encodeHeaders(w: ByteSink, fields: readonly string[], huffman = false, never?: readonly string[]): void {
  for (let i = 0; i < fields.length; i += 2) {
    const name = fields[i]!;
    const value = fields[i + 1]!;
    w.ensure(fieldRoom(name, value));
    const first = never !== undefined && never.includes(name) ? 0x10 : 0;
    const full = first === 0 ? STATIC_EXACT.get(name)?.get(value) : undefined;
    if (full !== undefined) {
      writeInt(w, 0x80, 7, full);
      continue;
    }
    const idx = STATIC_NAME.get(name);
    if (idx !== undefined) writeInt(w, first, 4, idx);
    else {
      w.buf[w.pos++] = first;
      writeStr(w, name, huffman);
    }
    writeStr(w, value, huffman);
  }
}
