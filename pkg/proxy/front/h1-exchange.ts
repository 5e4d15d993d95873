// h1-exchange: one HTTP/1.x request/response on a downstream connection (h1-connection), as the stack's
// Downstream. The request body is a Readable fed by the parser (with backpressure on the socket), and a
// chunked body's trailer fields go with it to the upstream (request-trailers.ts); the response is framed here: Content-Length bodies as they are, otherwise chunked (HTTP/1.1 client) or
// delimited by close (HTTP/1.0); no body for HEAD, 204, 304; trailers only when chunked. The head is held
// until the first body bytes or the end so a small answer leaves in one write; an upstream head passed on
// as received keeps its fields until then and is written straight into that write's Buffer (passed-head.ts). Pipelined exchanges buffer
// their output until every earlier one has finished (RFC 9112 §9.3.2: responses in request order).
// Must not: write after end, write a head twice, or let a header value carry CR/LF (h1-headers refuses).
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from "node:http";
import { Readable } from "node:stream";
import type { Downstream } from "../downstream.ts";
import { ExchangeBase } from "./exchange-base.ts";
import { headersOf, httpDate, passThroughFields, responseHead, statusLine, trailerBlock } from "../h1/h1-headers.ts";
import { chooseFields, MAX_CHOSEN, putLatin1, writeFields } from "../h1/passed-head.ts";
import { keepRequestTrailers } from "../request-trailers.ts";

/** What an exchange needs from its connection. */
export interface ExchangeHost {
  readonly remoteAddress: string | undefined;
  /**
   * Write bytes now (the exchange is the active one). Returns the socket's write result. `endFollows`:
   * the exchange's end (finished) comes before this call stack unwinds, and sends them.
   */
  out(data: string | Buffer, endFollows?: boolean): boolean;
  /** The exchange ended its response (host flushes/activates the next, or closes). */
  finished(ex: H1Exchange): void;
  /** Tear the connection down (reset) once the output already written has gone out. */
  destroy(): void;
  /** Stop / resume reading the socket (request body backpressure). */
  pauseReading(): void;
  resumeReading(): void;
  /** Draining: every response from now on closes its connection. */
  readonly draining: boolean;
}

class RequestBody extends Readable {
  readonly host: ExchangeHost;
  constructor(host: ExchangeHost) {
    super();
    this.host = host;
  }
  override _read(): void {
    this.host.resumeReading();
  }
  // An aborted request errors only readers that listen for it (as node's IncomingMessage does).
  override _destroy(err: Error | null, cb: (e?: Error | null) => void): void {
    cb(this.listenerCount("error") > 0 ? err : null);
  }
}

function ended(): Readable {
  const r = new Readable({ read() {} });
  r.push(null);
  return r;
}

/** Buffer's own latin1 encoder (what buf.write(s, o, "latin1") calls after checking its arguments). */
interface Latin1Write {
  latin1Write(s: string, offset: number, length: number): number;
}

/** The answer is gRPC's (its status comes in trailers). */
function grpcAnswer(headers: OutgoingHttpHeaders): boolean {
  const ct = headers["content-type"];
  return typeof ct === "string" && ct.startsWith("application/grpc");
}

export class H1Exchange extends ExchangeBase implements Downstream {
  readonly h2 = false;
  /** Client speaks HTTP/1.1 (chunked allowed). */
  readonly http11: boolean;
  /** The client allows the connection to stay open after this exchange. */
  readonly keepAlive: boolean;
  /** The request body is completely received. */
  requestComplete = false;
  /** The response must close the connection (decided when the head is written). */
  closeAfter = false;
  /** Reset while earlier answers were pending: the connection is torn down when this one's turn comes. */
  broken = false;
  private readonly host: ExchangeHost;
  /** This exchange may write to the socket now (earlier pipelined answers are done). */
  private active = false;
  private bodyStream: RequestBody | undefined;
  private emptyStream: Readable | undefined;
  /** The head not written yet: as text (status line, fields, framing, blank line), or as received fields (headRaw). */
  private headText: string | undefined;
  /** A passed-on head not written yet: its received fields, the ones kept (bits), its status line, framing tail and length. */
  private headRaw: readonly string[] | undefined;
  private headKept = 0;
  private headLine = "";
  private headTail = "";
  private headLength = 0;
  private headSet = false;
  private noBody = false;
  private chunked = false;
  private drainFns: (() => void)[] | undefined;
  private pending: (string | Buffer)[] | undefined;
  private pendingBytes = 0;

  constructor(host: ExchangeHost, method: string, target: string, raw: string[], headers: IncomingHttpHeaders, http11: boolean, keepAlive: boolean, hasBody: boolean) {
    super(method, target, headers, raw, host.remoteAddress);
    this.host = host;
    this.http11 = http11;
    this.keepAlive = keepAlive;
    if (hasBody) this.bodyStream = new RequestBody(host);
    else this.requestComplete = true;
  }

  get body(): Readable {
    // Requests without a body get an already-ended stream, made only when someone asks.
    return this.bodyStream ?? (this.emptyStream ??= ended());
  }

  /** Parser: request body bytes. Returns false when the reader wants no more for now. */
  pushBody(chunk: Buffer): boolean {
    return this.bodyStream === undefined || this.bodyStream.destroyed ? true : this.bodyStream.push(chunk);
  }

  /** Parser: the request is complete; `trailers`, a chunked body's trailer fields as received, go with the body to the upstream. */
  endBody(trailers?: string[]): void {
    this.requestComplete = true;
    const b = this.bodyStream;
    if (b === undefined || b.destroyed) return;
    if (trailers !== undefined && trailers.length > 0) keepRequestTrailers(b, headersOf(trailers));
    b.push(null);
  }

  /**
   * Connection: the request body broke off (malformed framing, body timeout) after this exchange was
   * handed on. Answers `status` itself when no answer started (the connection then closes), and fails
   * the body stream so whoever forwards it aborts its upstream attempt.
   */
  requestBroken(status: number, kind: string): void {
    if (!this.started()) {
      this.head(status, { "content-length": 0, "x-weft-error": kind });
      this.end();
    }
    const b = this.bodyStream;
    if (b !== undefined && !b.destroyed) b.destroy(Object.assign(new Error("request body broken"), { code: "WEFT_BODY_BROKEN", kind }));
  }

  hasBody(): boolean {
    return this.bodyStream !== undefined;
  }
  started(): boolean {
    return this.done || this.headSet;
  }

  /**
   * `expectTrailers`: a gRPC answer with a body and a Content-Length goes chunked to an HTTP/1.1 client
   * instead, so that its trailers (gRPC's status) have a place.
   */
  head(status: number, headers: OutgoingHttpHeaders, expectTrailers = false): void {
    if (this.started()) return;
    if (expectTrailers && this.http11 && headers["content-length"] !== undefined && grpcAnswer(headers) && this.method !== "HEAD" && status >= 200 && status !== 204 && status !== 304) {
      headers = { ...headers };
      delete headers["content-length"];
    }
    const r = responseHead(status, headers);
    this.answered(status, headers);
    this.headText = `${r.text}${this.frame(status, r.contentLength, r.hasDate)}`;
  }

  /**
   * An upstream HTTP/1.1 answer's head with nothing to change: its fields go out as received
   * (passThroughFields' rule), written straight into the answer's Buffer when it goes (passed-head.ts).
   */
  headAsReceived(status: number, raw: readonly string[], drop: (name: string) => boolean): void {
    if (this.started()) return;
    if (raw.length > 2 * MAX_CHOSEN) {
      const f = passThroughFields(raw, drop);
      this.answeredWithLength(status, f.contentLength);
      this.headText = `${statusLine(status)}${f.text}${this.frame(status, f.contentLength !== undefined, f.hasDate)}`;
      return;
    }
    const c = chooseFields(raw, drop);
    this.answeredWithLength(status, c.contentLength);
    const line = statusLine(status);
    const tail = this.frame(status, c.contentLength !== undefined, c.hasDate);
    this.headRaw = raw;
    this.headKept = c.kept;
    this.headLine = line;
    this.headTail = tail;
    this.headLength = line.length + c.bytes + tail.length;
  }

  /** The head's framing (body or none, chunked, close): the fields it adds after the received ones, and the blank line. */
  private frame(status: number, contentLength: boolean, hasDate: boolean): string {
    this.headSet = true;
    this.noBody = this.method === "HEAD" || status === 204 || status === 304 || status < 200;
    this.chunked = !this.noBody && !contentLength && this.http11;
    this.closeAfter = !this.keepAlive || this.host.draining || !this.requestComplete || (!this.noBody && !contentLength && !this.http11);
    let text = "";
    if (!hasDate) text += `date: ${httpDate(Date.now())}\r\n`;
    if (this.chunked) text += "transfer-encoding: chunked\r\n";
    if (this.closeAfter) text += "connection: close\r\n";
    else if (!this.http11) text += "connection: keep-alive\r\n";
    return text === "" ? "\r\n" : `${text}\r\n`;
  }

  /** The head is made and not written yet. */
  private headPending(): boolean {
    return this.headText !== undefined || this.headRaw !== undefined;
  }

  /** The pending head's bytes. */
  private headBytes(): number {
    return this.headText?.length ?? this.headLength;
  }

  /** Writes the pending head at out[0…) (it is written then); returns its length. */
  private renderHead(out: Buffer): number {
    const t = this.headText;
    if (t !== undefined) {
      this.headText = undefined;
      (out as unknown as Latin1Write).latin1Write(t, 0, t.length);
      return t.length;
    }
    const raw = this.headRaw!;
    this.headRaw = undefined;
    const at = writeFields(raw, this.headKept, out, putLatin1(out, 0, this.headLine));
    return putLatin1(out, at, this.headTail);
  }

  write(chunk: Buffer, endFollowsLength = false): boolean {
    if (this.done) return true;
    this.counted(chunk);
    if (this.noBody || chunk.length === 0) return true;
    if (this.headPending() && !this.chunked && chunk.length <= 16_384) {
      // Head and a small first chunk leave as one buffer; when it is the whole declared body and the caller
      // ends the exchange at once after it, the end sends it (no tick of its own).
      const n = this.headBytes();
      const out = Buffer.allocUnsafe(n + chunk.length);
      this.renderHead(out);
      out.set(chunk, n);
      return this.emit(out, endFollowsLength && this.declared !== undefined && this.bytes >= this.declared);
    }
    this.flushHead();
    if (this.chunked) {
      this.emit(`${chunk.length.toString(16)}\r\n`);
      this.emit(chunk);
      return this.emit("\r\n");
    }
    return this.emit(chunk);
  }

  onDrain(fn: () => void): void {
    (this.drainFns ??= []).push(fn);
  }

  end(trailers?: OutgoingHttpHeaders): void {
    if (this.done) return;
    this.stampEnded();
    if (!this.headSet) this.head(200, {});
    this.flushHead();
    if (this.chunked) this.emit(`0\r\n${trailers !== undefined ? trailerBlock(trailers) : ""}\r\n`);
    this.done = true;
    this.host.finished(this);
  }

  carriesTrailers(): boolean {
    return this.chunked;
  }

  trailersOnly(headers: OutgoingHttpHeaders): void {
    if (this.started()) return this.reset();
    this.head(200, headers);
    this.grpcStatus = Number(headers["grpc-status"] ?? 2);
    this.end();
  }

  reset(): void {
    if (this.done) return;
    this.ending();
    if (this.active) {
      this.host.destroy();
      return;
    }
    // Earlier pipelined answers are still going out: they finish first, then the connection breaks.
    this.broken = true;
    this.host.finished(this);
  }

  // ---- host side ----

  /** The host made this exchange the active writer: flush what it buffered. */
  activate(): void {
    this.active = true;
    const p = this.pending;
    if (p === undefined) return;
    this.pending = undefined;
    this.pendingBytes = 0;
    for (const d of p) this.host.out(d);
    this.drained();
  }

  /** Output went out (or the exchange was aborted): run close callbacks once. */
  closed(abort: boolean): void {
    if (abort) {
      if (!this.done) this.left = true;
      this.done = true;
      if (this.bodyStream !== undefined && !this.requestComplete) this.bodyStream.destroy(new Error("downstream connection closed"));
    }
    this.wentAway();
  }

  drained(): void {
    const fns = this.drainFns;
    if (fns !== undefined) { for (const f of fns) f(); }
  }

  private flushHead(): void {
    const t = this.headText;
    if (t !== undefined) {
      this.headText = undefined;
      this.emit(t);
      return;
    }
    if (this.headRaw === undefined) return;
    const out = Buffer.allocUnsafe(this.headLength);
    this.renderHead(out);
    this.emit(out);
  }

  private emit(data: string | Buffer, endFollows = false): boolean {
    if (this.active) return this.host.out(data, endFollows);
    (this.pending ??= []).push(data);
    this.pendingBytes += data.length;
    return this.pendingBytes < 65_536;
  }
}
