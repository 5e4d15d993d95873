// h1-upstream-conn: one kept-alive HTTP/1.1 connection to an upstream endpoint, parsed by node's strict
// llhttp binding (h1-parser, response mode). Runs one exchange at a time (no pipelining): writes the
// request head (and body), parses the answer (1xx skipped, HEAD answers bodiless, close-delimited bodies
// ended at EOF, trailers kept) and reports it to the exchange's sink. The connection is reusable only when
// both sides finished cleanly and the peer allows keep-alive. Takes a connected socket; gives run()/abort.
// Must not: start a second exchange before the first finished, or be reused after any framing doubt.
import type { Socket } from "node:net";
import { closeParser, newResponseParser, SocketReads, type LlhttpParser, type ParseError } from "../h1/h1-parser.ts";

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

export class H1UpstreamConn {
  readonly socket: Socket;
  readonly key: string;
  /** Exchanges completed on this connection (0 ⇒ fresh). */
  served = 0;
  idleSince = 0;
  private readonly parser: LlhttpParser;
  private sink: ResponseSink | undefined;
  private answered = false;
  private informational = false;
  private headRequest = false;
  private keepAlive = true;
  private requestDone = false;
  private responseDone = false;
  /** Partial header lists of a long head, or trailer fields; undefined while there are none (most answers). */
  private trailers: string[] | undefined;
  private closed = false;
  private readonly reads: SocketReads;
  private readonly onRelease: (c: H1UpstreamConn, reusable: boolean) => void;

  constructor(socket: Socket, key: string, onRelease: (c: H1UpstreamConn, reusable: boolean) => void) {
    this.socket = socket;
    this.key = key;
    this.onRelease = onRelease;
    this.parser = newResponseParser({
      onHeadersPartial: (h) => {
        (this.trailers ??= []).push(...h);
      },
      onHead: (_ma, _mi, raw, _m, _u, status, _msg, upgrade, keepAlive) => this.onHead(raw ?? this.takePartial(), status, upgrade, keepAlive),
      onBody: (chunk) => {
        if (this.sink !== undefined && !this.sink.data(chunk)) this.pause();
      },
      onMessageComplete: () => this.onComplete(),
      onExecute: (ret) => {
        if (typeof ret !== "number") this.die(ret);
      },
    });
    this.reads = new SocketReads(this.parser, socket);
    socket.on("data", this.onData);
    socket.on("end", () => {
      // EOF ends a close-delimited body; anywhere else it is a cut-short answer.
      if (this.sink !== undefined) {
        const r = this.parser.finish();
        if (r !== undefined && typeof r !== "number") {
          this.die(r);
          return;
        }
      }
      this.die(Object.assign(new Error("upstream closed the connection"), { code: "ECONNRESET" }));
    });
    socket.on("error", (e) => this.die(e));
    socket.on("close", () => this.die(Object.assign(new Error("upstream connection closed"), { code: "ECONNRESET" })));
  }

  private readonly onData = (d: Buffer): void => {
    const r = this.parser.execute(d);
    if (typeof r !== "number") this.die(r);
  };

  /** Once connected: the parser reads straight from the socket handle (no JS "data" event per read). */
  consume(): void {
    if (!this.closed) this.reads.consume();
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
    this.trailers = undefined;
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
    if (!this.closed) this.reads.resume();
  }

  pause(): void {
    if (!this.closed) this.reads.pause();
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
    this.reads.release();
    this.socket.destroy();
    closeParser(this.parser);
  }

  private takePartial(): string[] {
    const t = this.trailers ?? NO_FIELDS;
    this.trailers = undefined;
    return t;
  }

  private onHead(raw: string[], status: number, upgrade: boolean, keepAlive: boolean): number {
    if (status >= 100 && status < 200 && status !== 101) {
      this.informational = true;
      return 0;
    }
    const sink = this.sink;
    if (sink === undefined || upgrade) {
      this.die(Object.assign(new Error("unexpected upstream answer"), { code: "HPE_UNEXPECTED" }));
      return 0;
    }
    this.answered = true;
    this.keepAlive = keepAlive;
    sink.head(status, raw);
    // 1 ⇒ the answer has no body (HEAD request): llhttp must not wait for one.
    return this.headRequest ? 1 : 0;
  }

  private onComplete(): void {
    if (this.informational) {
      this.informational = false;
      return;
    }
    const sink = this.sink;
    if (sink === undefined) return;
    this.responseDone = true;
    const t = this.takePartial();
    this.sink = undefined;
    sink.end(t);
    if (this.requestDone) this.release();
  }

  private release(): void {
    this.served++;
    // Idle connections keep reading so a peer's close (or stray bytes) is noticed at once.
    this.resume();
    this.onRelease(this, this.keepAlive && !this.closed && this.sink === undefined);
  }

  private die(err: Error | ParseError): void {
    const sink = this.sink;
    this.sink = undefined;
    const wasClosed = this.closed;
    this.destroy();
    if (sink !== undefined) sink.fail(err, this.answered);
    if (!wasClosed) this.onRelease(this, false);
  }
}
