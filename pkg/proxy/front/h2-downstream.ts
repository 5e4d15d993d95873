// h2-downstream: an HTTP/2 server stream (node's stream API, without the compat request/response objects)
// as the stack's Downstream. Takes the stream and its request headers; gives head/write/end/trailers-only/
// reset with a single-response guarantee. Must not: decide anything about routing or status codes.
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from "node:http";
import type { ServerHttp2Stream } from "node:http2";
import type { Readable } from "node:stream";
import type { Downstream } from "../downstream.ts";
import { spanClockMs } from "../../telemetry/index.ts";
import { declaredLength, endOnLength } from "./answer-end.ts";

export class H2Downstream implements Downstream {
  readonly h2 = true;
  readonly method: string;
  readonly target: string;
  readonly headers: IncomingHttpHeaders;
  readonly rawHeaders: readonly string[];
  readonly body: Readable;
  readonly remoteAddress: string | undefined;
  private readonly stream: ServerHttp2Stream;
  private done = false;
  private trailers: OutgoingHttpHeaders | undefined;
  status = 0;
  endedAt: number | undefined;
  /** The answer's Content-Length, when declared (answer-end.ts). */
  private declared: number | undefined;
  bytes = 0;
  grpcStatus: number | undefined;
  constructor(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, rawHeaders: readonly string[]) {
    this.method = String(headers[":method"] ?? "GET");
    this.target = String(headers[":path"] ?? "");
    this.headers = headers;
    this.rawHeaders = rawHeaders;
    this.body = stream;
    this.remoteAddress = stream.session?.socket?.remoteAddress;
    this.stream = stream;
  }
  hasBody(): boolean {
    return !this.stream.endAfterHeaders && !this.stream.readableEnded;
  }
  started(): boolean {
    return this.done || this.stream.headersSent;
  }
  finished(): boolean {
    return this.done;
  }
  head(status: number, headers: OutgoingHttpHeaders, expectTrailers = false): void {
    const st = this.stream;
    if (this.started() || st.destroyed) return;
    this.status = status;
    this.declared = declaredLength(headers);
    if (!expectTrailers) {
      st.respond({ ...headers, ":status": status });
      return;
    }
    // Trailers (gRPC status) are sent when the body ends: the stream waits for them.
    st.respond({ ...headers, ":status": status }, { waitForTrailers: true });
    st.once("wantTrailers", () => {
      if (!st.destroyed) st.sendTrailers(this.trailers ?? {});
    });
  }
  write(chunk: Buffer): boolean {
    if (this.done || this.stream.destroyed) return true;
    this.bytes += chunk.length;
    this.endedAt = endOnLength(this.endedAt, this.declared, this.bytes);
    return this.stream.write(chunk);
  }
  onDrain(fn: () => void): void {
    this.stream.on("drain", fn);
  }
  end(trailers?: OutgoingHttpHeaders): void {
    if (this.done) return;
    this.done = true;
    this.endedAt ??= spanClockMs();
    const st = this.stream;
    if (st.destroyed) return;
    if (!st.headersSent) this.head(200, {});
    if (trailers !== undefined) {
      if (trailers["grpc-status"] !== undefined) this.grpcStatus = Number(trailers["grpc-status"]);
      this.trailers = trailers;
    }
    st.end();
  }
  trailersOnly(headers: OutgoingHttpHeaders): void {
    if (this.started()) return this.reset();
    this.done = true;
    this.endedAt ??= spanClockMs();
    this.status = 200;
    this.grpcStatus = Number(headers["grpc-status"] ?? 2);
    const st = this.stream;
    if (st.destroyed) return;
    st.respond({ ...headers, ":status": 200 }, { endStream: true });
  }
  reset(): void {
    if (this.done) return;
    this.done = true;
    this.endedAt ??= spanClockMs();
    // destroy(err) sends RST_STREAM(INTERNAL_ERROR) at once; close(code) would first end the writable
    // side, and a stream not waiting for trailers would then look complete to the client.
    if (!this.stream.destroyed) this.stream.destroy(Object.assign(new Error("exchange reset"), { code: "ERR_HTTP2_STREAM_ERROR" }));
  }
  onClose(fn: () => void): void {
    this.stream.once("close", fn);
  }
}
