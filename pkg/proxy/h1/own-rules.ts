// own-rules: the message-level decisions of the own HTTP/1.1 parser, as node's llhttp takes them once a
// head is read (llhttp's http.c): whether the connection stays open after a message (keep-alive),
// whether a response runs until the connection closes, which body framing follows a head (none,
// chunked, Content-Length, until close, or a refused Transfer-Encoding), and whether a head switches
// protocols. Takes the head's flags, kind, method and status; gives numbers. Must not: do I/O.

export const F_KEEP_ALIVE = 1;
export const F_CLOSE = 2;
export const F_CONNECTION_UPGRADE = 4;
export const F_CHUNKED = 8;
export const F_UPGRADE = 16;
export const F_CONTENT_LENGTH = 32;
export const F_SKIP_BODY = 64;
export const F_TRAILING = 128;
export const F_TRANSFER_ENCODING = 512;

export const REQUEST = 1;
export const RESPONSE = 2;
const CONNECT = 5;

/** The framing after a head: */
export const AFTER_NO_BODY = 0, AFTER_UPGRADE = 1, AFTER_CHUNKED = 2, AFTER_LENGTH = 3, AFTER_EOF = 4, AFTER_BAD_TE = 5;

/** Whether a response's body runs until the connection closes (llhttp_message_needs_eof). */
export function needsEof(kind: number, flags: number, status: number): boolean {
  if (kind === REQUEST) return false;
  if ((status >= 100 && status < 200) || status === 204 || status === 304 || (flags & F_SKIP_BODY) !== 0) return false;
  if ((flags & F_TRANSFER_ENCODING) !== 0 && (flags & F_CHUNKED) === 0) return true;
  return (flags & (F_CHUNKED | F_CONTENT_LENGTH)) === 0;
}

/** llhttp_should_keep_alive: HTTP/1.1 (x.y with both > 0) unless `close`; older only with `keep-alive`. */
export function keepsAlive(kind: number, flags: number, status: number, major: number, minor: number): boolean {
  if (major > 0 && minor > 0) {
    if ((flags & F_CLOSE) !== 0) return false;
  } else if ((flags & F_KEEP_ALIVE) === 0) return false;
  return !needsEof(kind, flags, status);
}

/** Whether a head asks to switch protocols (llhttp__before_headers_complete). */
export function upgrades(kind: number, flags: number, method: number, status: number): boolean {
  if ((flags & F_UPGRADE) !== 0 && (flags & F_CONNECTION_UPGRADE) !== 0) return kind === REQUEST || status === 101;
  return method === CONNECT;
}

/** The framing after a head (llhttp__after_headers_complete). */
export function framing(kind: number, flags: number, method: number, status: number, upgrade: boolean, contentLength: number): number {
  const hasBody = (flags & F_CHUNKED) !== 0 || contentLength > 0;
  if ((upgrade && (method === CONNECT || (flags & F_SKIP_BODY) !== 0 || !hasBody)) || (kind === RESPONSE && status === 101)) return AFTER_UPGRADE;
  if (kind === RESPONSE && status === 100) return AFTER_NO_BODY;
  if ((flags & F_SKIP_BODY) !== 0 || (kind === RESPONSE && (status === 102 || status === 103 || status === 204 || status === 304))) return AFTER_NO_BODY;
  if ((flags & F_CHUNKED) !== 0) return AFTER_CHUNKED;
  if ((flags & F_TRANSFER_ENCODING) !== 0) return kind === REQUEST ? AFTER_BAD_TE : AFTER_EOF;
  if ((flags & F_CONTENT_LENGTH) === 0) return needsEof(kind, flags, status) ? AFTER_EOF : AFTER_NO_BODY;
  return contentLength === 0 ? AFTER_NO_BODY : AFTER_LENGTH;
}
