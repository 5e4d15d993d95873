// request-trailers: the trailer fields a request body ended with (an HTTP/2 client's trailing HEADERS, an
// HTTP/1.1 client's chunked trailer section), carried on the body's Readable from the face that read them
// (front/h2-own-downstream.ts, front/h2-downstream.ts, front/h1-exchange.ts) to the upstream that sends them on (upstream/upstream-h1.ts: in the last chunk
// of a chunked body; upstream/upstream.ts: as trailing HEADERS). Kept are the fields a trailer may carry:
// the ones that must be read before the content (RFC 9110 §6.5.1: framing, routing, authentication,
// request modifiers, content format), hop-by-hop ones, those the proxy sets itself (x-forwarded-*,
// x-request-id, x-weft-*) and names with "_" are dropped — an upstream that merges trailers into the head
// must not get there what the head was cleaned of.
// Takes a body and the trailers as received; gives the fields to send on, or undefined. Must not: do I/O.
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from "node:http";
import type { Readable } from "node:stream";

const trailersOf = Symbol("weft.requestTrailers");
type Trailed = Readable & { [trailersOf]?: OutgoingHttpHeaders };

/** Never passed on as a trailer field. */
const notTrailers = new Set([
  "authorization",
  "cache-control",
  "connection",
  "content-encoding",
  "content-length",
  "content-range",
  "content-type",
  "cookie",
  "expect",
  "host",
  "http2-settings",
  "keep-alive",
  "max-forwards",
  "range",
  "set-cookie",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "x-request-id",
]);

const dropped = (name: string): boolean =>
  name.charCodeAt(0) === 58 /* : */ || notTrailers.has(name) || name.startsWith("proxy-") || name.startsWith("x-forwarded-") || name.startsWith("x-weft-") || name.includes("_");

/** The body's request ended with `received` trailers: the ones to pass on are kept with it. */
export function keepRequestTrailers(body: Readable, received: IncomingHttpHeaders): void {
  let out: OutgoingHttpHeaders | undefined;
  for (const name in received) {
    const v = received[name];
    if (v === undefined || dropped(name)) continue;
    (out ??= {})[name] = v;
  }
  if (out !== undefined) (body as Trailed)[trailersOf] = out;
}

/** The trailer fields to send after `body` (once it ended), if it had any to pass on. */
export function requestTrailers(body: Readable): OutgoingHttpHeaders | undefined {
  return (body as Trailed)[trailersOf];
}
