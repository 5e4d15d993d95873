// request-id: a fresh x-request-id, a random (version 4) UUID as RFC 9562 §5.4 lays it out: 122 bits from
// the CSPRNG, lower-case hex. node's randomUUID gives the same, but builds its text from 20 string pieces
// per id; on the path of every request without an id that showed in the allocation per request. Here the
// random bytes come from a pool refilled 256 ids at a time and the text is written into one buffer and read
// out as one string.
// Takes nothing; gives the id. Must not: hand out a byte of the pool twice.
import { randomFillSync } from "node:crypto";

const IDS_PER_FILL = 256;
const pool = Buffer.allocUnsafe(16 * IDS_PER_FILL);
let next = pool.length;
const text = Buffer.allocUnsafe(36);
const HEX = Buffer.from("0123456789abcdef", "latin1");
/** Where each of the 16 bytes' two hex digits go in the 36 characters (the dashes stay). */
const AT = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];
for (const i of [8, 13, 18, 23]) text[i] = 0x2d;

/** A random version 4 UUID, e.g. "0f8fad5b-d9cb-469f-a165-70867728950e". */
export function randomRequestId(): string {
  if (next === pool.length) {
    randomFillSync(pool);
    next = 0;
  }
  const o = next;
  next += 16;
  // Version 4 (byte 6's high nibble) and the RFC 9562 variant (byte 8's two high bits 10).
  pool[o + 6] = (pool[o + 6]! & 0x0f) | 0x40;
  pool[o + 8] = (pool[o + 8]! & 0x3f) | 0x80;
  for (let i = 0; i < 16; i++) {
    const b = pool[o + i]!;
    const at = AT[i]!;
    text[at] = HEX[b >> 4]!;
    text[at + 1] = HEX[b & 15]!;
  }
  return text.toString("latin1", 0, 36);
}
