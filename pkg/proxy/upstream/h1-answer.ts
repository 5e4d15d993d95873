// h1-answer: an HTTP/1.1 upstream answer (upstream-h1) as an UpstreamResponse. Its body reaches the
// downstream one of two ways: relayTo(sink) hands each chunk straight to the sink (no stream in between,
// the relay's common case), or `body` makes a Readable on first use (retry drain, mirror, tests). Chunks
// that arrive before either is attached are held; backpressure pauses the upstream connection. The head's
// fields stay as received (rawHeaders); the header object is made when someone reads it.
// Must not: deliver a chunk twice, or both ways at once.
import type { IncomingHttpHeaders } from "node:http";
import { Readable } from "node:stream";
import { headersOf } from "../h1/h1-headers.ts";
import type { H1UpstreamConn } from "./h1-upstream-conn.ts";
import type { RelaySink, UpstreamResponse } from "./upstream-types.ts";

/** Readable view: reading resumes the paused connection; destroying it abandons the exchange. */
class AnswerBody extends Readable {
  readonly answer: H1Answer;
  complete = false;
  constructor(answer: H1Answer) {
    super();
    this.answer = answer;
  }
  override _read(): void {
    this.answer.conn?.resume();
  }
  override _destroy(err: Error | null, cb: (e?: Error | null) => void): void {
    if (!this.complete) this.answer.abandon();
    cb(err);
  }
}

export class H1Answer implements UpstreamResponse {
  readonly status: number;
  readonly rawHeaders: readonly string[];
  readonly endStream = false;
  conn: H1UpstreamConn | undefined;
  private trailerFields: IncomingHttpHeaders | undefined;
  private held: Buffer[] | undefined;
  private ended = false;
  private failure: Error | undefined;
  private sink: RelaySink | undefined;
  private stream: AnswerBody | undefined;
  private gone = false;
  private fields: IncomingHttpHeaders | undefined;
  /** The drain callback is registered (behind). */
  private resumes = false;

  constructor(status: number, rawHeaders: readonly string[], conn: H1UpstreamConn | undefined) {
    this.status = status;
    this.rawHeaders = rawHeaders;
    this.conn = conn;
  }

  get headers(): IncomingHttpHeaders {
    return (this.fields ??= headersOf(this.rawHeaders));
  }

  trailers(): IncomingHttpHeaders | undefined {
    return this.trailerFields;
  }

  get body(): Readable {
    if (this.stream !== undefined) return this.stream;
    const s = new AnswerBody(this);
    this.stream = s;
    for (const c of this.takeHeld()) s.push(c);
    if (this.failure !== undefined) s.destroy(this.failure);
    else if (this.ended) {
      s.complete = true;
      s.push(null);
    }
    return s;
  }

  relayTo(sink: RelaySink): void {
    this.sink = sink;
    let ok = true;
    const held = this.held;
    this.held = undefined;
    if (held !== undefined) { for (const c of held) ok = sink.data(c); }
    if (this.failure !== undefined) sink.broken();
    else if (this.ended) sink.end(this.trailerFields);
    else if (!ok) {
      this.conn?.pause();
      this.behind(sink);
    }
  }

  /** Upstream side: body bytes. Returns false when the reader wants no more for now (the connection pauses). */
  data(chunk: Buffer): boolean {
    if (this.sink !== undefined) {
      if (this.sink.data(chunk)) return true;
      this.behind(this.sink);
      return false;
    }
    if (this.stream !== undefined) return this.stream.destroyed ? true : this.stream.push(chunk);
    (this.held ??= []).push(chunk);
    return true;
  }

  end(trailers: IncomingHttpHeaders | undefined): void {
    this.trailerFields = trailers;
    this.ended = true;
    if (this.sink !== undefined) this.sink.end(trailers);
    else if (this.stream !== undefined) {
      this.stream.complete = true;
      this.stream.push(null);
    }
  }

  fail(err: Error): void {
    if (this.ended) return;
    this.failure = err;
    if (this.sink !== undefined) this.sink.broken();
    else this.stream?.destroy(err);
  }

  /** The reader went away before the end: the connection cannot be reused. */
  abandon(): void {
    if (this.gone) return;
    this.gone = true;
    if (!this.ended) this.conn?.abort();
  }

  /**
   * The reader fell behind: the connection resumes when it drains. Registered the first time (most
   * answers never fall behind), so a relayed answer costs no drain callback otherwise.
   */
  private behind(sink: RelaySink): void {
    if (this.resumes) return;
    this.resumes = true;
    sink.onDrain(() => this.conn?.resume());
  }

  private takeHeld(): Buffer[] {
    const h = this.held ?? [];
    this.held = undefined;
    return h;
  }
}
