// huffman: the HPACK Huffman code (RFC 7541 Appendix B) — a decoder (a 4-bit state machine built at load
// from the code table: each state is an inner node of the code tree; one nibble moves at most one symbol
// out, as no code is shorter than 5 bits) and an encoder (huffmanLength, huffmanEncode).
// Takes a Huffman-coded string literal (decoding) or a latin1 string (encoding); gives its bytes as a latin1
// string, or writes the code into a buffer. Must not: throw anything but H2ConnectionError
// COMPRESSION_ERROR (EOS in the input, padding longer than 7 bits or not all ones, RFC 7541 5.2), or
// allocate more than 8/5 of the coded length (the caller bounds the coded length).
import { COMPRESSION_ERROR, H2ConnectionError } from "./errors.ts";
/** The code of each symbol 0..255, right-aligned (RFC 7541 Appendix B); EOS (256) is 0x3fffffff, 30 bits. */
// dprint-ignore: eight codes a line, as the table reads.
export const HUFFMAN_CODES: readonly number[] = [
  0x1ff8, 0x7fffd8, 0xfffffe2, 0xfffffe3, 0xfffffe4, 0xfffffe5, 0xfffffe6, 0xfffffe7,
  0xfffffe8, 0xffffea, 0x3ffffffc, 0xfffffe9, 0xfffffea, 0x3ffffffd, 0xfffffeb, 0xfffffec,
  0xfffffed, 0xfffffee, 0xfffffef, 0xffffff0, 0xffffff1, 0xffffff2, 0x3ffffffe, 0xffffff3,
  0xffffff4, 0xffffff5, 0xffffff6, 0xffffff7, 0xffffff8, 0xffffff9, 0xffffffa, 0xffffffb,
  0x14, 0x3f8, 0x3f9, 0xffa, 0x1ff9, 0x15, 0xf8, 0x7fa,
  0x3fa, 0x3fb, 0xf9, 0x7fb, 0xfa, 0x16, 0x17, 0x18,
  0x0, 0x1, 0x2, 0x19, 0x1a, 0x1b, 0x1c, 0x1d,
  0x1e, 0x1f, 0x5c, 0xfb, 0x7ffc, 0x20, 0xffb, 0x3fc,
  0x1ffa, 0x21, 0x5d, 0x5e, 0x5f, 0x60, 0x61, 0x62,
  0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a,
  0x6b, 0x6c, 0x6d, 0x6e, 0x6f, 0x70, 0x71, 0x72,
  0xfc, 0x73, 0xfd, 0x1ffb, 0x7fff0, 0x1ffc, 0x3ffc, 0x22,
  0x7ffd, 0x3, 0x23, 0x4, 0x24, 0x5, 0x25, 0x26,
  0x27, 0x6, 0x74, 0x75, 0x28, 0x29, 0x2a, 0x7,
  0x2b, 0x76, 0x2c, 0x8, 0x9, 0x2d, 0x77, 0x78,
  0x79, 0x7a, 0x7b, 0x7ffe, 0x7fc, 0x3ffd, 0x1ffd, 0xffffffc,
  0xfffe6, 0x3fffd2, 0xfffe7, 0xfffe8, 0x3fffd3, 0x3fffd4, 0x3fffd5, 0x7fffd9,
  0x3fffd6, 0x7fffda, 0x7fffdb, 0x7fffdc, 0x7fffdd, 0x7fffde, 0xffffeb, 0x7fffdf,
  0xffffec, 0xffffed, 0x3fffd7, 0x7fffe0, 0xffffee, 0x7fffe1, 0x7fffe2, 0x7fffe3,
  0x7fffe4, 0x1fffdc, 0x3fffd8, 0x7fffe5, 0x3fffd9, 0x7fffe6, 0x7fffe7, 0xffffef,
  0x3fffda, 0x1fffdd, 0xfffe9, 0x3fffdb, 0x3fffdc, 0x7fffe8, 0x7fffe9, 0x1fffde,
  0x7fffea, 0x3fffdd, 0x3fffde, 0xfffff0, 0x1fffdf, 0x3fffdf, 0x7fffeb, 0x7fffec,
  0x1fffe0, 0x1fffe1, 0x3fffe0, 0x1fffe2, 0x7fffed, 0x3fffe1, 0x7fffee, 0x7fffef,
  0xfffea, 0x3fffe2, 0x3fffe3, 0x3fffe4, 0x7ffff0, 0x3fffe5, 0x3fffe6, 0x7ffff1,
  0x3ffffe0, 0x3ffffe1, 0xfffeb, 0x7fff1, 0x3fffe7, 0x7ffff2, 0x3fffe8, 0x1ffffec,
  0x3ffffe2, 0x3ffffe3, 0x3ffffe4, 0x7ffffde, 0x7ffffdf, 0x3ffffe5, 0xfffff1, 0x1ffffed,
  0x7fff2, 0x1fffe3, 0x3ffffe6, 0x7ffffe0, 0x7ffffe1, 0x3ffffe7, 0x7ffffe2, 0xfffff2,
  0x1fffe4, 0x1fffe5, 0x3ffffe8, 0x3ffffe9, 0xffffffd, 0x7ffffe3, 0x7ffffe4, 0x7ffffe5,
  0xfffec, 0xfffff3, 0xfffed, 0x1fffe6, 0x3fffe9, 0x1fffe7, 0x1fffe8, 0x7ffff3,
  0x3fffea, 0x3fffeb, 0x1ffffee, 0x1ffffef, 0xfffff4, 0xfffff5, 0x3ffffea, 0x7ffff4,
  0x3ffffeb, 0x7ffffe6, 0x3ffffec, 0x3ffffed, 0x7ffffe7, 0x7ffffe8, 0x7ffffe9, 0x7ffffea,
  0x7ffffeb, 0xffffffe, 0x7ffffec, 0x7ffffed, 0x7ffffee, 0x7ffffef, 0x7fffff0, 0x3ffffee,
];

/** The length in bits of each symbol's code. */
// dprint-ignore: sixteen lengths a line.
export const HUFFMAN_LENGTHS: readonly number[] = [
  13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28,
  28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28,
  6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6,
  5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10,
  13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
  7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6,
  15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5,
  6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28,
  20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23,
  24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24,
  22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23,
  21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23,
  26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25,
  19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27,
  20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23,
  26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26,
];

/** node's Buffer latin1 fast paths (not in its type declarations). */
export interface Latin1 {
  latin1Slice(start: number, end: number): string;
  latin1Write(s: string, offset: number): number;
}

const EOS = 256;
// The code tree: inner nodes 0..255 (0 is the root); a child is an inner node id, or ~symbol for a leaf.
const child0: number[] = [0];
const child1: number[] = [0];
const depth: number[] = [0];
const allOnes: boolean[] = [true];
{
  const add = (code: number, len: number, sym: number) => {
    let node = 0;
    for (let i = len - 1; i >= 0; i--) {
      const bit = (code >>> i) & 1;
      const kids = bit === 0 ? child0 : child1;
      if (i === 0) {
        kids[node] = ~sym;
        break;
      }
      if (kids[node] === 0 || kids[node] === undefined) {
        const id = child0.length;
        child0.push(0);
        child1.push(0);
        depth.push(depth[node]! + 1);
        allOnes.push(allOnes[node]! && bit === 1);
        kids[node] = id;
      }
      node = kids[node]!;
    }
  };
  for (let s = 0; s < 256; s++) add(HUFFMAN_CODES[s]!, HUFFMAN_LENGTHS[s]!, s);
  add(0x3fffffff, 30, EOS);
}

// FSM[state * 16 + nibble]: -1 = invalid (EOS decoded), else next state << 9 | (1 << 8 if a symbol comes out) | symbol.
const FSM = new Int32Array(child0.length * 16);
for (let state = 0; state < child0.length; state++) {
  for (let nib = 0; nib < 16; nib++) {
    let node = state;
    let out = 0;
    let bad = false;
    for (let i = 3; i >= 0; i--) {
      const next = ((nib >>> i) & 1) === 0 ? child0[node]! : child1[node]!;
      if (next < 0) {
        if (~next === EOS) {
          bad = true;
          break;
        }
        out = (1 << 8) | ~next;
        node = 0;
      } else node = next;
    }
    FSM[state * 16 + nib] = bad ? -1 : (node << 9) | out;
  }
}
/** A state the input may end in: the root, or at most 7 bits into EOS's all-ones prefix. */
const ACCEPT = Uint8Array.from(child0, (_, s) => (s === 0 || (allOnes[s]! && depth[s]! <= 7) ? 1 : 0));

let scratch = Buffer.allocUnsafe(256);

/** The string coded in buf[start, end). Throws on invalid input. */
export function huffmanDecode(buf: Buffer, start: number, end: number): string {
  // Each byte decodes to at most 8/5 symbols.
  const max = ((end - start) * 8) / 5 + 1;
  if (scratch.length < max) scratch = Buffer.allocUnsafe(Math.max(max | 0, scratch.length * 2));
  const out = scratch;
  let n = 0;
  let state = 0;
  for (let i = start; i < end; i++) {
    const b = buf[i]!;
    let e = FSM[(state << 4) | (b >>> 4)]!;
    if (e < 0) throw new H2ConnectionError(COMPRESSION_ERROR, "hpack: EOS in a Huffman string");
    if ((e & 0x100) !== 0) out[n++] = e & 0xff;
    state = e >>> 9;
    e = FSM[(state << 4) | (b & 0xf)]!;
    if (e < 0) throw new H2ConnectionError(COMPRESSION_ERROR, "hpack: EOS in a Huffman string");
    if ((e & 0x100) !== 0) out[n++] = e & 0xff;
    state = e >>> 9;
  }
  if (ACCEPT[state] !== 1) throw new H2ConnectionError(COMPRESSION_ERROR, "hpack: bad Huffman padding");
  return (out as unknown as Latin1).latin1Slice(0, n);
}

/** The length in bytes of s (latin1) Huffman-coded. */
export function huffmanLength(s: string): number {
  let bits = 0;
  for (let i = 0; i < s.length; i++) bits += HUFFMAN_LENGTHS[s.charCodeAt(i) & 0xff]!;
  return (bits + 7) >>> 3;
}

/** Writes s (latin1) Huffman-coded at buf[pos]; gives the position after it (padding with EOS's ones). */
export function huffmanEncode(s: string, buf: Buffer, pos: number): number {
  let acc = 0; // pending bits, right-aligned
  let n = 0; // how many
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i) & 0xff;
    const len = HUFFMAN_LENGTHS[c]!;
    const code = HUFFMAN_CODES[c]!;
    // Codes are up to 30 bits: feed them in two parts so acc never holds more than 31 bits.
    if (len > 16) {
      acc = (acc * 2 ** (len - 16)) + (code >>> 16);
      n += len - 16;
      while (n >= 8) {
        n -= 8;
        buf[pos++] = (acc >>> n) & 0xff;
      }
      acc &= (1 << n) - 1;
      acc = (acc << 16) | (code & 0xffff);
      n += 16;
    } else {
      acc = (acc << len) | code;
      n += len;
    }
    while (n >= 8) {
      n -= 8;
      buf[pos++] = (acc >>> n) & 0xff;
    }
    acc &= (1 << n) - 1;
  }
  if (n > 0) buf[pos++] = ((acc << (8 - n)) | (0xff >>> n)) & 0xff;
  return pos;
}
