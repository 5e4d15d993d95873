// h1-upstream-conn: one kept-alive HTTP/1.1 connection to an upstream endpoint, its answers parsed by
// Weft's own parser (own-parser, response mode) straight from the socket's reads (user-buffer-reads: once
// connected, every read lands in the one shared read buffer and comes here, no Buffer or "data" event per
// read; a socket without a native handle reads through "data" events). Runs one exchange at a time (no
// pipelining): writes the request head (and body), parses the answer (1xx skipped, HEAD answers bodiless,
// close-delimited bodies ended at EOF, trailers kept) and reports it to the exchange's sink. The
// connection is reusable only when both sides finished cleanly and the peer allows keep-alive. Takes a
// connected socket; gives run()/abort.
// Must not: start a second exchange before the first finished, be reused after any framing doubt, or hand
// the sink a view of the read buffer (the next read overwrites it: body chunks are copied out).
import type { Socket } from "node:net";
import { BODY, NO_BODY, OwnH1Parser, PAUSE, RESPONSE, type H1Events } from "../h1/own-parser.ts";
import { UserBufferReads } from "../h1/user-buffer-reads.ts";

/** Receives one exchange's answer. */
export interface ResponseSink {
  head(status: number, raw: string[]): void;
  /** Body bytes; return false to pause the connection until resume(). */
  data(chunk: Buffer): boolean;
  /** Complete answer; `trailers` as a flat name/value list. */
  end(trailers: string[]): void;
  /** The connection failed; `answered` tells whether any answer head arrived first. */
  fail(err: Error, answered: boolean): void;
}

/** No fields (shared; frozen, so nothing can add to it). */
const NO_FIELDS: string[] = Object.freeze([]) as unknown as string[];

/** Upstream answers: 64 KiB of head at most (as the upstream pool always allowed); the field count is bound by that alone. */
const LIMITS = { maxHeaderBytes: 64 * 1024, maxHeaderCount: 64 * 1024 };

/** The parser's error as an Error (llhttp's shape: HPE_* code, reason, offset). */
function parseError(p: OwnH1Parser): Error {
  return Object.assign(new Error(`Parse Error: ${p.errorReason}`), { code: p.error, reason: p.errorReason, bytesParsed: p.errorOffset });
}

export class H1UpstreamConn implements H1Events {
  readonly socket: Socket;
  readonly key: string;
  /** Exchanges completed on this connection (0 ⇒ fresh). */
  served = 0;
  idleSince = 0;
  private readonly parser: OwnH1Parser;
  private sink: ResponseSink | undefined;
  private answered = false;
  private informational = false;
  private headRequest = false;
  private keepAlive = true;
  private requestDone = false;
  private responseDone = false;
  private closed = false;
  /** Reading is stopped (pause(), not yet resume()). */
  private readsPaused = false;
  /** The shared read buffer's reads, once connected (undefined: "data" events). */
  private reads: UserBufferReads | undefined;
  private readonly onRelease: (c: H1UpstreamConn, reusable: boolean) => void;

  constructor(socket: Socket, key: string, onRelease: (c: H1UpstreamConn, reusable: boolean) => void) {
    this.socket = socket;
    this.key = key;
    this.onRelease = onRelease;
    this.parser = new OwnH1Parser(RESPONSE, LIMITS, this);
    // Until consume() (and for a socket without a native handle): "data" events, each a Buffer of its own.
    socket.on("data", (d: Buffer) => this.onRead(d, d.length));
    socket.on("end", () => {
      // EOF ends a close-delimited body; anywhere else it is a cut-short answer.
      if (this.sink !== undefined && this.parser.finish() < 0) {
        this.die(parseError(this.parser));
        return;
      }
      this.die(Object.assign(new Error("upstream closed the connection"), { code: "ECONNRESET" }));
    });
    socket.on("error", (e) => this.die(e));
    socket.on("close", () => this.die(Object.assign(new Error("upstream connection closed"), { code: "ECONNRESET" })));
  }

  /** One read: buf[0, n), valid only during this call. */
  private readonly onRead = (buf: Buffer, n: number): void => {
    if (this.closed) return;
    if (this.parser.execute(buf, n) < 0 && !this.closed) this.die(parseError(this.parser));
  };

  /** Once connected: reads land in the shared read buffer and come straight to the parser. */
  consume(): void {
    if (this.closed || this.reads !== undefined) return;
    this.reads = UserBufferReads.attach(this.socket, this.onRead);
    if (this.readsPaused) this.reads?.pause();
  }

  get busy(): boolean {
    return this.sink !== undefined;
  }
  get alive(): boolean {
    return !this.closed && !this.socket.destroyed;
  }

  /** Start an exchange: `head` is the request head text, `body` a whole body sent in the same write. */
  run(sink: ResponseSink, head: string, headRequest: boolean, body?: Buffer): void {
    this.sink = sink;
    this.answered = false;
    this.informational = false;
    this.headRequest = headRequest;
    this.keepAlive = true;
    this.requestDone = false;
    this.responseDone = false;
    // The previous answer's reader may have left the socket paused after its last chunk.
    this.resume();
    if (body === undefined || body.length === 0) {
      this.socket.write(head, "latin1");
      return;
    }
    const out = Buffer.allocUnsafe(Buffer.byteLength(head, "latin1") + body.length);
    body.copy(out, out.write(head, 0, "latin1"));
    this.socket.write(out);
  }

  write(chunk: Buffer | string): boolean {
    return typeof chunk === "string" ? this.socket.write(chunk, "latin1") : this.socket.write(chunk);
  }

  /** One chunk of a chunked request body — size line, data, CRLF — in one write (writev), not three. */
  writeChunk(chunk: Buffer): boolean {
    const s = this.socket;
    s.cork();
    s.write(`${chunk.length.toString(16)}\r\n`, "latin1");
    s.write(chunk);
    const ok = s.write("\r\n", "latin1");
    s.uncork();
    return ok;
  }

  /** The request (head and body) is completely written. */
  requestFinished(): void {
    this.requestDone = true;
    if (this.responseDone) this.release();
  }

  resume(): void {
    if (!this.readsPaused || this.closed) return;
    this.readsPaused = false;
    if (this.reads !== undefined) this.reads.resume();
    else this.socket.resume();
  }

  pause(): void {
    if (this.readsPaused || this.closed) return;
    this.readsPaused = true;
    if (this.reads !== undefined) this.reads.pause();
    else this.socket.pause();
  }

  /** Abandon the exchange: the connection cannot be trusted any more (the pool lets go of it). */
  abort(): void {
    this.sink = undefined;
    const wasClosed = this.closed;
    this.destroy();
    if (!wasClosed) this.onRelease(this, false);
  }

  destroy(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
  }

  // ---- the parser's events (H1Events)

  onHead(p: OwnH1Parser): number {
    const status = p.status;
    if (status >= 100 && status < 200 && status !== 101) {
      this.informational = true;
      return BODY;
    }
    const sink = this.sink;
    if (sink === undefined || p.upgrade) {
      this.die(Object.assign(new Error("unexpected upstream answer"), { code: "HPE_UNEXPECTED" }));
      // Nothing after this head is parsed.
      return PAUSE;
    }
    this.answered = true;
    // A 101 without Upgrade fields ends the parse of this connection (the stream switched): never reused.
    this.keepAlive = p.keepAlive && status !== 101;
    sink.head(status, p.headers);
    // The answer to a HEAD request has no body, whatever its framing fields say.
    return this.headRequest ? NO_BODY : BODY;
  }

  /**
   * Body bytes data[start, end), in the read buffer the next read overwrites: the sink gets a copy (it may
   * hold the chunk — a write queued behind a slow client, a chunk held until a reader comes).
   */
  onBody(data: Buffer, start: number, end: number): void {
    const sink = this.sink;
    if (sink === undefined || end <= start) return;
    const chunk = Buffer.allocUnsafe(end - start);
    data.copy(chunk, 0, start, end);
    if (!sink.data(chunk)) this.pause();
  }

  onComplete(p: OwnH1Parser): void {
    if (this.informational) {
      this.informational = false;
      return;
    }
    const sink = this.sink;
    if (sink === undefined) return;
    this.responseDone = true;
    this.sink = undefined;
    sink.end(p.trailers ?? NO_FIELDS);
    if (this.requestDone) this.release();
  }

  private release(): void {
    this.served++;
    // Idle connections keep reading so a peer's close (or stray bytes) is noticed at once.
    this.resume();
    this.onRelease(this, this.keepAlive && !this.closed && this.sink === undefined);
  }

  private die(err: Error): void {
    const sink = this.sink;
    this.sink = undefined;
    const wasClosed = this.closed;
    this.destroy();
    if (sink !== undefined) sink.fail(err, this.answered);
    if (!wasClosed) this.onRelease(this, false);
  }
}
