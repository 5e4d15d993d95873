// h1-messages: fast-check arbitraries of HTTP/1.1 byte streams for the own parser's differential tests:
// valid requests and responses (methods, targets, versions, header sets with OWS, Connection words,
// Content-Length and chunked bodies with extensions and trailers, pipelined), and hostile ones made from
// them (request-smuggling field lines spliced into the head, single bytes inserted or replaced by CR, LF,
// NUL, SP, HTAB, DEL, obs-text, separators). Takes nothing; gives arbitraries of Buffers and split points.
// Must not: decide what a parser should do with them (the tests compare two parsers).
import fc from "fast-check";

const tchar = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-.^_`|~";
const pathChars = "abcXYZ019-._~!$&'()*+,;=:@/%";
const valueChars = "abc XYZ019\t!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~\u0080\u00ff";

const str = (chars: string, min: number, max: number) => fc.string({ unit: fc.constantFrom(...chars.split("")), minLength: min, maxLength: max });

const token = str(tchar, 1, 12);
const method = fc.constantFrom("GET", "GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH", "QUERY", "TRACE", "M-SEARCH", "PURGE");
const target = fc.oneof(
  fc.tuple(str(pathChars, 0, 20), fc.option(str(pathChars + "?", 0, 10)), fc.option(str(pathChars + "?#", 0, 6))).map(([p, q, f]) => `/${p}${q === null ? "" : `?${q}`}${f === null ? "" : `#${f}`}`),
  fc.constant("*"),
  fc.tuple(fc.constantFrom("http", "https", "ws"), str("abcdef0123456789.-", 1, 10), str(pathChars, 0, 10)).map(([s, h, p]) => `${s}://${h}/${p}`),
);
const ows = str(" \t", 0, 2);
const field = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(token, ows, str(valueChars, 0, 20), ows).map(([n, a, v, b]) => `${n}:${a}${v.trim()}${b}`) },
  { weight: 1,
    arbitrary: fc.tuple(fc.constantFrom("Connection", "connection", "Proxy-Connection"),
      fc.constantFrom("close", "keep-alive", "Upgrade", "keep-alive, close", "foo, close", "closex", " TE, upgrade ")).map(([n, v]) => `${n}: ${v}`) },
  { weight: 1, arbitrary: fc.constantFrom("Host: example.com", "Expect: 100-continue", "Upgrade: websocket", "Cookie: a=b; c=d") },
);
const fields = fc.array(field, { maxLength: 8 });
const bodyBytes = str('abcdefghij\r\n0;"\u00ff', 0, 40);

const extension = fc.oneof(token.map((n) => `;${n}`), fc.tuple(token, token).map(([n, v]) => `;${n}=${v}`), fc.tuple(token, str("ab \t!#\u00ff", 0, 6)).map(([n, v]) => `;${n}="${v}"`));

/** A chunked body: chunks (size in hex, any case, leading zeros), extensions, last chunk, trailer fields. */
const chunked = fc.tuple(
  fc.array(fc.tuple(fc.string({ unit: fc.constantFrom(..."abcxyz\r\n".split("")), minLength: 1, maxLength: 20 }), fc.array(extension, { maxLength: 2 }), fc.boolean(), fc.nat(2)), { maxLength: 4 }),
  fc.array(extension, { maxLength: 2 }),
  fc.array(field, { maxLength: 3 }),
).map(([chunks, lastExt, trailers]) => {
  const sized = chunks.map(([data, ext, upper, zeros]) => {
    const hex = "0".repeat(zeros) + (upper ? data.length.toString(16).toUpperCase() : data.length.toString(16));
    return `${hex}${ext.join("")}\r\n${data}\r\n`;
  }).join("");
  return `${sized}0${lastExt.join("")}\r\n${trailers.map((t) => `${t}\r\n`).join("")}\r\n`;
});

/** Body framing: none, Content-Length, or chunked. */
const framed = fc.oneof(fc.constant({ head: "", body: "" }), bodyBytes.map((b) => ({ head: `Content-Length: ${b.length}\r\n`, body: b })),
  chunked.map((b) => ({ head: "Transfer-Encoding: chunked\r\n", body: b })));

export const request = fc.tuple(method, target, fc.constantFrom("HTTP/1.1", "HTTP/1.1", "HTTP/1.0"), fields, framed, fc.boolean()).map(([m, t, v, fs, f, first]) => {
  const lines = fs.map((x) => `${x}\r\n`);
  lines.splice(first ? 0 : lines.length, 0, f.head);
  return `${m} ${t} ${v}\r\n${lines.join("")}\r\n${f.body}`;
});

export const response = fc.tuple(fc.constantFrom("HTTP/1.1", "HTTP/1.1", "HTTP/1.0"), fc.constantFrom(200, 200, 201, 204, 301, 304, 404, 500, 100, 103), str("abc OK-", 0, 12), fields, framed).map(
  ([v, s, r, fs, f]) => `${v} ${s} ${r}\r\n${fs.map((x) => `${x}\r\n`).join("")}${f.head}\r\n${f.body}`,
);

/** Field lines and fragments known from request-smuggling work, spliced into heads. */
export const SMUGGLING = [
  "Content-Length: 5\r\n",
  "Content-Length: 0\r\n",
  "Transfer-Encoding: chunked\r\n",
  "Transfer-Encoding: chunked, identity\r\n",
  "Transfer-Encoding: identity, chunked\r\n",
  "Transfer-Encoding: xchunked\r\n",
  "Transfer-Encoding: chunked\t\r\n",
  "Transfer-Encoding : chunked\r\n",
  "Content-Length : 5\r\n",
  "Content-Length: +5\r\n",
  "Content-Length: 5 5\r\n",
  "Content-Length: -1\r\n",
  "Content-Length: 0x5\r\n",
  "Content-Length: 99999999999999999999\r\n",
  " folded\r\n",
  " Transfer-Encoding: chunked\r\n",
  "\tContent-Length: 5\r\n",
  "X: a\r\n b\r\n",
  "X: a\rb\r\n",
  "X: a\u0000b\r\n",
  "X\r\n",
  ": empty\r\n",
  "Connection: close\r\n",
  "Connection: upgrade\r\nUpgrade: x\r\n",
  "Transfer-Encoding:\r\n",
  "Content-Length:\r\n",
];

const nasty = fc.constantFrom(13, 10, 0, 32, 9, 0x7f, 0x80, 0xff, 58, 44, 59, 34, 61, 0x0b, 0x40, 0x3f, 0x23, 0x2f, 0x30, 0x66, 0x41);

/** A valid stream made hostile: a smuggling line spliced in at a line start, then byte edits. */
export function hostile(base: fc.Arbitrary<string>): fc.Arbitrary<Buffer> {
  return fc.tuple(base, fc.option(fc.tuple(fc.constantFrom(...SMUGGLING), fc.nat())), fc.array(fc.tuple(fc.nat(), nasty, fc.boolean()), { maxLength: 3 })).map(([s, splice, edits]) => {
    let text = s;
    if (splice !== null) {
      const starts: number[] = [];
      for (let i = text.indexOf("\r\n"); i >= 0 && i < text.length - 2; i = text.indexOf("\r\n", i + 2)) starts.push(i + 2);
      if (starts.length > 0) {
        const at = starts[splice[1] % starts.length]!;
        text = text.slice(0, at) + splice[0] + text.slice(at);
      }
    }
    const bytes = [...Buffer.from(text, "latin1")];
    for (const [pos, b, insert] of edits) {
      const at = bytes.length === 0 ? 0 : pos % bytes.length;
      if (insert) bytes.splice(at, 0, b);
      else bytes[at] = b;
    }
    return Buffer.from(bytes);
  });
}

export const cuts = fc.array(fc.nat(600), { maxLength: 4 });
