// h1-scan (benchmark prototype, NOT production parsing): HTTP/1.1 message heads and body framing (RFC 9112)
// read in JS from bytes, for bench-h1-own-minimal.ts — a request or status line and the header fields as
// latin1 strings (the flat name/value list llhttp gives), the body's framing (none, Content-Length, chunked),
// and a scanner that finds where a body ends so its bytes can be relayed as they came (chunked stays chunked).
// Takes a Buffer range; gives a Head, null (incomplete: read more) or undefined (malformed). Exists to
// measure own parsing against node's llhttp binding; it must not be used to carry real traffic.
// Omits what a production parser needs (and llhttp gives today): token and field-value character checks
// (only CR, LF and NUL are refused), obs-fold, request-target forms, HTTP/1.0 keep-alive rules, method
// lists, chunk-extension and trailer limits, Transfer-Encoding lists other than exactly "chunked", 1xx
// interplay with Expect, and fuzzing against a reference parser.

export interface Head {
  /** Request: method and target; answer: status (method "" and target ""). */
  method: string;
  target: string;
  status: number;
  /** name, value, name, value, … as received (names not lowercased). */
  fields: string[];
  /** Index just past the blank line that ends the head. */
  end: number;
  /** 0 no body, 1 Content-Length, 2 chunked. */
  bodyKind: number;
  length: number;
}

interface Latin1 {
  latin1Slice(start: number, end: number): string;
}
const str = (b: Buffer, s: number, e: number): string => (b as unknown as Latin1).latin1Slice(s, e);

const MAX_HEAD = 16_384;
const MAX_FIELDS = 100;

/** Index of the CR of the CRLF ending the line at p; -1 not yet read; -2 malformed (bare CR/LF or NUL). */
function lineEnd(b: Buffer, p: number, end: number): number {
  for (let i = p; i < end; i++) {
    const c = b[i]!;
    if (c > 13) continue;
    if (c === 13) {
      if (i + 1 >= end) return -1;
      return b[i + 1] === 10 ? i : -2;
    }
    if (c === 10 || c === 0) return -2;
  }
  return -1;
}

/** "HTTP/1.x" at p. */
function isVersion(b: Buffer, p: number): boolean {
  return b[p] === 72 && b[p + 1] === 84 && b[p + 2] === 84 && b[p + 3] === 80 && b[p + 4] === 47 && b[p + 5] === 49 && b[p + 6] === 46 && (b[p + 7] === 49 || b[p + 7] === 48);
}

function startLine(b: Buffer, p: number, eol: number, request: boolean, h: Head): boolean {
  if (!request) {
    if (eol - p < 12 || !isVersion(b, p) || b[p + 8] !== 32) return false;
    const d0 = b[p + 9]! - 48, d1 = b[p + 10]! - 48, d2 = b[p + 11]! - 48;
    if (d0 < 1 || d0 > 5 || d1 < 0 || d1 > 9 || d2 < 0 || d2 > 9 || (eol > p + 12 && b[p + 12] !== 32)) return false;
    h.status = d0 * 100 + d1 * 10 + d2;
    return true;
  }
  let sp1 = p;
  while (sp1 < eol && b[sp1] !== 32) sp1++;
  let sp2 = sp1 + 1;
  while (sp2 < eol && b[sp2] !== 32) sp2++;
  if (sp1 === p || sp2 === sp1 + 1 || sp2 + 9 !== eol || !isVersion(b, sp2 + 1)) return false;
  h.method = str(b, p, sp1);
  h.target = str(b, sp1 + 1, sp2);
  return true;
}

/** One header field line [p, eol): appended to h.fields, its framing noted. */
function field(b: Buffer, p: number, eol: number, h: Head): boolean {
  let colon = p;
  for (; colon < eol; colon++) {
    const c = b[colon]!;
    if (c === 58) break;
    if (c <= 32) return false;
  }
  if (colon === p || colon === eol) return false;
  let vs = colon + 1, ve = eol;
  while (vs < ve && (b[vs] === 32 || b[vs] === 9)) vs++;
  while (ve > vs && (b[ve - 1] === 32 || b[ve - 1] === 9)) ve--;
  const name = str(b, p, colon);
  const value = str(b, vs, ve);
  h.fields.push(name, value);
  const n = colon - p;
  if (n === 14 && name.toLowerCase() === "content-length") {
    if (ve === vs || ve - vs > 15) return false;
    let len = 0;
    for (let i = vs; i < ve; i++) {
      const d = b[i]! - 48;
      if (d < 0 || d > 9) return false;
      len = len * 10 + d;
    }
    if (h.bodyKind === 2 || (h.bodyKind === 1 && h.length !== len)) return false;
    h.bodyKind = 1;
    h.length = len;
  } else if (n === 17 && name.toLowerCase() === "transfer-encoding") {
    if (h.bodyKind !== 0 || value.toLowerCase() !== "chunked") return false;
    h.bodyKind = 2;
  }
  return true;
}

/**
 * The head starting at `start`: `request` a request line, otherwise a status line; `noBody` (an answer to
 * HEAD) drops its framing, as do 1xx, 204 and 304.
 */
export function parseHead(b: Buffer, start: number, end: number, request: boolean, noBody: boolean): Head | null | undefined {
  let eol = lineEnd(b, start, end);
  if (eol < 0) return eol === -1 && end - start <= MAX_HEAD ? null : undefined;
  const h: Head = { method: "", target: "", status: 0, fields: [], end: 0, bodyKind: 0, length: 0 };
  if (!startLine(b, start, eol, request, h)) return undefined;
  let p = eol + 2;
  for (;;) {
    eol = lineEnd(b, p, end);
    if (eol < 0) return eol === -1 && end - start <= MAX_HEAD ? null : undefined;
    if (eol === p) break;
    if (h.fields.length >= 2 * MAX_FIELDS || !field(b, p, eol, h)) return undefined;
    p = eol + 2;
  }
  h.end = eol + 2;
  if (h.end - start > MAX_HEAD) return undefined;
  if (noBody || (!request && (h.status < 200 || h.status === 204 || h.status === 304))) h.bodyKind = 0;
  return h;
}

const SIZE = 0, EXT = 1, SIZE_LF = 2, DATA = 3, DATA_CR = 4, DATA_LF = 5, TRAILER = 6, TRAILER_LINE = 7, LAST_LF = 8, TRAILER_LF = 9;

/** Where a message's body ends, across reads: Content-Length counted, chunked framing followed byte by byte. */
export class BodyScan {
  done = true;
  private kind = 0;
  private left = 0;
  private state = SIZE;
  private digits = 0;

  begin(h: Head): void {
    this.kind = h.bodyKind;
    this.left = h.length;
    this.done = this.kind === 0 || (this.kind === 1 && this.left === 0);
    this.state = SIZE;
    this.left = this.kind === 2 ? 0 : this.left;
    this.digits = 0;
  }

  /** The index where the body ends within [p, end), -1 when it needs more bytes, -2 when malformed. */
  scan(b: Buffer, p: number, end: number): number {
    if (this.done) return p;
    if (this.kind === 1) {
      const n = Math.min(this.left, end - p);
      this.left -= n;
      if (this.left > 0) return -1;
      this.done = true;
      return p + n;
    }
    let i = p;
    while (i < end) {
      const c = b[i]!;
      switch (this.state) {
        case SIZE: {
          const v = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
          if (v >= 0) {
            if (++this.digits > 8) return -2;
            this.left = this.left * 16 + v;
          } else if (this.digits === 0) return -2;
          else if (c === 13) this.state = SIZE_LF;
          else if (c === 59 || c === 32 || c === 9) this.state = EXT;
          else return -2;
          i++;
          break;
        }
        case EXT:
          if (c === 13) this.state = SIZE_LF;
          else if (c === 10 || c === 0) return -2;
          i++;
          break;
        case SIZE_LF:
          if (c !== 10) return -2;
          this.digits = 0;
          this.state = this.left === 0 ? TRAILER : DATA;
          i++;
          break;
        case DATA: {
          const n = Math.min(this.left, end - i);
          this.left -= n;
          i += n;
          if (this.left === 0) this.state = DATA_CR;
          break;
        }
        case DATA_CR:
          if (c !== 13) return -2;
          this.state = DATA_LF;
          i++;
          break;
        case DATA_LF:
          if (c !== 10) return -2;
          this.state = SIZE;
          i++;
          break;
        case TRAILER: // at the start of a trailer line or the final blank line
          this.state = c === 13 ? LAST_LF : TRAILER_LINE;
          i++;
          break;
        case TRAILER_LINE:
          if (c === 13) this.state = TRAILER_LF;
          else if (c === 10 || c === 0) return -2;
          i++;
          break;
        case TRAILER_LF:
          if (c !== 10) return -2;
          this.state = TRAILER;
          i++;
          break;
        default: // LAST_LF
          if (c !== 10) return -2;
          this.done = true;
          return i + 1;
      }
    }
    return -1;
  }
}
