// upstream-types: the shapes of one upstream attempt, shared by the HTTP/1.1 and HTTP/2 senders and the
// stack: where to (target), what (request), what came back (response, relayed through a sink), and the
// attempt handle. Must not: hold behaviour.
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from "node:http";
import type { Readable } from "node:stream";
import type { TrailersDropped } from "../request-trailers.ts";

/** What the upstream side tells the proxy's metrics (metrics.ts's ProxyMetrics is one). */
export interface UpstreamEvents {
  /** A request's trailers could not be passed on. */
  readonly trailersDropped?: TrailersDropped | undefined;
  /** A stream the peer never processed (RFC 9113 §8.7) was sent again (own HTTP/2 client). */
  readonly streamResent?: (() => void) | undefined;
}

export interface UpstreamTarget {
  readonly address: string;
  readonly port: number;
  readonly protocol: "http1" | "h2";
  /** Set for meshed endpoints: mTLS with our material, peer must present this SPIFFE id. */
  readonly meshIdentity?: string;
}

export interface UpstreamRequest {
  readonly method: string;
  readonly path: string;
  readonly authority: string;
  readonly headers: OutgoingHttpHeaders;
  /** undefined = no body; Buffer = replayable; Readable = streamed once. */
  readonly body: Buffer | Readable | undefined;
}

export interface UpstreamResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** HTTP/1.1 answers: the head's fields as the strict parser gave them (name/value pairs), to pass on unchanged. */
  readonly rawHeaders?: readonly string[];
  readonly body: Readable;
  /** h2 HEADERS carried END_STREAM (gRPC trailers-only answer). */
  readonly endStream: boolean;
  trailers(): IncomingHttpHeaders | undefined;
  /** When offered: deliver the body straight to `sink` instead of through `body` (use one or the other). */
  relayTo?(sink: RelaySink): void;
  /**
   * true: the answer's end (relayTo's sink.end) comes in the same call as the last byte of a declared
   * Content-Length (HTTP/1.1: the strict parser completes the message at that byte), so the relay lets the
   * downstream send at the end. Not an HTTP/2 answer: its END_STREAM may come in a later frame.
   */
  readonly endsAtLength?: boolean;
}

/** Receives an answer's body chunk by chunk (UpstreamResponse.relayTo). */
export interface RelaySink {
  /** Returns false when the reader wants no more until its drain callback runs. */
  data(chunk: Buffer): boolean;
  onDrain(fn: () => void): void;
  end(trailers: IncomingHttpHeaders | undefined): void;
  /** The answer broke off before its end. */
  broken(): void;
}

/** Where an attempt's outcome goes, once: the answer's head, or why there is none. */
export interface AttemptReport {
  answer(res: UpstreamResponse): void;
  fail(e: unknown): void;
}

export interface Attempt {
  /** The outcome as a promise (made when first read). An attempt has one listener: this or report(). */
  readonly response: Promise<UpstreamResponse>;
  /**
   * The outcome through `to`, without a promise: an HTTP/1.1 answer's head is reported as its connection
   * reads it, a failure possibly before report() returns. An attempt has one listener: this or `response`.
   */
  report(to: AttemptReport): void;
  abort(): void;
}
