// request-trailers: the trailer fields a request body ended with (an HTTP/2 client's trailing HEADERS, an
// HTTP/1.1 client's chunked trailer section), carried on the body's Readable from the face that read them
// (front/h2-own-downstream.ts, front/h2-downstream.ts, front/h1-exchange.ts) to the upstream that sends them on (upstream/upstream-h1.ts: in the last chunk
// of a chunked body; upstream/upstream.ts: as trailing HEADERS). Kept are the fields a trailer may carry:
// the ones that must be read before the content (RFC 9110 §6.5.1: framing, routing, authentication,
// request modifiers, content format), hop-by-hop ones, those the proxy sets itself (x-forwarded-*,
// x-request-id, x-weft-*) and names with "_" are dropped — an upstream that merges trailers into the head
// must not get there what the head was cleaned of. A body buffered for a retry or mirror (stack/body-buffer.ts)
// keeps its trailers: they move to the Buffer (or the stream that replays it).
// Trailers the proxy cannot pass on (framing that cannot carry them, a field the framing refuses) are
// counted, never silently lost: `TrailersDropped` (weft_proxy_trailers_dropped_total, metrics.ts).
// Takes a body and the trailers as received; gives the fields to send on, or undefined. Must not: do I/O.
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from "node:http";
import type { Readable } from "node:stream";

const trailersOf = Symbol("weft.requestTrailers");
/** A request body: streamed, or buffered for a retry or mirror. */
type Body = Readable | Buffer;
type Trailed = Body & { [trailersOf]?: OutgoingHttpHeaders };

/** Why trailers were not passed on (the label values of weft_proxy_trailers_dropped_total). */
export type TrailerDropReason =
  /** Request to an HTTP/1.1 upstream sent with Content-Length (no chunked trailer section). */
  | "content_length"
  /** A field the next hop's framing refuses (it would not render or validate). */
  | "invalid_field"
  /** Answer to an HTTP/1.x client without a chunked body: Content-Length, HTTP/1.0, or no body (HEAD, 204, 304). */
  | "framing"
  /** Answer to an HTTP/2 client that did not ask for trailers (no `TE: trailers`), not gRPC, none announced (`Trailer`). */
  | "not_requested";

/** Told each time a trailer section is not passed on (metrics.ts counts it). */
export type TrailersDropped = (direction: "request" | "response", reason: TrailerDropReason) => void;

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
export function requestTrailers(body: Body): OutgoingHttpHeaders | undefined {
  return (body as Trailed)[trailersOf];
}

/** A buffered copy of `from` (a Buffer, or the stream that replays it) carries its trailers too (once `from` ended). */
export function moveRequestTrailers(from: Readable, to: Body): void {
  const t = (from as Trailed)[trailersOf];
  if (t !== undefined) (to as Trailed)[trailersOf] = t;
}
