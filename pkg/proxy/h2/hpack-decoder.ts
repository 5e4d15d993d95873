// hpack-decoder: the HPACK (RFC 7541) decoder of one connection's inbound header blocks — static and
// dynamic tables, Huffman strings, dynamic table size updates (only at the start of a block, never above the
// SETTINGS_HEADER_TABLE_SIZE we advertised). The decoded header list is bounded WHILE decoding: once its size
// (RFC 9113 §6.5.2: name + value + 32 per field) passes maxListSize, or its field count maxFields, no more
// strings are kept (the block is still decoded to the end so the dynamic table stays in step with the
// peer's), so a small block naming a large table entry many times (an HPACK bomb) costs no memory.
// Takes complete header blocks; gives flat [name, value, …] latin1 lists (and the names sent never-indexed), or `tooLarge`. Must not: throw
// anything but H2ConnectionError COMPRESSION_ERROR, or hold more than the advertised table size in entries.
import { COMPRESSION_ERROR, H2ConnectionError } from "./errors.ts";
import { huffmanDecode, type Latin1 } from "./huffman.ts";
import { STATIC_TABLE } from "./static-table.ts";

const fail = (why: string): never => {
  throw new H2ConnectionError(COMPRESSION_ERROR, `hpack: ${why}`);
};

/**
 * Where every decoder collects a block's fields before they are copied out in one array of the exact size
 * (pushing into a fresh array grew it twice for a gRPC request's ~20 entries: ~500 bytes instead of ~180).
 * Shared: decode() runs to its end without calling out, one block at a time.
 */
const scratch: string[] = [];

export class HpackDecoder {
  /** Dynamic table, oldest first: entry i (1-based, newest = 1) is names[length - i]. */
  private names: string[] = [];
  private values: string[] = [];
  private head = 0; // evicted entries at the front of names/values not yet spliced off
  private size = 0;
  private maxSize: number;
  private pos = 0;
  /** Whether the last decoded block's header list passed the bounds (its list is then incomplete). */
  tooLarge = false;
  /** Names of the last decoded block's never-indexed literals (RFC 7541 §6.2.3), or null when there were none. */
  neverIndexed: string[] | null = null;

  private readonly limit: number;
  private readonly maxListSize: number;
  private readonly maxFields: number;
  /** limit: the SETTINGS_HEADER_TABLE_SIZE this side advertised; the list bounds: see the header comment. */
  constructor(limit = 4096, maxListSize = 65536, maxFields = 128) {
    this.limit = limit;
    this.maxSize = limit;
    this.maxListSize = maxListSize;
    this.maxFields = maxFields;
  }

  /** The dynamic table, newest first, as [name, value] pairs, and its size in octets (RFC 7541 4.1). */
  table(): { entries: [string, string][]; size: number } {
    const entries: [string, string][] = [];
    for (let i = this.names.length - 1; i >= this.head; i--) entries.push([this.names[i]!, this.values[i]!]);
    return { entries, size: this.size };
  }

  /** Decodes one complete header block buf[start, end) into a flat name/value list. */
  decode(buf: Buffer, start: number, end: number): string[] {
    const out = scratch;
    let n = 0;
    let listSize = 0;
    let keep = true;
    let fieldSeen = false;
    let never: string[] | null = null;
    this.pos = start;
    while (this.pos < end) {
      const b = buf[this.pos]!;
      let name: string;
      let value: string;
      if (b >= 0x80) {
        const idx = this.int(buf, end, 7);
        name = this.nameAt(idx);
        value = this.valueAt(idx);
      } else if (b >= 0x40) {
        const idx = this.int(buf, end, 6);
        name = idx === 0 ? this.str(buf, end) : this.nameAt(idx);
        value = this.str(buf, end);
        this.add(name, value);
      } else if (b >= 0x20) {
        if (fieldSeen) fail("table size update after a field");
        const size = this.int(buf, end, 5);
        if (size > this.limit) fail("table size update above the limit");
        this.maxSize = size;
        this.evict(0);
        continue;
      } else {
        // Literal without indexing (0000) or never indexed (0001): 4-bit prefix.
        const idx = this.int(buf, end, 4);
        name = idx === 0 ? this.str(buf, end) : this.nameAt(idx);
        value = this.str(buf, end);
        if (b >= 0x10 && keep) (never ??= []).push(name);
      }
      fieldSeen = true;
      if (!keep) continue;
      listSize += name.length + value.length + 32;
      if (listSize > this.maxListSize || n >= this.maxFields * 2) {
        keep = false;
        n = 0;
        continue;
      }
      out[n++] = name;
      out[n++] = value;
    }
    this.tooLarge = !keep;
    this.neverIndexed = keep ? never : null;
    const list = out.slice(0, n);
    out.fill("", 0, n); // the scratch holds no field past the call
    return list;
  }

  private int(buf: Buffer, end: number, prefix: number): number {
    const max = (1 << prefix) - 1;
    let v = buf[this.pos++]! & max;
    if (v < max) return v;
    let shift = 0;
    for (;;) {
      if (this.pos >= end) fail("truncated integer");
      const b = buf[this.pos++]!;
      v += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) break;
      shift += 7;
      if (shift > 28) fail("integer too large");
    }
    if (v > 0x7fffffff) fail("integer too large");
    return v;
  }

  private str(buf: Buffer, end: number): string {
    if (this.pos >= end) fail("truncated string");
    const huff = (buf[this.pos]! & 0x80) !== 0;
    const len = this.int(buf, end, 7);
    const s = this.pos;
    if (len > end - s) fail("truncated string");
    this.pos = s + len;
    return huff ? huffmanDecode(buf, s, s + len) : (buf as unknown as Latin1).latin1Slice(s, s + len);
  }

  private nameAt(idx: number): string {
    if (idx >= 1 && idx <= 61) return STATIC_TABLE[idx - 1]![0];
    const i = this.names.length - (idx - 61);
    if (idx === 0 || i < this.head) fail("index out of range");
    return this.names[i]!;
  }

  private valueAt(idx: number): string {
    if (idx >= 1 && idx <= 61) return STATIC_TABLE[idx - 1]![1];
    const i = this.names.length - (idx - 61);
    if (idx === 0 || i < this.head) fail("index out of range");
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
