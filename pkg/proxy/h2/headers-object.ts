// headers-object: a flat [name, value, …] HTTP/2 field list as node's IncomingHttpHeaders, joined as
// node:http2 joins duplicates (set-cookie an array, cookie with "; ", single-valued fields keep the first,
// others ", "), with never-indexed fields listed under node's `sensitiveHeaders`. Used by the own server face
// (request fields) and the own client (answer fields and trailers), so both read like node's.
// The object inherits from nothing a field name could meet ("constructor", "__proto__" are ordinary fields, as
// on node's null-prototype object) yet keeps V8's fast properties: its prototype is one frozen empty object
// with no prototype (Object.create(null) itself makes a dictionary-mode object: ~1.2 kB per gRPC request's
// headers instead of ~0.3 kB, three such objects per request and sidecar).
// Takes fields already validated (fields.ts); gives a fresh object. Must not: validate or drop anything.
import type { IncomingHttpHeaders } from "node:http";
import { sensitiveHeaders } from "node:http2";

/** Header fields node's IncomingHttpHeaders keep once (the first value), as node:http2's server does. */
const SINGLE = new Set([
  ":status",
  ":method",
  ":authority",
  ":scheme",
  ":path",
  ":protocol",
  "access-control-allow-credentials",
  "access-control-max-age",
  "access-control-request-method",
  "age",
  "authorization",
  "content-encoding",
  "content-language",
  "content-length",
  "content-location",
  "content-md5",
  "content-range",
  "content-type",
  "date",
  "dnt",
  "etag",
  "expires",
  "from",
  "host",
  "if-match",
  "if-modified-since",
  "if-none-match",
  "if-range",
  "if-unmodified-since",
  "last-modified",
  "location",
  "max-forwards",
  "proxy-authorization",
  "range",
  "referer",
  "retry-after",
  "tk",
  "upgrade-insecure-requests",
  "user-agent",
  "x-content-type-options",
]);

/** The prototype of every headers object: empty, frozen, itself without a prototype. */
const NO_MEMBERS: object = Object.freeze(Object.create(null) as object);

/** A flat [name, value, …] field list (request or answer) as node's IncomingHttpHeaders (duplicates as node joins them). */
export function headersOf(fields: readonly string[], never: readonly string[] | null): IncomingHttpHeaders {
  const h = Object.create(NO_MEMBERS) as Record<string, string | string[] | undefined>;
  for (let i = 0; i < fields.length; i += 2) {
    const name = fields[i]!;
    const value = fields[i + 1]!;
    const prior = h[name];
    if (prior === undefined) h[name] = name === "set-cookie" ? [value] : value;
    else if (name === "set-cookie") (prior as string[]).push(value);
    else if (name === "cookie") h[name] = `${prior as string}; ${value}`;
    else if (!SINGLE.has(name)) h[name] = `${prior as string}, ${value}`;
  }
  if (never !== null) (h as Record<symbol, unknown>)[sensitiveHeaders] = never;
  return h;
}
