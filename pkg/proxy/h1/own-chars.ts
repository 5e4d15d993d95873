// own-chars: byte classes of the own HTTP/1.1 parser (own-parser.ts), as node's strict llhttp draws them:
// token (RFC 9110 tchar), field-value bytes (HTAB, SP, VCHAR, obs-text; no CTL, no DEL), request-target
// bytes (llhttp's strict URL sets: path, query/fragment, authority user-info), quoted-string text and hex
// digits. Takes nothing; gives one Uint8Array of class bits per byte value, built once at load.
// Must not: allow CR, LF or NUL in any class a field value or target can hold.

/** tchar: field names, chunk extension names and token values. */
export const TOKEN = 1;
/** Field-value byte: HTAB, SP..~ and 0x80-0xff (not DEL). */
export const VALUE = 2;
/** Path byte of a request-target (llhttp's strict URL_CHAR: no '?', '#', SP, CTL, DEL, obs-text). */
export const PATH = 4;
/** Authority byte (user-info characters, '[' and ']'). */
export const SERVER = 8;
/** Quoted-string text (qdtext). */
export const QDTEXT = 16;
/** Connection/Transfer-Encoding token byte: a field-value byte that is not ','. */
export const LIST_TOKEN = 32;
/** ASCII letter. */
export const ALPHA = 64;

export const CLASS = new Uint8Array(256);

function mark(bit: number, chars: string): void {
  for (let i = 0; i < chars.length; i++) CLASS[chars.charCodeAt(i)] = CLASS[chars.charCodeAt(i)]! | bit;
}

const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
mark(ALPHA, alnum.slice(0, 52));
mark(TOKEN, alnum + "!#$%&'*+-.^_`|~");
mark(PATH, alnum + "!\"$%&'()*+,-./:;<=>@[\\]^_`{|}~");
mark(SERVER, alnum + "-_.!~*'()%;:&=+$,[]");
CLASS[9] = CLASS[9]! | VALUE | QDTEXT | LIST_TOKEN;
for (let b = 0x20; b <= 0xff; b++) {
  if (b === 0x7f) continue;
  CLASS[b] = CLASS[b]! | VALUE;
  if (b !== 0x2c) CLASS[b] = CLASS[b]! | LIST_TOKEN;
  if (b !== 0x22 && b !== 0x5c) CLASS[b] = CLASS[b]! | QDTEXT;
}

/** Hex digit value of a byte, or -1. */
export const HEX = new Int8Array(256).fill(-1);
for (let i = 0; i < 10; i++) HEX[48 + i] = i;
for (let i = 0; i < 6; i++) HEX[65 + i] = HEX[97 + i] = 10 + i;

export function isDigit(b: number): boolean {
  return b >= 48 && b <= 57;
}

/** ASCII upper-case letters to lower case (llhttp's toLower); other bytes as they are. */
export function toLower(b: number): number {
  return b >= 65 && b <= 90 ? b | 0x20 : b;
}
