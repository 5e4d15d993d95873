// upstream-h1: one HTTP/1.1 attempt over the kept-alive pool (pool-h1; plain TCP, or mesh mTLS to a
// meshed endpoint, as the caller dials): the response head (status, headers, a streamed Readable body,
// trailers), reported as the connection reads it (or as a promise), plus abort(). The request head is rendered here
// (names must be tokens, values free of CR/LF/NUL: ERR_INVALID_* otherwise); a Buffer body goes out with
// its Content-Length in the same write, a streamed body with the client's Content-Length or chunked (then
// with the request's trailers, request-trailers.ts, in its last chunk); a Buffer body that has trailers
// (buffered for a retry or mirror) and no Content-Length from the client goes as one chunk and its trailers,
// as it would have streamed. Trailers a body sent with Content-Length cannot carry, or a field that would
// not render, are told to `dropped` (counted). The
// response streams out with backpressure (the connection pauses until the body is read). A kept-alive
// connection the peer closed before any answer byte gives a failure marked `staleConnection`; whether to
// send the request again is the caller's decision (forward: it counts as a try). Errors go through the
// caller's classify(); abort() settles an unanswered attempt with a failure. A new connection the peer
// closed before it was usable, or whose peer could not resume the TLS session it offered (mesh-sessions.ts),
// is dialled once more (no request byte had left). `queued` (mesh
// connections): the pool may hand the attempt a connection that comes back instead of dialling (pool-h1).
// Must not: leave a request running after abort(), or send a request twice.
import { H1Answer } from "./h1-answer.ts";
import { checkValue, fieldLines, headersOf } from "../h1/h1-headers.ts";
import type { H1UpstreamConn, ResponseSink } from "./h1-upstream-conn.ts";
import { resumptionRefused } from "./mesh-sessions.ts";
import { requestTrailers, type TrailersDropped } from "../request-trailers.ts";
import type { Dialed, H1Pool } from "./pool-h1.ts";
import { failure, type ProxyFailureError } from "../rescue.ts";
import { answerOutcome, failOutcome, outcomePromise, reportOutcome, type EarlyOutcome } from "./attempt-outcome.ts";
import type { Readable } from "node:stream";
import type { Attempt, AttemptReport, UpstreamRequest, UpstreamResponse } from "./upstream-types.ts";

/** The peer closed the connection: on a kept-alive one before any answer byte (stale), or on a new one before it was usable. */
const closedCodes = new Set(["ECONNRESET", "EPIPE"]);

const notHost = (name: string) => name === "host";
const notHostOrLength = (name: string) => name === "host" || name === "content-length";

/** A request target may not carry whitespace or control characters (a rewrite could otherwise split the line). */
// eslint-disable-next-line no-control-regex -- matching control characters is this pattern's purpose
const badTarget = /[\s\x00-\x1f\x7f]/;

function requestHead(req: UpstreamRequest, bodyLength: number | undefined, chunked: boolean): string {
  if (badTarget.test(req.path) || badTarget.test(req.method)) {
    throw Object.assign(new TypeError("request target contains unescaped characters"), { code: "ERR_UNESCAPED_CHARACTERS" });
  }
  checkValue("host", req.authority);
  let text = `${req.method} ${req.path} HTTP/1.1\r\nhost: ${req.authority}\r\n${fieldLines(req.headers, bodyLength === undefined ? notHost : notHostOrLength)}`;
  if (bodyLength !== undefined) text += `content-length: ${bodyLength}\r\n`;
  if (chunked) text += "transfer-encoding: chunked\r\n";
  return `${text}\r\n`;
}

/** The request's trailers (request-trailers.ts) as the last chunk's trailer section; none when a field would not render. */
function trailerLines(body: Readable | Buffer, dropped: TrailersDropped | undefined): string {
  const t = requestTrailers(body);
  if (t === undefined) return "";
  try {
    return fieldLines(t);
  } catch {
    dropped?.("request", "invalid_field");
    return "";
  }
}

/** One attempt over a pooled connection under `key` (a new one from `dial` when none is idle). */
export function sendH1(
  pool: H1Pool,
  key: string,
  dial: () => Dialed,
  req: UpstreamRequest,
  classify: (e: unknown, connected: boolean) => ProxyFailureError,
  queued = false,
  dropped?: TrailersDropped,
): Attempt {
  return new H1Try(pool, key, dial, req, classify, queued, dropped);
}

/**
 * One try, as one object: the attempt the stack holds and the sink its connection reports to (on the path
 * of every HTTP/1.1 request, where a closure per callback showed in the allocation per request). Its
 * outcome goes to one listener (report(), or the `response` promise made when first read); an outcome
 * that comes before the listener waits for it.
 */
class H1Try implements Attempt, ResponseSink {
  // The outcome's listener, or the outcome that came before one (attempt-outcome.ts).
  outcomeTo: AttemptReport | undefined = undefined;
  earlyOutcome: EarlyOutcome | undefined = undefined;
  promisedOutcome: Promise<UpstreamResponse> | undefined = undefined;
  private readonly pool: H1Pool;
  private readonly key: string;
  private readonly dial: () => Dialed;
  private readonly req: UpstreamRequest;
  private readonly classify: (e: unknown, connected: boolean) => ProxyFailureError;
  private readonly queued: boolean;
  private readonly dropped: TrailersDropped | undefined;
  /** A Buffer body that goes chunked (it has trailers and the client gave no Content-Length). */
  private chunkedBuffer = false;
  private requestText = "";
  private settled = false;
  private conn: H1UpstreamConn | undefined;
  private answer: H1Answer | undefined;
  private cancelOpen: (() => void) | undefined;
  /** Removes the streamed body's listeners (set while a streamed body is being sent). */
  private detach: (() => void) | undefined;
  /**
   * A new connection the peer closed before it was usable (e.g. an inbound sidecar that gave up waiting
   * for a ClientHello on a starved machine) carried no request byte: it is dialled once more, whatever
   * the method.
   */
  private redials = 1;

  constructor(
    pool: H1Pool,
    key: string,
    dial: () => Dialed,
    req: UpstreamRequest,
    classify: (e: unknown, connected: boolean) => ProxyFailureError,
    queued: boolean,
    dropped: TrailersDropped | undefined,
  ) {
    this.dropped = dropped;
    this.pool = pool;
    this.key = key;
    this.dial = dial;
    this.req = req;
    this.classify = classify;
    this.queued = queued;
    try {
      const body = req.body;
      // A streamed body keeps the client's Content-Length, or goes chunked without one; so does a buffered one with trailers.
      const noLength = req.headers["content-length"] === undefined;
      const buffered = Buffer.isBuffer(body);
      this.chunkedBuffer = buffered && noLength && requestTrailers(body) !== undefined;
      const chunked = this.chunkedBuffer || (body !== undefined && !buffered && noLength);
      this.requestText = requestHead(req, buffered && !this.chunkedBuffer ? body.length : undefined, chunked);
      if (buffered && !noLength && requestTrailers(body) !== undefined) dropped?.("request", "content_length");
    } catch (e) {
      this.settled = true;
      failOutcome(this, classify(e, false));
      return;
    }
    const idle = pool.idle(key);
    if (idle !== undefined) this.start(idle);
    else this.open(true);
  }

  get response(): Promise<UpstreamResponse> {
    return outcomePromise(this);
  }

  report(to: AttemptReport): void {
    reportOutcome(this, to);
  }

  abort(): void {
    const unanswered = !this.settled;
    this.settled = true;
    this.detach?.();
    this.cancelOpen?.();
    if (this.answer !== undefined) this.answer.abandon();
    else this.conn?.abort();
    if (unanswered) failOutcome(this, failure("upstream_reset", "upstream attempt aborted"));
  }

  // ---- the connection's report (ResponseSink)

  head(status: number, raw: string[]): void {
    if (this.settled) return;
    this.settled = true;
    const answer = new H1Answer(status, raw, this.conn);
    this.answer = answer;
    answerOutcome(this, answer);
  }

  data(chunk: Buffer): boolean {
    return this.answer === undefined ? true : this.answer.data(chunk);
  }

  end(t: string[]): void {
    this.answer?.end(t.length > 0 ? headersOf(t) : undefined);
  }

  fail(err: Error, answered: boolean): void {
    if (answered) {
      this.answer?.fail(err);
      return;
    }
    const conn = this.conn;
    this.failed(err, true, conn !== undefined && conn.served > 0 && closedCodes.has((err as { code?: string }).code ?? ""));
  }

  private failed(e: unknown, connected: boolean, stale = false): void {
    if (this.settled) return;
    this.settled = true;
    this.detach?.();
    const f = this.classify(e, connected);
    if (stale) f.staleConnection = true;
    failOutcome(this, f);
  }

  private open(first: boolean): void {
    this.cancelOpen = this.pool.open(this.key, this.dial, (c) => {
      if (this.settled) c.abort();
      else this.start(c);
    }, (e) => {
      if (this.redials > 0 && !this.settled && (closedCodes.has((e as { code?: string }).code ?? "") || resumptionRefused(e))) {
        this.redials--;
        this.open(false);
        return;
      }
      this.failed(e, false);
    }, this.queued && first);
  }

  private start(c: H1UpstreamConn): void {
    this.conn = c;
    this.cancelOpen = undefined;
    const body = this.req.body;
    if (this.chunkedBuffer) {
      const b = body as Buffer;
      c.run(this, this.requestText, this.req.method === "HEAD");
      if (b.length > 0) c.writeChunk(b);
      c.write(`0\r\n${trailerLines(b, this.dropped)}\r\n`);
      c.requestFinished();
      return;
    }
    if (body === undefined || Buffer.isBuffer(body)) {
      c.run(this, this.requestText, this.req.method === "HEAD", body);
      c.requestFinished();
      return;
    }
    c.run(this, this.requestText, this.req.method === "HEAD");
    this.stream(c, body);
  }

  /** Sends a streamed body: as it comes with the client's Content-Length, else chunked. */
  private stream(c: H1UpstreamConn, streamed: Readable): void {
    const chunked = this.req.headers["content-length"] === undefined;
    const onData = (chunk: Buffer) => {
      if (chunk.length === 0) return;
      const ok = chunked ? c.writeChunk(chunk) : c.write(chunk);
      if (!ok) {
        streamed.pause();
        c.socket.once("drain", () => streamed.resume());
      }
    };
    const onEnd = () => {
      this.detach?.();
      if (chunked) c.write(`0\r\n${trailerLines(streamed, this.dropped)}\r\n`);
      else if (requestTrailers(streamed) !== undefined) this.dropped?.("request", "content_length");
      c.requestFinished();
    };
    const onError = () => {
      this.detach?.();
      c.abort();
    };
    this.detach = () => {
      streamed.off("data", onData);
      streamed.off("end", onEnd);
      streamed.off("error", onError);
    };
    streamed.on("data", onData);
    streamed.once("end", onEnd);
    streamed.once("error", onError);
  }
}
