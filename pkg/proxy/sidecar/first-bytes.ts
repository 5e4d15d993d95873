// first-bytes: classifies the first bytes a client sent on a captured connection (pure).
// Takes: the bytes read so far. Gives: "http1" (an HTTP/1 method token then a space), "h2" (the full
// HTTP/2 connection preface, RFC 9113 §3.4), "tls" (a TLS handshake record header), "other", or
// "need-more" when the bytes so far are a prefix of more than one answer.
// Must not: read sockets or allocate beyond small string views.

export type FirstBytesKind = "http1" | "h2" | "tls" | "other" | "need-more";

const H2_PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");
/** Longest method token we accept (RFC 9110 methods plus extensions like PROPPATCH/MKCALENDAR). */
const MAX_METHOD = 16;

export function classifyFirstBytes(buf: Buffer): FirstBytesKind {
  if (buf.length === 0) return "need-more";
  const first = buf[0] ?? 0;
  if (first === 0x16) {
    if (buf.length < 3) return "need-more";
    return buf[1] === 0x03 && (buf[2] ?? 0) <= 0x04 ? "tls" : "other";
  }
  const n = Math.min(buf.length, H2_PREFACE.length);
  if (buf.subarray(0, n).equals(H2_PREFACE.subarray(0, n))) {
    return buf.length >= H2_PREFACE.length ? "h2" : "need-more";
  }
  for (let i = 0; i < buf.length && i <= MAX_METHOD; i++) {
    const c = buf[i] ?? 0;
    if (c === 0x20) return i > 0 ? "http1" : "other";
    const tokenChar = (c >= 0x41 && c <= 0x5a) || c === 0x2d || c === 0x5f;
    if (!tokenChar) return "other";
  }
  return buf.length > MAX_METHOD ? "other" : "need-more";
}
