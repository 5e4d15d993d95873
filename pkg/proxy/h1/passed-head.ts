// passed-head: a received head's fields passed on as they came (h1-headers' passThroughFields rule: without
// the fields the caller drops, the repeats of a first-wins field left out, names lower-cased), written
// straight into the Buffer that carries the answer — no string per line, no joined head text to encode.
// chooseFields picks the fields and counts their bytes; writeFields writes them. Heads of up to
// MAX_CHOSEN fields (one bit each); the caller renders a longer one as text (passThroughFields).
// Takes name/value lists from the strict parser (names are tokens, values latin1 without CR, LF or NUL:
// nothing to check again). Must not: do I/O, or write past the bytes chooseFields counted.
import { firstWinsBit, lowerName } from "./h1-headers.ts";

/** Fields a chosen head may have (one bit each in `kept`). */
export const MAX_CHOSEN = 30;

/** Which fields of a head go on, and what framing needs from them. */
export interface ChosenFields {
  /** Bit i: field i goes on. */
  readonly kept: number;
  /** Bytes of the kept fields as "name: value\r\n" lines. */
  readonly bytes: number;
  /** The (first) Content-Length value, when there is one. */
  readonly contentLength: string | undefined;
  readonly hasDate: boolean;
}

/** The fields of `raw` (at most MAX_CHOSEN) that go on: passThroughFields' choice, without its text. */
export function chooseFields(raw: readonly string[], drop: (name: string) => boolean): ChosenFields {
  let kept = 0;
  let bytes = 0;
  let contentLength: string | undefined;
  let hasDate = false;
  let seen = 0;
  for (let i = 0, f = 0; i < raw.length; i += 2, f++) {
    const name = lowerName(raw[i]!);
    if (drop(name)) continue;
    const value = raw[i + 1]!;
    const bit = firstWinsBit.get(name);
    if (bit !== undefined) {
      if ((seen & bit) !== 0) continue;
      seen |= bit;
      if (name === "content-length") contentLength = value;
    } else if (name === "date") hasDate = true;
    kept |= 1 << f;
    bytes += name.length + value.length + 4;
  }
  return { kept, bytes, contentLength, hasDate };
}

/** Buffer's own latin1 encoder (what buf.write(s, o, "latin1") calls after checking its arguments). */
interface Latin1Write {
  latin1Write(s: string, offset: number, length: number): number;
}

/** Writes `s` (latin1) at out[at…); returns the offset after it. Short strings byte by byte, longer ones by the encoder. */
export function putLatin1(out: Buffer, at: number, s: string): number {
  const n = s.length;
  if (n > LONG) return at + (out as unknown as Latin1Write).latin1Write(s, at, n);
  for (let i = 0; i < n; i++) out[at++] = s.charCodeAt(i);
  return at;
}
/** Past this many characters one call into the encoder costs less than the loop. */
const LONG = 16;

/** Writes the kept fields of `raw` at out[at…) as "name: value\r\n" lines, names lower-cased; returns the offset after them. */
export function writeFields(raw: readonly string[], kept: number, out: Buffer, at: number): number {
  for (let f = 0; kept !== 0; f++, kept >>>= 1) {
    if ((kept & 1) === 0) continue;
    const name = raw[2 * f]!;
    for (let i = 0; i < name.length; i++) {
      const c = name.charCodeAt(i);
      out[at++] = c >= 65 && c <= 90 ? c + 32 : c;
    }
    out[at++] = 58;
    out[at++] = 32;
    at = putLatin1(out, at, raw[2 * f + 1]!);
    out[at++] = 13;
    out[at++] = 10;
  }
  return at;
}
