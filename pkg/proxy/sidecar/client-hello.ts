// client-hello: reads SNI and ALPN out of a TLS ClientHello (RFC 8446 §4.1.2, RFC 7301, RFC 6066 §3)
// without terminating TLS, so the inbound sidecar can tell mesh mTLS from the app's own TLS.
// Takes: the first bytes of a connection (one or more TLS records). Gives: "need-more", "invalid" or
// the offered ALPN protocols and server name. Bounded: a hello larger than MAX_HELLO is "invalid".
// Must not: throw on any input, or trust a length field without checking it against the buffer.

export type ClientHelloResult =
  | { readonly status: "need-more" }
  | { readonly status: "invalid"; readonly reason: string }
  | { readonly status: "ok"; readonly alpn: readonly string[]; readonly serverName?: string };

export const MAX_HELLO = 32 * 1024;

/** Concatenate handshake-record payloads until the whole ClientHello message is present, then parse. */
export function parseClientHello(buf: Buffer): ClientHelloResult {
  const chunks: Buffer[] = [];
  let total = 0;
  let off = 0;
  while (off + 5 <= buf.length) {
    if (buf[off] !== 0x16) return { status: "invalid", reason: "not a handshake record" };
    const len = buf.readUInt16BE(off + 3);
    if (len === 0 || len > 16384 + 256) return { status: "invalid", reason: "bad record length" };
    if (off + 5 + len > buf.length) break;
    chunks.push(buf.subarray(off + 5, off + 5 + len));
    total += len;
    off += 5 + len;
    const hs = Buffer.concat(chunks, total);
    if (hs.length >= 4) {
      if (hs[0] !== 0x01) return { status: "invalid", reason: "first handshake message is not ClientHello" };
      const msgLen = hs.readUIntBE(1, 3);
      if (msgLen > MAX_HELLO) return { status: "invalid", reason: "ClientHello too large" };
      if (hs.length >= 4 + msgLen) return parseHelloBody(hs.subarray(4, 4 + msgLen));
    }
  }
  if (buf.length > MAX_HELLO + 5 * 8) return { status: "invalid", reason: "ClientHello too large" };
  return { status: "need-more" };
}

function parseHelloBody(b: Buffer): ClientHelloResult {
  const bad = (reason: string): ClientHelloResult => ({ status: "invalid", reason });
  let p = 2 + 32;
  if (p + 1 > b.length) return bad("truncated before session id");
  p += 1 + (b[p] ?? 0);
  if (p + 2 > b.length) return bad("truncated before cipher suites");
  p += 2 + b.readUInt16BE(p);
  if (p + 1 > b.length) return bad("truncated before compression methods");
  p += 1 + (b[p] ?? 0);
  if (p === b.length) return { status: "ok", alpn: [] };
  if (p + 2 > b.length) return bad("truncated extensions length");
  const end = p + 2 + b.readUInt16BE(p);
  if (end > b.length) return bad("extensions overrun the hello");
  p += 2;
  let alpn: string[] = [];
  let serverName: string | undefined;
  while (p + 4 <= end) {
    const type = b.readUInt16BE(p);
    const len = b.readUInt16BE(p + 2);
    const body = p + 4;
    if (body + len > end) return bad("extension overruns the hello");
    if (type === 16) {
      const list = readAlpn(b.subarray(body, body + len));
      if (list === undefined) return bad("malformed ALPN extension");
      alpn = list;
    } else if (type === 0) {
      serverName = readServerName(b.subarray(body, body + len));
    }
    p = body + len;
  }
  return serverName === undefined ? { status: "ok", alpn } : { status: "ok", alpn, serverName };
}

function readAlpn(e: Buffer): string[] | undefined {
  if (e.length < 2 || e.readUInt16BE(0) !== e.length - 2) return undefined;
  const out: string[] = [];
  for (let p = 2; p < e.length;) {
    const n = e[p] ?? 0;
    if (n === 0 || p + 1 + n > e.length) return undefined;
    out.push(e.subarray(p + 1, p + 1 + n).toString("latin1"));
    p += 1 + n;
  }
  return out;
}

function readServerName(e: Buffer): string | undefined {
  if (e.length < 5 || e.readUInt16BE(0) !== e.length - 2 || e[2] !== 0) return undefined;
  const n = e.readUInt16BE(3);
  if (5 + n > e.length) return undefined;
  return e.subarray(5, 5 + n).toString("latin1");
}
