// h2-downstream: an HTTP/2 server stream (node's stream API, without the compat request/response objects)
// as the stack's Downstream; the request's trailers, if any, go with its body to the upstream
// (request-trailers.ts). Takes the stream and its request headers; gives head/write/end/trailers-only/
// reset with a single-response guarantee. Must not: decide anything about routing or status codes.
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from "node:http";
import type { ServerHttp2Stream } from "node:http2";
import type { Readable } from "node:stream";
import type { Downstream } from "../downstream.ts";
import { keepRequestTrailers } from "../request-trailers.ts";
import { ExchangeBase } from "./exchange-base.ts";

/**
 * What a server stream carries for its listeners, which are shared functions (`this` is the stream), not
 * closures per stream: its downstream, and the trailers to send when it asks for them.
 */
const downstreamOf = Symbol("weft.h2Downstream");
const trailersOf = Symbol("weft.h2Trailers");
type ServedStream = ServerHttp2Stream & { [downstreamOf]?: H2Downstream | undefined; [trailersOf]?: OutgoingHttpHeaders };

/** A stream emits "close" once: every close callback runs from this one listener (ExchangeBase.onClose). */
function streamClosed(this: ServedStream): void {
  const down = this[downstreamOf];
  // The stream may outlive its close inside node for a while: it no longer holds the exchange.
  this[downstreamOf] = undefined;
  down?.closed();
}

/** The request's trailers (emitted before its body's end): kept with the body for the upstream. */
function trailersIn(this: ServedStream, trailers: IncomingHttpHeaders): void {
  keepRequestTrailers(this, trailers);
}

/** Trailers (gRPC status) go out when the stream asks for them, once the body ended. */
function wantTrailers(this: ServedStream): void {
  if (!this.destroyed) this.sendTrailers(this[trailersOf] ?? {});
}

export class H2Downstream extends ExchangeBase implements Downstream {
  readonly h2 = true;
  readonly body: Readable;
  private readonly stream: ServerHttp2Stream;
  /** head() said trailers may follow (the stream waits for them). */
  private trailersWanted = false;
  /** `remoteAddress`: the client's, read once per session by the caller (node's session.socket is a Proxy). */
  constructor(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, rawHeaders: readonly string[], remoteAddress: string | undefined) {
    super(String(headers[":method"] ?? "GET"), String(headers[":path"] ?? ""), headers, rawHeaders, remoteAddress);
    this.body = stream;
    this.stream = stream;
    (stream as ServedStream)[downstreamOf] = this;
    stream.on("close", streamClosed);
    if (!stream.endAfterHeaders) stream.on("trailers", trailersIn);
  }
  /** The stream closed (its one close listener calls this): the close callbacks run. */
  closed(): void {
    this.wentAway();
  }
  hasBody(): boolean {
    return !this.stream.endAfterHeaders && !this.stream.readableEnded;
  }
  started(): boolean {
    return this.done || this.stream.headersSent;
  }
  head(status: number, headers: OutgoingHttpHeaders, expectTrailers = false): void {
    const st = this.stream;
    if (this.started() || st.destroyed) return;
    this.answered(status, headers);
    this.trailersWanted = expectTrailers;
    if (!expectTrailers) {
      st.respond({ ...headers, ":status": status });
      return;
    }
    // Trailers (gRPC status) are sent when the body ends: the stream waits for them.
    st.respond({ ...headers, ":status": status }, { waitForTrailers: true });
    st.on("wantTrailers", wantTrailers);
  }
  write(chunk: Buffer): boolean {
    if (this.done || this.stream.destroyed) return true;
    this.counted(chunk);
    return this.stream.write(chunk);
  }
  onDrain(fn: () => void): void {
    this.stream.on("drain", fn);
  }
  end(trailers?: OutgoingHttpHeaders): void {
    if (this.done) return;
    this.ending();
    const st = this.stream;
    if (st.destroyed) return;
    if (!st.headersSent) this.head(200, {});
    if (trailers !== undefined) {
      if (trailers["grpc-status"] !== undefined) this.grpcStatus = Number(trailers["grpc-status"]);
      (st as ServedStream)[trailersOf] = trailers;
    }
    st.end();
  }
  carriesTrailers(): boolean {
    return this.trailersWanted;
  }
  trailersOnly(headers: OutgoingHttpHeaders): void {
    if (this.started()) return this.reset();
    this.ending();
    this.status = 200;
    this.grpcStatus = Number(headers["grpc-status"] ?? 2);
    const st = this.stream;
    if (st.destroyed) return;
    st.respond({ ...headers, ":status": 200 }, { endStream: true });
  }
  reset(): void {
    if (this.done) return;
    this.ending();
    // destroy(err) sends RST_STREAM(INTERNAL_ERROR) at once; close(code) would first end the writable
    // side, and a stream not waiting for trailers would then look complete to the client.
    if (!this.stream.destroyed) this.stream.destroy(Object.assign(new Error("exchange reset"), { code: "ERR_HTTP2_STREAM_ERROR" }));
  }
}
