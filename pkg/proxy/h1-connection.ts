// h1-connection: the downstream HTTP/1.x front. Each connection runs node's strict llhttp parser
// (h1-parser), reading straight from the socket handle when it has one, and turns requests into
// H1Exchanges for the stack. It answers what node:http would: parse errors ⇒ 400 (431 for an oversized
// head) and close; HTTP/1.1 without Host ⇒ 400; `Expect: 100-continue` ⇒ 100 Continue, any other
// expectation ⇒ 417; Upgrade/CONNECT requests go to the upgrade handler with the bytes after the head.
// One sweep per front enforces slowloris bounds (head within headersTimeoutMs, whole request within
// requestTimeoutMs ⇒ 408 and close) and closes keep-alive connections idle past idleTimeoutMs.
// Takes limits and handlers; gives serve(socket, bytesAlreadyRead), closeIdle(), closeAll(), draining.
// Must not: parse leniently, answer out of order, or keep a connection whose request framing is unknown.
import type { Duplex } from "node:stream";
import { H1Exchange, type ExchangeHost } from "./h1-exchange.ts";
import { headersOf } from "./h1-headers.ts";
import { METHODS, newRequestParser, SocketReads, type LlhttpParser, type ParseError } from "./h1-parser.ts";
import type { Limits } from "./limits.ts";

export interface H1Handlers {
  onRequest(ex: H1Exchange, tag: unknown): void;
  onUpgrade(ex: H1Exchange, socket: Duplex, head: Buffer, tag: unknown): void;
}

const IDLE = 0, HEAD = 1, BODY = 2, WAIT = 3;
const maxPipelined = 32;

class H1Connection implements ExchangeHost {
  readonly remoteAddress: string | undefined;
  phase = HEAD;
  since = Date.now();
  private readonly front: H1Front;
  private readonly socket: Duplex;
  private readonly tag: unknown;
  private readonly parser: LlhttpParser;
  private readonly reads: SocketReads;
  private partial: string[] | undefined;
  private partialUrl = "";
  private receiving: H1Exchange | undefined;
  private readonly queue: H1Exchange[] = [];
  private upgrading: H1Exchange | undefined;
  private headInRead = false;
  private gone = false;
  private freed = false;
  /** Output written in the current tick, sent as one write (flushBatch). */
  private batch: Buffer[] | undefined;
  private batchBytes = 0;

  constructor(front: H1Front, socket: Duplex, tag: unknown) {
    this.front = front;
    this.socket = socket;
    this.tag = tag;
    this.remoteAddress = (socket as { remoteAddress?: string }).remoteAddress;
    this.parser = newRequestParser(front.limits.maxHeaderBytes, {
      onHeadersPartial: (h, url) => { (this.partial ??= []).push(...h); this.partialUrl += url; },
      onHead: (major, minor, headers, method, url, _s, _m, upgrade, keepAlive) => this.onHead(major, minor, headers, method, url, upgrade, keepAlive),
      onBody: (chunk) => { if (this.receiving !== undefined && !this.receiving.pushBody(chunk)) this.pauseReading(); },
      onMessageComplete: () => this.onMessageComplete(),
      onExecute: (ret) => this.afterExecute(ret, undefined),
    });
    this.reads = new SocketReads(this.parser, socket);
  }

  get draining(): boolean { return this.front.draining; }

  start(bytes: Buffer): void {
    const s = this.socket;
    s.on("close", () => this.onClosed());
    s.on("drain", () => this.queue[0]?.drained());
    if (bytes.length > 0) this.afterExecute(this.parser.execute(bytes), bytes);
    if (this.gone || this.upgrading !== undefined) return;
    // Bytes already buffered in the stream (read before we took over) go through "data"; new reads go
    // straight from the handle to the parser when the socket has one.
    s.on("data", (d: Buffer) => { if (this.upgrading === undefined && !this.gone) this.afterExecute(this.parser.execute(d), d); });
    this.reads.consume();
    s.resume();
  }

  private onHead(major: number, minor: number, raw: string[] | undefined, methodIndex: number, url: string | undefined, upgrade: boolean, keepAlive: boolean): number {
    if (raw === undefined) { raw = this.partial ?? []; this.partial = undefined; }
    if (url === undefined) { url = this.partialUrl; this.partialUrl = ""; }
    this.headInRead = true;
    if (this.gone) return 0;
    const headers = headersOf(raw);
    const http11 = major === 1 && minor === 1;
    const hasBody = headers["transfer-encoding"] !== undefined || (headers["content-length"] !== undefined && headers["content-length"] !== "0");
    const ex = new H1Exchange(this, METHODS[methodIndex] ?? "GET", url, raw, headers, http11, keepAlive && !upgrade, hasBody && !upgrade);
    if (http11 && headers.host === undefined) { this.reject("400 Bad Request", "bad_request"); return 0; }
    if (upgrade) { this.upgrading = ex; return 0; }
    const expect = headers.expect;
    if (expect !== undefined) {
      if (expect.toLowerCase() !== "100-continue") { this.reject("417 Expectation Failed", "expectation_failed"); return 0; }
      if (this.queue.length === 0 && hasBody) this.out("HTTP/1.1 100 Continue\r\n\r\n");
    }
    if (this.queue.length >= maxPipelined) { this.destroy(); return 0; }
    this.queue.push(ex);
    if (this.queue.length === 1) ex.activate();
    // A head that arrived whole on an idle connection starts the request clock now.
    if (this.phase === IDLE) this.since = Date.now();
    if (!ex.requestComplete) { this.receiving = ex; this.phase = BODY; } else this.phase = WAIT;
    this.front.handlers.onRequest(ex, this.tag);
    return 0;
  }

  private onMessageComplete(): void {
    const ex = this.receiving;
    this.receiving = undefined;
    if (ex !== undefined) ex.endBody();
    if (this.phase === BODY) this.phase = this.queue.length > 0 ? WAIT : IDLE;
    if (this.phase === IDLE) this.since = Date.now();
  }

  private afterExecute(ret: number | ParseError, d: Buffer | undefined): void {
    if (typeof ret !== "number") { this.parseFailed(ret); return; }
    // Bytes taken while idle and no head completed in this read: a request has begun (headers timeout
    // from now). A read that completed a head leaves the phase to the exchange.
    if (this.phase === IDLE && ret > 0 && !this.headInRead) { this.phase = HEAD; this.since = Date.now(); }
    this.headInRead = false;
    const ex = this.upgrading;
    if (ex === undefined || this.gone) return;
    let buf = d;
    if (this.reads.consumed) {
      buf = this.parser.getCurrentBuffer();
      this.reads.release();
    }
    const head = buf === undefined ? Buffer.alloc(0) : Buffer.from(buf.subarray(ret));
    this.socket.removeAllListeners("data");
    this.front.forget(this);
    this.parser.free();
    this.front.handlers.onUpgrade(ex, this.socket, head, this.tag);
  }

  private parseFailed(err: ParseError): void {
    if (this.gone) return;
    const overflow = err.code === "HPE_HEADER_OVERFLOW";
    this.reject(overflow ? "431 Request Header Fields Too Large" : "400 Bad Request", overflow ? "headers_too_large" : "bad_request");
  }

  /** Answer a framing-level failure ourselves and close; if an answer already started, just close. */
  reject(status: string, kind: string): void {
    if (this.gone) return;
    const s = this.socket;
    if (this.queue.length > 0 || !s.writable) { this.destroy(); return; }
    this.gone = true;
    this.front.forget(this);
    this.reads.release();
    s.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\nx-weft-error: ${kind}\r\n\r\n`);
    setTimeout(() => s.destroy(), 1000).unref();
  }

  out(data: string | Buffer): boolean {
    if (this.gone) return true;
    // Everything written in one tick leaves in one write(2): small answers are head + body.
    const b = typeof data === "string" ? Buffer.from(data, "latin1") : data;
    if (this.batch === undefined) {
      this.batch = [b];
      process.nextTick(this.flushBatch);
    } else this.batch.push(b);
    this.batchBytes += b.length;
    return this.batchBytes < 65_536 && !this.socket.writableNeedDrain;
  }

  private readonly flushBatch = (): void => {
    const b = this.batch;
    this.batch = undefined;
    this.batchBytes = 0;
    if (b === undefined || this.socket.destroyed) return;
    const ok = this.socket.write(b.length === 1 ? b[0]! : Buffer.concat(b));
    if (ok && this.queue[0] !== undefined) this.queue[0].drained();
  };

  finished(ex: H1Exchange): void {
    if (this.queue[0] !== ex) return;
    while (this.queue.length > 0 && this.queue[0]!.finished()) {
      const done = this.queue.shift()!;
      done.closed(false);
      if (done.closeAfter || !done.requestComplete || this.front.draining) {
        this.close();
        return;
      }
      const next = this.queue[0];
      if (next !== undefined) next.activate();
    }
    if (this.queue.length === 0 && this.receiving === undefined && this.phase !== HEAD) { this.phase = IDLE; this.since = Date.now(); }
  }

  pauseReading(): void { this.reads.pause(); }

  resumeReading(): void { if (!this.gone) this.reads.resume(); }

  /** Graceful close after the current output (keep-alive refused). */
  close(): void {
    if (this.gone) return;
    this.flushBatch();
    this.gone = true;
    this.front.forget(this);
    this.reads.release();
    this.socket.end();
    const s = this.socket;
    setTimeout(() => s.destroy(), 5000).unref();
  }

  destroy(): void {
    this.socket.destroy();
    this.onClosed();
  }

  idle(): boolean { return this.queue.length === 0 && this.receiving === undefined && this.phase !== BODY; }

  /** Sweep: slowloris and idle bounds. */
  check(now: number, limits: Limits): void {
    const age = now - this.since;
    if (this.phase === IDLE && this.queue.length === 0) {
      if (age > limits.idleTimeoutMs) this.close();
    } else if (this.phase === HEAD && this.receiving === undefined) {
      if (age > limits.headersTimeoutMs) this.reject("408 Request Timeout", "request_timeout");
    } else if (this.phase === BODY) {
      if (age > limits.requestTimeoutMs) this.reject("408 Request Timeout", "request_timeout");
    }
  }

  private onClosed(): void {
    this.front.forget(this);
    this.gone = true;
    this.reads.release();
    const pending = this.queue.splice(0);
    const rx = this.receiving;
    this.receiving = undefined;
    for (const ex of pending) ex.closed(true);
    if (rx !== undefined && !pending.includes(rx)) rx.closed(true);
    if (!this.freed) { this.freed = true; this.parser.free(); }
  }
}

export class H1Front {
  readonly limits: Limits;
  readonly handlers: H1Handlers;
  draining = false;
  private readonly conns = new Set<H1Connection>();
  private sweep: NodeJS.Timeout | undefined;

  constructor(limits: Limits, handlers: H1Handlers) {
    this.limits = limits;
    this.handlers = handlers;
  }

  /** Serve HTTP/1.x on `socket`; `bytes` were already read from it (protocol detection). */
  serve(socket: Duplex, bytes: Buffer, tag: unknown): void {
    const c = new H1Connection(this, socket, tag);
    this.conns.add(c);
    if (this.sweep === undefined) {
      const l = this.limits;
      const every = Math.max(50, Math.min(1000, Math.floor(Math.min(l.headersTimeoutMs, l.idleTimeoutMs, l.requestTimeoutMs) / 2)));
      this.sweep = setInterval(() => { const now = Date.now(); for (const k of this.conns) k.check(now, l); }, every);
      this.sweep.unref();
    }
    c.start(bytes);
  }

  /** Returns true when the connection was still tracked. */
  forget(c: H1Connection): boolean { return this.conns.delete(c); }

  closeIdle(): void { for (const c of this.conns) if (c.idle()) c.close(); }

  closeAll(): void {
    for (const c of this.conns) c.destroy();
    if (this.sweep !== undefined) { clearInterval(this.sweep); this.sweep = undefined; }
  }
}
