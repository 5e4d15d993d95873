// downstream: the one face the stack answers on, whatever the client spoke: an HTTP/1.x exchange
// (front/h1-exchange.ts) or an HTTP/2 server stream (front/h2-downstream.ts), so the stack is written once.
// Gives the interface: head/write/end/trailers-only/reset with a single-response guarantee.
// Must not: hold behaviour.
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from "node:http";
import type { Readable } from "node:stream";

export interface Downstream {
  readonly h2: boolean;
  readonly method: string;
  readonly target: string;
  readonly headers: IncomingHttpHeaders;
  readonly rawHeaders: readonly string[];
  readonly body: Readable;
  readonly remoteAddress: string | undefined;
  /** The request carries a body (h1: Content-Length > 0 or chunked; h2: no END_STREAM on HEADERS). */
  hasBody(): boolean;
  /**
   * The request's whole body as one Buffer when all of it came with the head (h2 on own framing: a gRPC
   * unary call, usually) and `body` was not read; undefined otherwise. The caller then reads no `body`.
   */
  wholeBody?(): Buffer | undefined;
  /** Status answered (HTTP status; for gRPC trailers-only the grpc-status); 0 until answered. */
  readonly status: number;
  /** Response body bytes written. */
  readonly bytes: number;
  /** grpc-status sent (trailers or trailers-only), when any. */
  readonly grpcStatus: number | undefined;
  /** True once a status line/HEADERS frame went out (or the exchange was reset). */
  started(): boolean;
  /** When the answer was completed or reset on our side (spanClockMs), before its last bytes go out: the
   *  end of the request's server span, so it never ends after the caller's client span. */
  readonly endedAt?: number | undefined;
  /** Stamp endedAt from now on (a sampled server span reads it; unasked, an answer costs no clock read). */
  stampEnd?(): void;
  /** True once the exchange is over on our side (ended or reset). */
  finished(): boolean;
  /**
   * True when the client went away before the exchange was over on our side (an h1 exchange is then
   * finished at once, so that nothing writes to it any more; whoever still waits must stop).
   */
  readonly left?: boolean;
  /** `expectTrailers`: trailers may follow the body (h2 then holds the stream open for them). */
  head(status: number, headers: OutgoingHttpHeaders, expectTrailers?: boolean): void;
  /**
   * HTTP/1.x only: instead of head(), an upstream HTTP/1.1 answer's head that nothing changes, its fields
   * (name/value pairs from the strict parser) passed on as received, minus those `drop` names.
   */
  headAsReceived?(status: number, raw: readonly string[], drop: (name: string) => boolean): void;
  /**
   * `endFollowsLength`: once this chunk completes the declared Content-Length the caller ends the exchange
   * (end() or reset()) before its call returns, so h1 may leave the sending to the end.
   */
  write(chunk: Buffer, endFollowsLength?: boolean): boolean;
  onDrain(fn: () => void): void;
  end(trailers?: OutgoingHttpHeaders): void;
  /**
   * After head(): whether trailers given to end() go out — HTTP/1.x only in a chunked body (not with a
   * Content-Length, to HTTP/1.0, or without a body), HTTP/2 when head() was told they may follow.
   * Undefined: they do.
   */
  carriesTrailers?(): boolean;
  /** gRPC trailers-only: one HEADERS frame with END_STREAM (h2); h1 falls back to head+end. */
  trailersOnly(headers: OutgoingHttpHeaders): void;
  /** Abort the exchange: RST_STREAM on h2, socket destroy on h1. */
  reset(): void;
  /** Called once when the downstream goes away (completed or aborted). */
  onClose(fn: () => void): void;
}
