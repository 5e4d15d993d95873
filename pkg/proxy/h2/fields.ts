// fields: validation of a request's, a response's and of trailers' header lists (RFC 9113 §8.2-8.3): names are lowercase
// tokens, values carry no NUL/CR/LF and no leading or trailing whitespace, pseudo-fields come first, once
// each, only the request ones (:method, :scheme, :authority, :path), the connection-specific fields are
// absent, `te` is at most "trailers", :path is not empty, CONNECT has :authority and no :scheme / :path, and
// content-length is one decimal number.
// Takes a flat [name, value, …] list; gives the request's pseudo-fields and content-length. Must not: throw
// anything but H2StreamError PROTOCOL_ERROR (a malformed request is a stream error, §8.1.1).
import { H2StreamError, PROTOCOL_ERROR } from "./errors.ts";

export interface RequestHead {
  method: string;
  scheme: string;
  authority: string;
  path: string;
  /** The declared body length, or -1 when there is none. */
  contentLength: number;
}

/** Byte classes of a field name (RFC 9110 token, lowercase only): 1 = allowed. */
const NAME_OK = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyz") NAME_OK[c.charCodeAt(0)] = 1;

const CONNECTION_SPECIFIC = new Set(["connection", "proxy-connection", "keep-alive", "transfer-encoding", "upgrade"]);

function malformed(id: number, why: string): never {
  throw new H2StreamError(id, PROTOCOL_ERROR, `malformed: ${why}`);
}

function checkName(id: number, name: string, from: number): void {
  if (name.length === from) malformed(id, "empty field name");
  for (let i = from; i < name.length; i++) if (NAME_OK[name.charCodeAt(i)] !== 1) malformed(id, "invalid field name");
}

function checkValue(id: number, v: string): void {
  const n = v.length;
  if (n === 0) return;
  for (let i = 0; i < n; i++) {
    const c = v.charCodeAt(i);
    if (c === 0 || c === 0x0a || c === 0x0d) malformed(id, "invalid field value");
  }
  const a = v.charCodeAt(0);
  const z = v.charCodeAt(n - 1);
  if (a === 0x20 || a === 0x09 || z === 0x20 || z === 0x09) malformed(id, "field value with surrounding whitespace");
}

function parseLength(id: number, v: string): number {
  if (v.length === 0 || v.length > 15) malformed(id, "invalid content-length");
  let n = 0;
  for (let i = 0; i < v.length; i++) {
    const d = v.charCodeAt(i) - 48;
    if (d < 0 || d > 9) malformed(id, "invalid content-length");
    n = n * 10 + d;
  }
  return n;
}

/** Validates the regular (non-pseudo) field at i; gives its content-length or -2 when it is not one. */
function regular(id: number, name: string, value: string): number {
  checkName(id, name, 0);
  checkValue(id, value);
  if (CONNECTION_SPECIFIC.has(name)) malformed(id, "connection-specific field");
  if (name === "te" && value !== "trailers") malformed(id, "te other than trailers");
  return name === "content-length" ? parseLength(id, value) : -2;
}

/** Validates a request's header list on stream id. */
export function checkRequest(id: number, fields: readonly string[]): RequestHead {
  let method = "";
  let scheme = "";
  let authority = "";
  let path = "";
  let have = 0; // bits: 1 method, 2 scheme, 4 authority, 8 path
  let contentLength = -1;
  let i = 0;
  for (; i < fields.length; i += 2) {
    const name = fields[i]!;
    if (name.charCodeAt(0) !== 0x3a) break;
    const value = fields[i + 1]!;
    checkValue(id, value);
    let bit = 0;
    if (name === ":method") {
      bit = 1;
      method = value;
    } else if (name === ":scheme") {
      bit = 2;
      scheme = value;
    } else if (name === ":authority") {
      bit = 4;
      authority = value;
    } else if (name === ":path") {
      bit = 8;
      path = value;
    } else malformed(id, "unknown or response pseudo-field");
    if ((have & bit) !== 0) malformed(id, "duplicate pseudo-field");
    have |= bit;
  }
  for (; i < fields.length; i += 2) {
    const name = fields[i]!;
    if (name.charCodeAt(0) === 0x3a) malformed(id, "pseudo-field after a regular field");
    const len = regular(id, name, fields[i + 1]!);
    if (len !== -2) {
      if (contentLength !== -1 && contentLength !== len) malformed(id, "conflicting content-length");
      contentLength = len;
    }
  }
  if ((have & 1) === 0 || method === "") malformed(id, "no :method");
  if (method === "CONNECT") {
    if ((have & 4) === 0 || authority === "" || (have & 10) !== 0) malformed(id, "CONNECT needs :authority only");
  } else {
    if ((have & 10) !== 10) malformed(id, "no :scheme or :path");
    if (path === "") malformed(id, "empty :path");
    if ((scheme === "http" || scheme === "https") && path.charCodeAt(0) !== 0x2f && !(path === "*" && method === "OPTIONS")) malformed(id, "invalid :path");
  }
  return { method, scheme, authority, path, contentLength };
}

/**
 * Validates a response's header list on stream id (what our client receives): one :status first, three
 * digits, no other pseudo-field, regular fields as in a request. Gives the status.
 */
export function checkResponse(id: number, fields: readonly string[]): number {
  if (fields.length === 0 || fields[0] !== ":status") malformed(id, "no :status first");
  const v = fields[1]!;
  if (v.length !== 3) malformed(id, "invalid :status");
  let status = 0;
  for (let i = 0; i < 3; i++) {
    const d = v.charCodeAt(i) - 48;
    if (d < 0 || d > 9) malformed(id, "invalid :status");
    status = status * 10 + d;
  }
  if (status < 100) malformed(id, "invalid :status");
  for (let i = 2; i < fields.length; i += 2) {
    const name = fields[i]!;
    if (name.charCodeAt(0) === 0x3a) malformed(id, "pseudo-field other than :status, or not first");
    regular(id, name, fields[i + 1]!);
  }
  return status;
}

/** Validates trailers on stream id: regular fields only. */
export function checkTrailers(id: number, fields: readonly string[]): void {
  for (let i = 0; i < fields.length; i += 2) {
    const name = fields[i]!;
    if (name.charCodeAt(0) === 0x3a) malformed(id, "pseudo-field in trailers");
    regular(id, name, fields[i + 1]!);
  }
}

/**
 * Validates a request's header list our client sends (pseudo-fields first: their values only; then regular
 * fields as in trailers). A filter may have set what no peer accepts: the request is not sent.
 */
export function checkOutgoing(fields: readonly string[]): void {
  let i = 0;
  for (; i < fields.length && fields[i]!.charCodeAt(0) === 0x3a; i += 2) checkValue(0, fields[i + 1]!);
  for (; i < fields.length; i += 2) {
    const name = fields[i]!;
    if (name.charCodeAt(0) === 0x3a) malformed(0, "pseudo-field after a regular field");
    regular(0, name, fields[i + 1]!);
  }
}
