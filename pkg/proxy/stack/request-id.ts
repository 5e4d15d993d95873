// request-id: a fresh x-request-id, a random (version 4) UUID as RFC 9562 §5.4 lays it out: 122 bits from
// the CSPRNG, lower-case hex. node's randomUUID gives the same, but builds its text from 20 string pieces
// per id; on the path of every request without an id that showed in the allocation per request. Here the
// random bytes come from a pool refilled 256 ids at a time, whose text is written at the refill into one
// buffer and read out as one string; an id is a 36-character substring of it (no native call per id).
// Takes nothing; gives the id. Must not: hand out a byte of the pool twice.
import { randomFillSync } from "node:crypto";

const IDS_PER_FILL = 256;
const ID_LENGTH = 36;
const pool = Buffer.allocUnsafe(16 * IDS_PER_FILL);
const text = Buffer.allocUnsafe(ID_LENGTH * IDS_PER_FILL);
/** The text of the pool's ids, and the next one to hand out. */
let ids = "";
let next = IDS_PER_FILL;
const HEX = Buffer.from("0123456789abcdef", "latin1");
/** Where each of the 16 bytes' two hex digits go in the 36 characters (the dashes stay). */
const AT = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];
for (let id = 0; id < IDS_PER_FILL; id++) for (const i of [8, 13, 18, 23]) text[id * ID_LENGTH + i] = 0x2d;

/** New random bytes for the next IDS_PER_FILL ids, and their text. */
function refill(): void {
  randomFillSync(pool);
  for (let id = 0; id < IDS_PER_FILL; id++) {
    const o = id * 16;
    const t = id * ID_LENGTH;
    // Version 4 (byte 6's high nibble) and the RFC 9562 variant (byte 8's two high bits 10).
    pool[o + 6] = (pool[o + 6]! & 0x0f) | 0x40;
    pool[o + 8] = (pool[o + 8]! & 0x3f) | 0x80;
    for (let i = 0; i < 16; i++) {
      const b = pool[o + i]!;
      const at = t + AT[i]!;
      text[at] = HEX[b >> 4]!;
      text[at + 1] = HEX[b & 15]!;
    }
  }
  ids = text.toString("latin1");
  next = 0;
}

/** A random version 4 UUID, e.g. "0f8fad5b-d9cb-469f-a165-70867728950e". */
export function randomRequestId(): string {
  if (next === IDS_PER_FILL) refill();
  const at = next * ID_LENGTH;
  next++;
  return ids.substring(at, at + ID_LENGTH);
}
