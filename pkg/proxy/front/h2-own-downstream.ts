// h2-own-downstream: a stream of Weft's own HTTP/2 server framing (pkg/proxy/h2) as the stack's Downstream,
// the counterpart of h2-downstream.ts (node:http2). The request body is a Readable whose bytes reopen the
// stream's receive window only as they are read (back-pressure to the client), and carries the request's
// trailers, if it had any, to the upstream (request-trailers.ts); the answer goes out as
// HEADERS (:status first), DATA within the send windows (write() gives false while a window is shut or the
// connection holds its session memory; onDrain runs once it opens), and trailers (gRPC) or trailers-only.
// A body that came whole with the head (a gRPC unary call) is also offered as one Buffer (wholeBody()), so
// the stack can send it on without a stream.
// Fields the client sent never-indexed are listed under node's `sensitiveHeaders` on the request headers, as
// node lists them (the stack carries that list on); answer fields listed there go out never-indexed.
// Takes the stream, its request fields and the client's address; gives head/write/end/trailers-only/reset
// with a single-response guarantee. Must not: decide anything about routing or status codes.
import type { OutgoingHttpHeaders } from "node:http";
import { sensitiveHeaders } from "node:http2";
import { Readable } from "node:stream";
import type { Downstream } from "../downstream.ts";
import { CANCEL, INTERNAL_ERROR, NO_ERROR } from "../h2/errors.ts";
import type { H2ServerStream } from "../h2/server-conn.ts";
import { headersOf } from "../h2/headers-object.ts";
import { keepRequestTrailers } from "../request-trailers.ts";
import { ExchangeBase } from "./exchange-base.ts";

const ignore = (): void => {};
const EMPTY = Buffer.alloc(0);

/** Fields that name the connection, not the message: never sent on HTTP/2 (RFC 9113 §8.2.2). */
const CONNECTION_SPECIFIC = new Set(["connection", "proxy-connection", "keep-alive", "transfer-encoding", "upgrade", "http2-settings"]);

/** Where fieldsOf collects a list before copying it out at its exact size (one array per answer head, not a literal grown twice). */
const scratch: string[] = [];

/** Answer headers as a flat field list, ":status" first when given; connection-specific and pseudo fields dropped. */
function fieldsOf(headers: OutgoingHttpHeaders, status?: string): string[] {
  let n = 0;
  if (status !== undefined) {
    scratch[n++] = ":status";
    scratch[n++] = status;
  }
  for (const k in headers) {
    const v = headers[k];
    if (v === undefined) continue;
    const name = k.toLowerCase();
    if (name.charCodeAt(0) === 58 /* : */ || CONNECTION_SPECIFIC.has(name)) continue;
    if (Array.isArray(v)) {
      for (const x of v) {
        scratch[n++] = name;
        scratch[n++] = String(x);
      }
    } else {
      scratch[n++] = name;
      scratch[n++] = String(v);
    }
  }
  const out = scratch.slice(0, n);
  scratch.fill("", 0, n); // the scratch holds no field past the call
  return out;
}

const neverOf = (headers: OutgoingHttpHeaders): readonly string[] | undefined => (headers as Record<symbol, readonly string[] | undefined>)[sensitiveHeaders];

/**
 * The request body: data is pushed as it arrives; bytes the reader has not taken yet keep the stream's
 * receive window shut by as much, and reopen it when read. `aborted` (read by the relay's cutShort) once
 * the client reset the stream before its end.
 */
class OwnBody extends Readable {
  aborted = false;
  /** Bytes pushed past the high-water mark: returned to the receive window when the reader asks for more. */
  held = 0;
  readonly s: H2ServerStream;
  constructor(s: H2ServerStream) {
    super();
    this.s = s;
    this.on("error", ignore);
  }
  override _read(): void {
    const n = this.held;
    if (n > 0) {
      this.held = 0;
      this.s.conn.consume(this.s, n);
    }
  }
}

export class H2OwnDownstream extends ExchangeBase implements Downstream {
  readonly h2 = true;
  readonly s: H2ServerStream;
  private readonly endAfterHeaders: boolean;
  private bodyStream: OwnBody | undefined;
  /** Data received before anyone asked for the body (rare: the body is asked for at once). */
  private early: Buffer[] | undefined;
  private earlyEnd = false;
  /** Trailers that ended the request before anyone asked for the body. */
  private earlyTrailers: string[] | undefined;
  private drainFns: (() => void)[] | undefined;
  private isClosed = false;
  /** head() said trailers may follow: only then does end() send the ones it is given (as node's waitForTrailers). */
  private trailersWanted = false;

  /** The request's body when it came whole with its head (server-conn.ts' onWholeRequest), until the body stream is made. */
  private whole: Buffer | undefined;

  constructor(s: H2ServerStream, fields: string[], never: string[] | null, endStream: boolean, remoteAddress: string | undefined, whole?: Buffer) {
    const headers = headersOf(fields, never);
    super(s.head.method, s.head.path, headers, fields, remoteAddress);
    this.s = s;
    this.endAfterHeaders = endStream;
    if (whole !== undefined) {
      this.whole = whole;
      if (whole.length > 0) this.early = [whole];
      this.earlyEnd = true;
    }
    s.autoConsume = false;
    s.data = this;
  }

  /** The whole body as one Buffer when it came with the head (then no body stream is needed), else undefined. */
  wholeBody(): Buffer | undefined {
    return this.bodyStream === undefined ? this.whole : undefined;
  }

  get body(): Readable {
    let b = this.bodyStream;
    if (b !== undefined) return b;
    this.whole = undefined;
    b = this.bodyStream = new OwnBody(this.s);
    if (this.endAfterHeaders) b.push(null);
    else {
      const early = this.early;
      this.early = undefined;
      if (early !== undefined) { for (const c of early) this.pushData(b, c); }
      if (this.earlyTrailers !== undefined) keepRequestTrailers(b, headersOf(this.earlyTrailers, null));
      if (this.earlyEnd) b.push(null);
    }
    return b;
  }

  /** DATA of the request (called by the front); `chunk` is this body's own copy. */
  data(chunk: Buffer, endStream: boolean): void {
    const b = this.bodyStream;
    if (b === undefined) {
      if (chunk.length > 0) (this.early ??= []).push(chunk);
      if (endStream) this.earlyEnd = true;
    } else {
      if (chunk.length > 0) this.pushData(b, chunk);
      if (endStream) b.push(null);
    }
    if (endStream) this.checkClosed();
  }

  private pushData(b: OwnBody, chunk: Buffer): void {
    if (b.push(chunk)) this.s.conn.consume(this.s, chunk.length);
    else b.held += chunk.length;
  }

  /** The request's trailers arrived: its body is over; they go with it (request-trailers.ts) to the upstream. */
  trailersIn(fields: string[]): void {
    const b = this.bodyStream;
    if (b !== undefined) keepRequestTrailers(b, headersOf(fields, null));
    else this.earlyTrailers = fields;
    this.data(EMPTY, true);
  }

  /** The client reset the stream, or the connection went away (called by the front). */
  resetByPeer(code: number): void {
    const b = this.bodyStream;
    if (b !== undefined && !b.readableEnded) {
      b.aborted = true;
      b.destroy(code === NO_ERROR || code === CANCEL ? undefined : Object.assign(new Error("stream reset"), { code: "ERR_HTTP2_STREAM_ERROR" }));
    }
    this.closed();
  }

  /**
   * After the answer's end was written: once nothing of it waits for a window, a request body the client
   * is still sending is cut off with RST_STREAM NO_ERROR (RFC 9113 §8.1), so the stream does not stay
   * open on a client that waits for window to send a body nobody reads any more.
   */
  private answerOut(): void {
    const s = this.s;
    if (s.localEnded && !s.remoteEnded && s.pending === null && s.conn.streams.get(s.id) === s) {
      s.conn.reset(s, NO_ERROR);
      const b = this.bodyStream;
      if (b !== undefined && !b.readableEnded) b.destroy();
    }
    this.checkClosed();
  }

  /** DATA that waited for a window went out (or the socket drained): writers may go on. */
  writable(): void {
    if (this.s.localEnded) this.answerOut();
    const fns = this.drainFns;
    if (fns !== undefined) { for (const f of fns) f(); }
  }

  /** The stream is closed on both sides when the connection no longer holds it: the close callbacks run. */
  checkClosed(): void {
    if (!this.isClosed && this.s.conn.streams.get(this.s.id) !== this.s) this.closed();
  }

  private closed(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.s.data = undefined;
    this.wentAway();
  }

  /** The stream can take no more output (ended, reset, or its connection gone). */
  private shut(): boolean {
    return this.isClosed || this.s.localEnded || this.s.conn.closed;
  }

  hasBody(): boolean {
    return !this.endAfterHeaders;
  }
  started(): boolean {
    return this.done || this.s.headersSent;
  }
  head(status: number, headers: OutgoingHttpHeaders, expectTrailers = false): void {
    if (this.started() || this.shut()) return;
    this.answered(status, headers);
    this.trailersWanted = expectTrailers;
    this.s.conn.respond(this.s, fieldsOf(headers, String(status)), false, neverOf(headers));
  }
  write(chunk: Buffer): boolean {
    if (this.done || this.shut()) return true;
    this.counted(chunk);
    const s = this.s;
    const ok = s.conn.write(s, chunk, 0, chunk.length, false);
    if (s.pending !== null) return false; // the window is shut: writable() when it opens
    if (!ok) {
      // The connection holds its session memory in unwritten output: go on once the socket drains.
      s.conn.socket.once("drain", () => this.writable());
      return false;
    }
    return true;
  }
  onDrain(fn: () => void): void {
    (this.drainFns ??= []).push(fn);
  }
  end(trailers?: OutgoingHttpHeaders): void {
    if (this.done) return;
    const s = this.s;
    if (!s.headersSent) this.head(200, {});
    this.ending();
    if (this.shut()) return;
    if (trailers !== undefined && trailers["grpc-status"] !== undefined) this.grpcStatus = Number(trailers["grpc-status"]);
    const fields = trailers !== undefined && this.trailersWanted ? fieldsOf(trailers) : undefined;
    if (fields !== undefined && fields.length > 0) s.conn.trailers(s, fields, neverOf(trailers!));
    else s.conn.write(s, EMPTY, 0, 0, true);
    this.answerOut();
  }
  carriesTrailers(): boolean {
    return this.trailersWanted;
  }
  trailersOnly(headers: OutgoingHttpHeaders): void {
    if (this.started()) return this.reset();
    this.ending();
    this.status = 200;
    this.grpcStatus = Number(headers["grpc-status"] ?? 2);
    if (this.shut()) return;
    this.s.conn.respond(this.s, fieldsOf(headers, "200"), true, neverOf(headers));
    this.answerOut();
  }
  reset(): void {
    if (this.done) return;
    this.ending();
    // RST_STREAM INTERNAL_ERROR at once, as node's destroy(err) sends it: the client must not take a cut
    // answer for a complete one.
    this.s.conn.reset(this.s, INTERNAL_ERROR);
    const b = this.bodyStream;
    if (b !== undefined && !b.readableEnded) b.destroy();
    this.closed();
  }
}
