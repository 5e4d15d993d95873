// h1-connection: one downstream HTTP/1.x connection. It runs Weft's own strict parser (h1/own-parser, the
// grammar and refusals of node's strict llhttp), fed by user-buffer reads (h1/user-buffer-reads: every read
// lands in one shared buffer, one JS call per read; a stream without a native handle feeds "data" events),
// and turns requests into H1Exchanges for the stack. Invariant: a request the stack received (and so may have
// forwarded) always gets its answer on this connection, in request order, unless the client breaks the
// connection first. DATA SAFETY: a read's bytes are valid only while it is parsed; whatever outlives that —
// body chunks (handed to the exchange), bytes after a held head, bytes after an upgrade's head — is copied.
// It answers what node:http would: parse errors ⇒ 400 (431 for an oversized head) and close; HTTP/1.1
// without Host ⇒ 400; HTTP/0.9 ⇒ 400, HTTP/2.0 in a request line ⇒ 505; `Expect: 100-continue` ⇒
// 100 Continue, any other expectation ⇒ 417; WebSocket upgrades go to the upgrade handler with the bytes
// after the head, CONNECT ⇒ 400, any other Upgrade offer (h2c, …) is ignored (RFC 9110 §7.8) and
// answered over HTTP/1.1. A refusal that follows queued requests is written after their answers; a
// malformed body of a request already handed on answers that request (400 / 408) and closes; bytes after
// a request that closes the connection are ignored. At most 32 requests are in the stack per connection:
// the parser stops at the next head and the socket is not read until one finishes (backpressure). A
// connection whose first bytes are not an HTTP/1.x request line (an invalid h2c preface, TLS, junk)
// is closed without an answer. check() enforces the slowloris bounds (head within headersTimeoutMs,
// whole request within requestTimeoutMs, no body byte for bodyIdleTimeoutMs ⇒ 408) and closes a
// keep-alive connection idle past idleTimeoutMs; a client's EOF between requests closes it at once.
// One sweep per front (h1-front) calls check(). Takes its owner (limits, handlers), a socket and the
// bytes already read (protocol detection; bytes the stream buffered after them are parsed next); gives
// start(), close(), destroy(), idle(), check().
// Must not: parse leniently, answer out of order, drop the answer to a request it handed on, keep a
// connection whose request framing is unknown, or keep a reference into a read's buffer.
import type { Duplex } from "node:stream";
import { H1Exchange, type ExchangeHost } from "./h1-exchange.ts";
import { headersOf } from "../h1/h1-headers.ts";
import { BODY, OwnH1Parser, PAUSE, REQUEST, type H1Events } from "../h1/own-parser.ts";
import { UserBufferReads } from "../h1/user-buffer-reads.ts";
import type { Limits } from "../limits.ts";
import { isWebSocketUpgrade } from "./websocket-upgrade.ts";

export interface H1Handlers {
  onRequest(ex: H1Exchange, tag: unknown): void;
  onUpgrade(ex: H1Exchange, socket: Duplex, head: Buffer, tag: unknown): void;
}

/** What a connection needs from the front that serves it (h1-front). */
export interface H1Owner {
  readonly limits: Limits;
  readonly handlers: H1Handlers;
  readonly draining: boolean;
  /** Stop tracking `c` (it closed or went to the upgrade handler). */
  forget(c: H1Connection): boolean;
}

const IDLE = 0, HEAD = 1, BODY_PHASE = 2, WAIT = 3;
const maxPipelined = 32;
/** Fields per head: llhttp has no bound; node:http's server keeps 2000 (the stack refuses past maxHeaderCount). */
const maxHeaderFields = 2000;
const EMPTY = Buffer.alloc(0);

/** A copy of data[start, end) (empty when there is nothing). */
function copyOf(data: Buffer, start: number, end: number): Buffer {
  if (start >= end) return EMPTY;
  const out = Buffer.allocUnsafe(end - start);
  data.copy(out, 0, start, end);
  return out;
}

export class H1Connection implements ExchangeHost, H1Events {
  readonly remoteAddress: string | undefined;
  phase = HEAD;
  since = Date.now();
  /** When the request being received last got body bytes (body idle bound). */
  bodyAt = 0;
  private readonly front: H1Owner;
  private readonly socket: Duplex;
  private readonly tag: unknown;
  private readonly parser: OwnH1Parser;
  /** User-buffer reads, or undefined while reads come as "data" events (no native handle, not started, handed off). */
  private reads: UserBufferReads | undefined;
  private receiving: H1Exchange | undefined;
  private readonly queue: H1Exchange[] = [];
  private upgrading: H1Exchange | undefined;
  /** A parsed head waiting for room in the queue (the parser is paused after it) and the bytes after it (copied). */
  private held: H1Exchange | undefined;
  private heldRest: Buffer | undefined;
  /** Parsing is over (a refusal, or bytes after a closing request): the queue finishes, then we close. */
  private stopped = false;
  /** A refusal to write once the queued answers are out. */
  private refusal: string | undefined;
  private releasing = false;
  private requests = 0;
  private priStart = false;
  private headInRead = false;
  private gone = false;
  /** Output written in the current tick, sent as one write (flushBatch): one Buffer (the common case), or a list. */
  private batch: Buffer | Buffer[] | undefined;
  private batchBytes = 0;
  /** A flushBatch is scheduled (next tick). */
  private flushing = false;
  private readonly onRead = (buf: Buffer, n: number): void => this.feed(buf, n);
  private readonly onData = (d: Buffer): void => this.feed(d, d.length);

  constructor(front: H1Owner, socket: Duplex, tag: unknown) {
    this.front = front;
    this.socket = socket;
    this.tag = tag;
    this.remoteAddress = (socket as { remoteAddress?: string }).remoteAddress;
    this.parser = new OwnH1Parser(REQUEST, { maxHeaderBytes: front.limits.maxHeaderBytes, maxHeaderCount: maxHeaderFields }, this);
  }

  get draining(): boolean {
    return this.front.draining;
  }

  start(bytes: Buffer): void {
    const s = this.socket;
    s.on("close", () => this.onClosed());
    s.on("end", () => this.onPeerEnd());
    s.on("drain", () => this.queue[0]?.drained());
    // A broken h2c preface ("PRI * HTTP/2.0" then something else) is not an HTTP/1.x client either.
    this.priStart = bytes.length >= 4 && bytes.toString("latin1", 0, 4) === "PRI ";
    if (bytes.length > 0) this.feed(bytes, bytes.length);
    // Bytes the stream buffered after the detection's (read before we took over) come next, unless an upgrade
    // took the socket (they are its tunnel's then) or parsing stopped.
    for (let b = this.buffered(); b !== null; b = this.buffered()) this.feed(b, b.length);
    if (this.gone || this.upgrading !== undefined) return;
    // New reads: into the shared buffer when the socket has a native handle, else "data" events.
    this.reads = UserBufferReads.attach(s, this.onRead);
    if (this.reads === undefined) s.on("data", this.onData);
    if (this.stopped || this.held !== undefined) {
      this.pauseReading();
      return;
    }
    this.resumeReads();
  }

  /** What the stream buffered before start() took over, while parsing goes on here. */
  private buffered(): Buffer | null {
    return this.gone || this.upgrading !== undefined || this.stopped ? null : (this.socket.read() as Buffer | null);
  }

  /** One read: data[0, n), valid only during this call. */
  private feed(data: Buffer, n: number): void {
    if (this.upgrading !== undefined || this.gone || this.stopped) return;
    if (this.held !== undefined) {
      const rest = copyOf(data, 0, n);
      this.heldRest = this.heldRest === undefined ? rest : Buffer.concat([this.heldRest, rest]);
      return;
    }
    this.afterExecute(this.parser.execute(data, n), data, n);
  }

  onHead(p: OwnH1Parser): number {
    const raw = p.headers;
    const major = p.versionMajor;
    this.headInRead = true;
    if (this.gone || this.stopped) return PAUSE;
    if (major !== 1) {
      this.reject(major === 0 ? "400 Bad Request" : "505 HTTP Version Not Supported", major === 0 ? "bad_request" : "unsupported_version");
      return PAUSE;
    }
    const headers = headersOf(raw);
    const http11 = p.versionMinor === 1;
    const method = p.method;
    let upgrade = p.upgrade;
    if (upgrade) {
      if (method === "CONNECT") {
        this.reject("400 Bad Request", "bad_request");
        return PAUSE;
      }
      // Only WebSocket is tunnelled; any other offer (h2c, …) is ignored and the request served as HTTP/1.1:
      // the parser parses on after it as after any request.
      if (!isWebSocketUpgrade(headers)) {
        upgrade = false;
        p.upgrade = false;
      }
    }
    const hasBody = headers["transfer-encoding"] !== undefined || (headers["content-length"] !== undefined && headers["content-length"] !== "0");
    const ex = new H1Exchange(this, method, p.url, raw, headers, http11, p.keepAlive && !upgrade, hasBody && !upgrade);
    if (http11 && headers.host === undefined) {
      this.reject("400 Bad Request", "bad_request");
      return PAUSE;
    }
    if (upgrade) {
      if (this.queue.length > 0) {
        this.reject("400 Bad Request", "bad_request");
        return PAUSE;
      }
      this.upgrading = ex;
      return BODY;
    }
    const expect = headers.expect;
    if (expect !== undefined && expect.toLowerCase() !== "100-continue") {
      this.reject("417 Expectation Failed", "expectation_failed");
      return PAUSE;
    }
    if (this.queue.length >= maxPipelined) {
      // Backpressure: hold this head, stop the parser after it and stop reading until an answer is done.
      this.held = ex;
      this.pauseReading();
      return PAUSE;
    }
    this.admit(ex);
    return BODY;
  }

  /** Hand `ex` to the stack: it joins the queue of answers in request order. */
  private admit(ex: H1Exchange): void {
    this.requests++;
    if (ex.headers.expect !== undefined && this.queue.length === 0 && ex.hasBody()) this.out("HTTP/1.1 100 Continue\r\n\r\n");
    this.queue.push(ex);
    if (this.queue.length === 1) ex.activate();
    if (!ex.requestComplete) {
      // A head that arrived whole on an idle connection starts the request clock now (a request already
      // complete waits on its answer, which no bound of the connection's times: no clock read for it).
      const now = Date.now();
      if (this.phase === IDLE) this.since = now;
      this.receiving = ex;
      this.phase = BODY_PHASE;
      this.bodyAt = now;
    } else this.phase = WAIT;
    this.front.handlers.onRequest(ex, this.tag);
  }

  /** Body bytes data[start, end): copied (the read's buffer is reused), the copy goes to the exchange. */
  onBody(data: Buffer, start: number, end: number): void {
    const rx = this.receiving;
    if (rx === undefined) return;
    this.bodyAt = Date.now();
    if (!rx.pushBody(copyOf(data, start, end))) this.pauseReading();
  }

  onComplete(p: OwnH1Parser): void {
    // A chunked body's trailer fields go with the body (request-trailers.ts), never into the next request's head.
    const ex = this.receiving;
    this.receiving = undefined;
    if (ex !== undefined) ex.endBody(p.trailers);
    if (this.phase === BODY_PHASE) this.phase = this.queue.length > 0 ? WAIT : IDLE;
    if (this.phase === IDLE) this.since = Date.now();
  }

  /** After parsing data[0, end): `ret` bytes taken, or -1. */
  private afterExecute(ret: number, data: Buffer, end: number): void {
    const p = this.parser;
    if (ret < 0) {
      this.parseFailed(p.error);
      return;
    }
    if (p.paused) {
      if (this.held !== undefined) this.heldRest = copyOf(data, ret, end);
      return;
    }
    // Bytes taken while idle and no head completed in this read: a request has begun (headers timeout
    // from now). A read that completed a head leaves the phase to the exchange.
    if (this.phase === IDLE && ret > 0 && !this.headInRead) {
      this.phase = HEAD;
      this.since = Date.now();
    }
    this.headInRead = false;
    const ex = this.upgrading;
    if (ex === undefined || this.gone) return;
    const head = copyOf(data, ret, end);
    this.handBack();
    this.front.forget(this);
    this.front.handlers.onUpgrade(ex, this.socket, head, this.tag);
  }

  private parseFailed(code: string): void {
    if (this.gone) return;
    // Bytes after a request that closes the connection: ignored, as nginx does; the answers still go out.
    if (code === "HPE_CLOSED_CONNECTION") {
      this.stop();
      if (this.queue.length === 0) this.close();
      return;
    }
    // The connection's first bytes are no HTTP/1.x request line: we do not know what the peer speaks.
    if (this.requests === 0 && this.queue.length === 0 && (code === "HPE_INVALID_METHOD" || this.priStart)) {
      this.stop();
      this.close();
      return;
    }
    const overflow = code === "HPE_HEADER_OVERFLOW";
    this.reject(overflow ? "431 Request Header Fields Too Large" : "400 Bad Request", overflow ? "headers_too_large" : "bad_request");
  }

  /**
   * The client finished sending (EOF; the capture faces accept sockets half-open, for TCP pass-through):
   * no request can follow. Between requests the connection closes now, instead of lingering half-closed
   * until the idle timeout; with answers still queued, once they are out. A request still arriving keeps
   * its own bounds (body and request timeouts).
   */
  private onPeerEnd(): void {
    if (this.gone || this.upgrading !== undefined || this.receiving !== undefined || this.held !== undefined) return;
    this.stop();
    if (this.queue.length === 0) this.close();
  }

  /** No more parsing on this connection: reads stop; the queued requests still get their answers. */
  private stop(): void {
    this.stopped = true;
    this.pauseReading();
  }

  /**
   * Refuse at the framing level and close. A request whose body is still arriving was already handed on:
   * it gets this answer itself (its upstream attempt is aborted). Otherwise the refusal follows the
   * answers still queued.
   */
  reject(status: string, kind: string): void {
    if (this.gone) return;
    this.stop();
    const rx = this.receiving;
    if (rx !== undefined) {
      this.receiving = undefined;
      rx.requestBroken(Number(status.slice(0, 3)), kind);
      return;
    }
    const text = `HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\nx-weft-error: ${kind}\r\n\r\n`;
    if (this.queue.length > 0) {
      this.refusal = text;
      return;
    }
    this.endWith(text);
  }

  private endWith(text: string): void {
    const s = this.socket;
    if (!s.writable) {
      this.destroy();
      return;
    }
    this.flushBatch();
    this.gone = true;
    this.front.forget(this);
    s.end(text, "latin1");
    setTimeout(() => s.destroy(), 1000).unref();
  }

  out(data: string | Buffer, endFollows = false): boolean {
    if (this.gone) return true;
    // Everything written in one tick leaves in one write(2): small answers are head + body. Output its
    // exchange's end follows at once (finished) needs no tick of its own: finished() sends it or schedules one.
    const b = typeof data === "string" ? Buffer.from(data, "latin1") : data;
    const q = this.batch;
    if (q === undefined) this.batch = b;
    else if (Array.isArray(q)) q.push(b);
    else this.batch = [q, b];
    if (!endFollows && !this.flushing) {
      this.flushing = true;
      process.nextTick(this.flushBatch);
    }
    this.batchBytes += b.length;
    return this.batchBytes < 65_536 && !this.socket.writableNeedDrain;
  }

  private readonly flushBatch = (): void => {
    this.flushing = false;
    const b = this.batch;
    this.batch = undefined;
    this.batchBytes = 0;
    if (b === undefined || this.socket.destroyed || this.socket.writableEnded) return;
    const ok = this.socket.write(Array.isArray(b) ? Buffer.concat(b) : b);
    if (ok && this.queue[0] !== undefined) this.queue[0].drained();
  };

  finished(ex: H1Exchange): void {
    this.settle(ex);
    // Output no tick was scheduled for (an answer that ended with its last byte): out now when nothing else
    // is queued on this connection; else with what the next answers write in this tick.
    if (this.batch !== undefined && !this.flushing) {
      if (this.queue.length === 0) this.flushBatch();
      else {
        this.flushing = true;
        process.nextTick(this.flushBatch);
      }
    }
  }

  private settle(ex: H1Exchange): void {
    if (this.queue[0] !== ex) return;
    while (this.queue.length > 0 && this.queue[0].finished()) {
      // One answer in the queue (no pipelining) is the common case: pop() costs less than shift().
      const done = (this.queue.length === 1 ? this.queue.pop() : this.queue.shift())!;
      done.closed(done.broken);
      if (done.broken) {
        this.destroy();
        return;
      }
      if (done.closeAfter || !done.requestComplete || this.front.draining) {
        this.close();
        return;
      }
      const next = this.queue[0];
      if (next !== undefined) next.activate();
    }
    if (this.queue.length === 0 && this.stopped) {
      if (this.refusal !== undefined) this.endWith(this.refusal);
      else this.close();
      return;
    }
    // Room again for the held head: admitted from a clean stack (never inside a parser callback).
    if (this.held !== undefined && !this.releasing) {
      this.releasing = true;
      process.nextTick(this.release);
      return;
    }
    if (this.queue.length === 0 && this.receiving === undefined && this.phase !== HEAD) {
      this.phase = IDLE;
      this.since = Date.now();
    }
  }

  /** Room in the queue again: admit the held head and parse on from where the parser stopped. */
  private readonly release = (): void => {
    this.releasing = false;
    const ex = this.held;
    if (ex === undefined || this.gone) return;
    const rest = this.heldRest;
    this.held = undefined;
    this.heldRest = undefined;
    this.admit(ex);
    this.parser.resume();
    if (rest !== undefined && rest.length > 0 && !this.gone && !this.stopped) this.afterExecute(this.parser.execute(rest), rest, rest.length);
    if (!this.gone && !this.stopped && this.held === undefined) this.resumeReading();
  };

  pauseReading(): void {
    const r = this.reads;
    if (r !== undefined) r.pause();
    else this.socket.pause();
  }

  resumeReading(): void {
    if (this.gone || this.stopped || this.held !== undefined) return;
    // Time spent paused for backpressure is not the client's idleness.
    if (this.receiving !== undefined && this.readsPaused()) this.bodyAt = Date.now();
    this.resumeReads();
  }

  private resumeReads(): void {
    const r = this.reads;
    if (r !== undefined) r.resume();
    else if (this.socket.isPaused()) this.socket.resume();
  }

  private readsPaused(): boolean {
    const r = this.reads;
    return r !== undefined ? r.paused : this.socket.isPaused();
  }

  /** The socket goes to the upgrade handler: later reads are the stream's "data" events (copies) again. */
  private handBack(): void {
    this.reads?.release();
    this.reads = undefined;
    this.socket.off("data", this.onData);
  }

  /** Graceful close after the current output (keep-alive refused). */
  close(): void {
    if (this.gone) return;
    this.flushBatch();
    this.gone = true;
    this.front.forget(this);
    this.socket.end();
    const s = this.socket;
    setTimeout(() => s.destroy(), 5000).unref();
  }

  destroy(): void {
    // Answers written this tick (earlier pipelined ones) leave before the reset.
    this.flushBatch();
    this.socket.destroy();
    this.onClosed();
  }

  idle(): boolean {
    return this.queue.length === 0 && this.receiving === undefined && this.phase !== BODY_PHASE;
  }

  /** Sweep: slowloris, body idle and idle-connection bounds. */
  check(now: number, limits: Limits): void {
    const age = now - this.since;
    if (this.phase === IDLE && this.queue.length === 0) {
      if (age > limits.idleTimeoutMs) this.close();
    } else if (this.phase === HEAD && this.receiving === undefined) {
      if (age > limits.headersTimeoutMs) this.reject("408 Request Timeout", "request_timeout");
    } else if (this.phase === BODY_PHASE) {
      if (age > limits.requestTimeoutMs) this.reject("408 Request Timeout", "request_timeout");
      else if (now - this.bodyAt > limits.bodyIdleTimeoutMs && !this.readsPaused()) this.reject("408 Request Timeout", "body_timeout");
    }
  }

  private onClosed(): void {
    this.front.forget(this);
    this.gone = true;
    this.held = undefined;
    this.heldRest = undefined;
    const pending = this.queue.splice(0);
    const rx = this.receiving;
    this.receiving = undefined;
    for (const ex of pending) ex.closed(true);
    if (rx !== undefined && !pending.includes(rx)) rx.closed(true);
  }
}
