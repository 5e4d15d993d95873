// hpack (benchmark prototype, NOT production framing): an HPACK (RFC 7541) decoder with the static and
// dynamic tables and Huffman strings, and a stateless encoder (static-table indexes, literals without
// indexing, no Huffman) — what bench-h2-own-minimal.ts needs to measure own HTTP/2 framing against
// node:http2. Takes header blocks; gives flat [name, value, name, value, …] lists of latin1 strings, and
// encodes such lists into a byte writer.
// Omits what a production version needs: a bound on the decoded header list (MAX_HEADER_LIST_SIZE, checked
// while decoding, against HPACK bombs: a small block naming large dynamic entries many times), validation
// of names and values (lowercase names, no CR/LF/NUL, pseudo-fields first and known, no connection-specific
// fields), the "size update only at the start of a block" rule, never-indexed fields kept never-indexed on
// the way out, an acknowledged HEADER_TABLE_SIZE change of the peer's decoder, Huffman encoding, and fuzzing
// against a reference implementation (nghttp2).
// The Huffman code and the static table are pkg/proxy/h2's (pure data and one decode loop, the same in both).
import { huffmanDecode, type Latin1 } from "../../../pkg/proxy/h2/huffman.ts";
import { STATIC_TABLE } from "../../../pkg/proxy/h2/static-table.ts";

export { STATIC_TABLE };

/** The HPACK decoder of one connection direction: its dynamic table lives as long as the connection. */
export class HpackDecoder {
  /** Dynamic table, oldest first: entry i (1-based, newest = 1) is names[length - i]. */
  private names: string[] = [];
  private values: string[] = [];
  private head = 0; // evicted entries at the front of names/values not yet spliced off
  private size = 0;
  private maxSize: number;
  private pos = 0;

  private readonly limit: number;
  /** limit: the SETTINGS_HEADER_TABLE_SIZE this side advertised (4,096 unless changed). */
  constructor(limit = 4096) {
    this.limit = limit;
    this.maxSize = limit;
  }

  /** The dynamic table, newest first, as [name, value] pairs, and its size in octets (RFC 7541 4.1). */
  table(): { entries: [string, string][]; size: number } {
    const entries: [string, string][] = [];
    for (let i = this.names.length - 1; i >= this.head; i--) entries.push([this.names[i]!, this.values[i]!]);
    return { entries, size: this.size };
  }

  /** Decodes one complete header block buf[start, end) into a flat name/value list. Throws on bad input. */
  decode(buf: Buffer, start: number, end: number): string[] {
    const out: string[] = [];
    this.pos = start;
    while (this.pos < end) {
      const b = buf[this.pos]!;
      if (b >= 0x80) {
        const idx = this.int(buf, end, 7);
        out.push(this.nameAt(idx), this.valueAt(idx));
      } else if (b >= 0x40) {
        const idx = this.int(buf, end, 6);
        const name = idx === 0 ? this.str(buf, end) : this.nameAt(idx);
        const value = this.str(buf, end);
        out.push(name, value);
        this.add(name, value);
      } else if (b >= 0x20) {
        const size = this.int(buf, end, 5);
        if (size > this.limit) throw new Error("hpack: table size update above the limit");
        this.maxSize = size;
        this.evict(0);
      } else {
        // Literal without indexing (0000) or never indexed (0001): 4-bit prefix.
        const idx = this.int(buf, end, 4);
        const name = idx === 0 ? this.str(buf, end) : this.nameAt(idx);
        out.push(name, this.str(buf, end));
      }
    }
    return out;
  }

  private int(buf: Buffer, end: number, prefix: number): number {
    const max = (1 << prefix) - 1;
    let v = buf[this.pos++]! & max;
    if (v < max) return v;
    let shift = 0;
    for (;;) {
      if (this.pos >= end) throw new Error("hpack: truncated integer");
      const b = buf[this.pos++]!;
      v += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) break;
      shift += 7;
      if (shift > 28) throw new Error("hpack: integer too large");
    }
    return v;
  }

  private str(buf: Buffer, end: number): string {
    if (this.pos >= end) throw new Error("hpack: truncated string");
    const huff = (buf[this.pos]! & 0x80) !== 0;
    const len = this.int(buf, end, 7);
    const s = this.pos;
    if (s + len > end) throw new Error("hpack: truncated string");
    this.pos = s + len;
    return huff ? huffmanDecode(buf, s, s + len) : (buf as unknown as Latin1).latin1Slice(s, s + len);
  }

  private nameAt(idx: number): string {
    if (idx >= 1 && idx <= 61) return STATIC_TABLE[idx - 1]![0];
    const i = this.names.length - (idx - 61);
    if (idx === 0 || i < this.head) throw new Error("hpack: index out of range");
    return this.names[i]!;
  }

  private valueAt(idx: number): string {
    if (idx >= 1 && idx <= 61) return STATIC_TABLE[idx - 1]![1];
    const i = this.names.length - (idx - 61);
    if (idx === 0 || i < this.head) throw new Error("hpack: index out of range");
    return this.values[i]!;
  }

  private add(name: string, value: string): void {
    const entry = 32 + name.length + value.length;
    this.evict(entry);
    if (entry > this.maxSize) return; // an entry larger than the table empties it (RFC 7541 4.4)
    this.names.push(name);
    this.values.push(value);
    this.size += entry;
  }

  private evict(room: number): void {
    while (this.size + room > this.maxSize && this.head < this.names.length) {
      this.size -= 32 + this.names[this.head]!.length + this.values[this.head]!.length;
      this.head++;
    }
    if (this.head > 64) {
      this.names.splice(0, this.head);
      this.values.splice(0, this.head);
      this.head = 0;
    }
  }
}

/** Static-table index of an exact name/value pair, and of a name alone (first match). */
const exact = new Map<string, Map<string, number>>();
const byName = new Map<string, number>();
STATIC_TABLE.forEach(([n, v], i) => {
  if (!byName.has(n)) byName.set(n, i + 1);
  if (v !== "") {
    let m = exact.get(n);
    if (m === undefined) exact.set(n, m = new Map());
    m.set(v, i + 1);
  }
});

/** Anything encodeHeaders writes into: room for n more bytes, then bytes at pos. */
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

/**
 * Encodes a flat name/value list (latin1 strings) as one header block at w.pos: a static-table index for an
 * exact static pair, else a literal without indexing (the name indexed when the static table has it). No
 * dynamic table, so the encoder keeps no state and the peer's table size does not matter.
 */
export function encodeHeaders(w: ByteSink, fields: readonly string[]): void {
  for (let i = 0; i < fields.length; i += 2) {
    const name = fields[i]!;
    const value = fields[i + 1]!;
    w.ensure(name.length + value.length + 12);
    const full = exact.get(name)?.get(value);
    if (full !== undefined) {
      writeInt(w, 0x80, 7, full);
      continue;
    }
    const idx = byName.get(name);
    if (idx !== undefined) writeInt(w, 0, 4, idx);
    else {
      w.buf[w.pos++] = 0;
      writeInt(w, 0, 7, name.length);
      w.pos += (w.buf as unknown as Latin1).latin1Write(name, w.pos);
    }
    writeInt(w, 0, 7, value.length);
    w.pos += (w.buf as unknown as Latin1).latin1Write(value, w.pos);
  }
}
