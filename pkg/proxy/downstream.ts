// downstream: one face over an HTTP/1.x exchange (h1-exchange.ts) and node's h2 compat
// (Http2ServerRequest/Http2ServerResponse) request/response pairs, so the stack is written once.
// Takes the pair; gives head/write/end/trailers-only/reset with a single-response guarantee.
// Must not: decide anything about routing or status codes.
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from "node:http";
import { constants as h2c, type Http2ServerRequest, type Http2ServerResponse } from "node:http2";
import type { Readable } from "node:stream";

export interface Downstream {
  readonly h2: boolean;
  readonly method: string;
  readonly target: string;
  readonly headers: IncomingHttpHeaders;
  readonly rawHeaders: readonly string[];
  readonly body: Readable;
  readonly remoteAddress: string | undefined;
  /** Status answered (HTTP status; for gRPC trailers-only the grpc-status); 0 until answered. */
  readonly status: number;
  /** Response body bytes written. */
  readonly bytes: number;
  /** grpc-status sent (trailers or trailers-only), when any. */
  readonly grpcStatus: number | undefined;
  /** True once a status line/HEADERS frame went out (or the exchange was reset). */
  started(): boolean;
  /** True once the exchange is over on our side (ended or reset). */
  finished(): boolean;
  head(status: number, headers: OutgoingHttpHeaders): void;
  write(chunk: Buffer): boolean;
  onDrain(fn: () => void): void;
  end(trailers?: OutgoingHttpHeaders): void;
  /** gRPC trailers-only: one HEADERS frame with END_STREAM (h2); h1 falls back to head+end. */
  trailersOnly(headers: OutgoingHttpHeaders): void;
  /** Abort the exchange: RST_STREAM on h2, socket destroy on h1. */
  reset(): void;
  /** Called once when the downstream goes away (completed or aborted). */
  onClose(fn: () => void): void;
}

export class H2Downstream implements Downstream {
  readonly h2 = true;
  readonly method: string;
  readonly target: string;
  readonly headers: IncomingHttpHeaders;
  readonly rawHeaders: readonly string[];
  readonly body: Readable;
  readonly remoteAddress: string | undefined;
  private readonly res: Http2ServerResponse;
  private done = false;
  status = 0;
  bytes = 0;
  grpcStatus: number | undefined;
  constructor(req: Http2ServerRequest, res: Http2ServerResponse) {
    this.method = req.method;
    this.target = req.url;
    this.headers = req.headers;
    this.rawHeaders = req.rawHeaders;
    this.body = req;
    this.remoteAddress = req.stream.session?.socket?.remoteAddress;
    this.res = res;
  }
  started(): boolean { return this.done || this.res.headersSent || this.res.stream.headersSent; }
  finished(): boolean { return this.done; }
  head(status: number, headers: OutgoingHttpHeaders): void {
    if (this.started() || this.res.stream.destroyed) return;
    this.status = status;
    this.res.writeHead(status, headers);
  }
  write(chunk: Buffer): boolean {
    if (this.done || this.res.stream.destroyed) return true;
    this.bytes += chunk.length;
    return this.res.write(chunk);
  }
  onDrain(fn: () => void): void { this.res.on("drain", fn); }
  end(trailers?: OutgoingHttpHeaders): void {
    if (this.done) return;
    this.done = true;
    if (this.res.stream.destroyed) return;
    if (trailers !== undefined) {
      if (trailers["grpc-status"] !== undefined) this.grpcStatus = Number(trailers["grpc-status"]);
      this.res.addTrailers(trailers);
    }
    this.res.end();
  }
  trailersOnly(headers: OutgoingHttpHeaders): void {
    if (this.started()) return this.reset();
    this.done = true;
    this.status = 200;
    this.grpcStatus = Number(headers["grpc-status"] ?? 2);
    const stream = this.res.stream;
    if (stream.destroyed) return;
    stream.respond({ ...headers, ":status": 200 }, { endStream: true });
  }
  reset(): void {
    if (this.done) return;
    this.done = true;
    if (!this.res.stream.destroyed) this.res.stream.close(h2c.NGHTTP2_INTERNAL_ERROR);
  }
  onClose(fn: () => void): void { this.res.once("close", fn); }
}
