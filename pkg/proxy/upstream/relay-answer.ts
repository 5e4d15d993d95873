// relay-answer: the body half of an upstream answer (HTTP/1.1 in h1-answer.ts, HTTP/2 on own framing in
// h2-own-call.ts). The body reaches the downstream one of two ways: relayTo(sink) hands each chunk
// straight to the sink (no stream in between, the relay's common case), or `body` makes a Readable on
// first use (retry drain, mirror, tests). Chunks that arrive before either is attached are held;
// backpressure pauses the source (the HTTP/1.1 connection, the HTTP/2 stream's window).
// Takes a source to pause, resume and abort; gives the UpstreamResponse body members. Must not: deliver a
// chunk twice, or both ways at once.
import type { IncomingHttpHeaders } from "node:http";
import { Readable } from "node:stream";
import type { RelaySink } from "./upstream-types.ts";

/** What an answer's bytes come from. */
export interface AnswerSource {
  pause(): void;
  resume(): void;
  /** The reader went away before the end. */
  abort(): void;
}

/** Readable view: reading resumes the paused source; destroying it abandons the exchange. */
class AnswerBody extends Readable {
  readonly answer: RelayAnswer;
  complete = false;
  constructor(answer: RelayAnswer) {
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

export class RelayAnswer {
  conn: AnswerSource | undefined;
  private trailerFields: IncomingHttpHeaders | undefined;
  private held: Buffer[] | undefined;
  private ended = false;
  private failure: Error | undefined;
  private sink: RelaySink | undefined;
  private stream: AnswerBody | undefined;
  private gone = false;
  /** The drain callback is registered (behind). */
  private resumes = false;

  constructor(conn: AnswerSource | undefined) {
    this.conn = conn;
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

  /** Upstream side: body bytes. Returns false when the reader wants no more for now (the source pauses). */
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

  /** The reader went away before the end: the source cannot go on. */
  abandon(): void {
    if (this.gone) return;
    this.gone = true;
    if (!this.ended) this.conn?.abort();
  }

  /**
   * The reader fell behind: the source resumes when it drains. Registered the first time (most answers
   * never fall behind), so a relayed answer costs no drain callback otherwise.
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
