// static-table: the HPACK static table (RFC 7541 Appendix A) and the encoder's look-ups into it.
// Takes nothing; gives the table and maps from a name (and a name/value pair) to its first index. Must
// not: change at run time.

/** RFC 7541 Appendix A, index 1..61 at [index - 1]. */
export const STATIC_TABLE: readonly (readonly [string, string])[] = [
  [":authority", ""],
  [":method", "GET"],
  [":method", "POST"],
  [":path", "/"],
  [":path", "/index.html"],
  [":scheme", "http"],
  [":scheme", "https"],
  [":status", "200"],
  [":status", "204"],
  [":status", "206"],
  [":status", "304"],
  [":status", "400"],
  [":status", "404"],
  [":status", "500"],
  ["accept-charset", ""],
  ["accept-encoding", "gzip, deflate"],
  ["accept-language", ""],
  ["accept-ranges", ""],
  ["accept", ""],
  ["access-control-allow-origin", ""],
  ["age", ""],
  ["allow", ""],
  ["authorization", ""],
  ["cache-control", ""],
  ["content-disposition", ""],
  ["content-encoding", ""],
  ["content-language", ""],
  ["content-length", ""],
  ["content-location", ""],
  ["content-range", ""],
  ["content-type", ""],
  ["cookie", ""],
  ["date", ""],
  ["etag", ""],
  ["expect", ""],
  ["expires", ""],
  ["from", ""],
  ["host", ""],
  ["if-match", ""],
  ["if-modified-since", ""],
  ["if-none-match", ""],
  ["if-range", ""],
  ["if-unmodified-since", ""],
  ["last-modified", ""],
  ["link", ""],
  ["location", ""],
  ["max-forwards", ""],
  ["proxy-authenticate", ""],
  ["proxy-authorization", ""],
  ["range", ""],
  ["referer", ""],
  ["refresh", ""],
  ["retry-after", ""],
  ["server", ""],
  ["set-cookie", ""],
  ["strict-transport-security", ""],
  ["transfer-encoding", ""],
  ["user-agent", ""],
  ["vary", ""],
  ["via", ""],
  ["www-authenticate", ""],
];

/** Static-table index of an exact name/value pair, and of a name alone (first match). */
export const STATIC_EXACT = new Map<string, Map<string, number>>();
export const STATIC_NAME = new Map<string, number>();
STATIC_TABLE.forEach(([n, v], i) => {
  if (!STATIC_NAME.has(n)) STATIC_NAME.set(n, i + 1);
  if (v !== "") {
    let m = STATIC_EXACT.get(n);
    if (m === undefined) STATIC_EXACT.set(n, m = new Map<string, number>());
    m.set(v, i + 1);
  }
});
