// h2-own-call: one attempt over Weft's own HTTP/2 client (pkg/proxy/h2/client-conn.ts, limits.h2Client
// "own"), as one object: the attempt the stack holds, the handler of its stream, and the answer (its body
// relayed or read as relay-answer.ts does; a reader that falls behind pauses the stream's receive window).
// The request body goes out within the peer's windows (a streamed body pauses while its DATA waits for
// one) and a streamed one ends with the request's trailers (request-trailers.ts) when it had any, as does a
// buffered one (a retry's or mirror's Buffer keeps the trailers of the body it was read from); a trailer
// field the framing refuses drops them, told to the pool's `trailersDropped` (counted). A stream that ends before its answer fails the way node:http2's client does through classify():
// upstream_connect before the connection was up (the peer's first SETTINGS), upstream_tls for a TLS or identity failure, otherwise
// upstream_reset (a reset, a protocol error of the peer's, and an unprocessed stream it could not re-send).
// A stream the peer never processed (REFUSED_STREAM, above a GOAWAY's last stream id, or opened on a
// connection that was already closing; RFC 9113 §8.7) is re-sent at once, whatever the method, on the
// pool's connection for the target (`reopen`: the same one after a REFUSED_STREAM, where the stream now waits
// for room under the peer's limit; a new one after a GOAWAY), up to MAX_RESENDS times, inside this attempt
// (the route's retry policy and budget never see it) — when the request's body is still all in hand: none, a
// buffered one, or a streamed one of which every chunk sent on the refused stream is still held (the chunks
// of an unanswered stream are kept, by reference, up to REPLAY_LIMIT bytes; past it the body is not replayable).
// Takes a connection, the request, classify and reopen; gives the attempt. Must not: leave the stream open
// after abort, settle twice, or re-send a stream the peer may have processed.
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from "node:http";
import { sensitiveHeaders } from "node:http2";
import type { Readable } from "node:stream";
import type { H2ClientClose, H2ClientConn, H2ClientHandler, H2ClientStream } from "../h2/client-conn.ts";
import { checkOutgoing } from "../h2/fields.ts";
import { headersOf } from "../h2/headers-object.ts";
import { requestTrailers, type TrailersDropped } from "../request-trailers.ts";
import { failure, type ProxyFailureError } from "../rescue.ts";
import { answerOutcome, failOutcome, outcomePromise, reportOutcome, type EarlyOutcome } from "./attempt-outcome.ts";
import { RelayAnswer, type AnswerSource } from "./relay-answer.ts";
import type { Attempt, AttemptReport, RelaySink, UpstreamEvents, UpstreamRequest, UpstreamResponse, UpstreamTarget } from "./upstream-types.ts";

/** The pool's own-client connection for a target (upstream.ts's Upstream): open, or opened now; and where dropped trailers and re-sends are told. */
export interface OwnConns extends UpstreamEvents {
  ownConn(target: UpstreamTarget): H2ClientConn;
}

const NO_BODY: Buffer = Buffer.alloc(0);
/** Re-sends of an unprocessed stream per attempt. */
export const MAX_RESENDS = 2;
/** Bytes of a streamed request body kept (by reference) while its stream is unanswered, so an unprocessed stream can be re-sent. */
export const REPLAY_LIMIT = 64 * 1024;

/** Where requestFields and trailerFields collect a list before copying it out at its exact size (one array per list, not one grown by push). */
const scratch: string[] = [];

/** Appends `h`'s fields (names lower-case) to the scratch from `n` on; gives the new count. */
function collect(h: OutgoingHttpHeaders, n: number): number {
  for (const key in h) {
    const v = h[key];
    if (v === undefined) continue;
    const name = key.toLowerCase();
    if (Array.isArray(v)) {
      for (const one of v) {
        scratch[n++] = name;
        scratch[n++] = one;
      }
    } else {
      scratch[n++] = name;
      scratch[n++] = String(v);
    }
  }
  return n;
}

/** The scratch's first `n` entries as an array of their own; the scratch holds no field past the call. */
function takeScratch(n: number): string[] {
  const out = scratch.slice(0, n);
  scratch.fill("", 0, n);
  return out;
}

/**
 * A request's fields as one name/value list, pseudo-fields first, names lower-case (as node:http2 sends
 * them); the names listed never-indexed (hygiene.ts) go out so.
 */
function requestFields(req: UpstreamRequest, scheme: "http" | "https"): { fields: string[]; never: readonly string[] | undefined } {
  scratch[0] = ":method";
  scratch[1] = req.method;
  scratch[2] = ":path";
  scratch[3] = req.path;
  scratch[4] = ":authority";
  scratch[5] = req.authority;
  scratch[6] = ":scheme";
  scratch[7] = scheme;
  const h = req.headers;
  const fields = takeScratch(collect(h, 8));
  return { fields, never: (h as Record<symbol, readonly string[] | undefined>)[sensitiveHeaders] };
}

/** Request trailers as a field list, or undefined when there are none or one would not be accepted (the stream then ends without them, as on node's client). */
function trailerFields(t: OutgoingHttpHeaders, dropped: TrailersDropped | undefined): string[] | undefined {
  const n = collect(t, 0);
  if (n === 0) return undefined;
  const list = takeScratch(n);
  try {
    checkOutgoing(list);
  } catch {
    dropped?.("request", "invalid_field");
    return undefined;
  }
  return list;
}

/** A buffered body: all of it, then its trailers (request-trailers.ts) or END_STREAM with the last byte. */
function sendBuffered(h2: H2ClientConn, s: H2ClientStream, body: Buffer, dropped: TrailersDropped | undefined): void {
  const t = requestTrailers(body);
  const fields = t !== undefined ? trailerFields(t, dropped) : undefined;
  if (fields === undefined) {
    h2.write(s, body, 0, body.length, true);
    return;
  }
  if (body.length > 0) h2.write(s, body, 0, body.length, false);
  h2.endWithTrailers(s, fields);
}

export class H2OwnCall extends RelayAnswer implements Attempt, H2ClientHandler, AnswerSource, UpstreamResponse {
  status = 502;
  headers: IncomingHttpHeaders = {};
  endStream = false;
  // The outcome's listener, or the outcome that came before one (attempt-outcome.ts).
  outcomeTo: AttemptReport | undefined = undefined;
  earlyOutcome: EarlyOutcome | undefined = undefined;
  promisedOutcome: Promise<UpstreamResponse> | undefined = undefined;
  private h2: H2ClientConn;
  private h2s: H2ClientStream | undefined;
  private readonly classify: (e: unknown, connected: boolean) => ProxyFailureError;
  /** Where a re-send of an unprocessed stream goes (the pool's connection for the target), or none (no re-send). */
  private readonly reopen: OwnConns | undefined;
  private readonly target: UpstreamTarget | undefined;
  /**
   * What a re-send sends again: the request (held by the stack anyway; its field list is made again from it
   * on a re-send rather than kept for the stream's life) and the scheme it went with. Undefined when its
   * fields could not be sent (no re-send).
   */
  private req: UpstreamRequest | undefined;
  private readonly scheme: "http" | "https";
  private resends = 0;
  /**
   * A streamed body's chunks sent on the unanswered stream — none yet, one, several — or null once past
   * REPLAY_LIMIT or answered (one chunk, a gRPC unary call's, is held without an array).
   */
  private chunksHeld: Buffer | Buffer[] | null | undefined = undefined;
  private heldBytes = 0;
  /** A streamed body's end went out on the stream (with these trailers, or none). */
  private bodyEnded = false;
  private endFields: string[] | undefined;
  private settled = false;
  private over = false;
  private reqBody: Readable | undefined;
  /** No reader yet (relayTo or body): what arrives is held, and the stream's window stays shut until one comes. */
  private holding = true;
  /** The stream is paused for the reader. */
  private readerBehind = false;

  constructor(
    h2: H2ClientConn,
    req: UpstreamRequest,
    scheme: "http" | "https",
    classify: (e: unknown, connected: boolean) => ProxyFailureError,
    reopen?: OwnConns,
    target?: UpstreamTarget,
  ) {
    super(undefined);
    this.conn = this;
    this.h2 = h2;
    this.classify = classify;
    this.reopen = reopen;
    this.target = target;
    this.scheme = scheme;
    const { fields, never } = requestFields(req, scheme);
    try {
      checkOutgoing(fields);
    } catch {
      this.settled = true;
      failOutcome(this, failure("internal", "request headers cannot be sent upstream"));
      return;
    }
    this.req = req;
    const body = req.body;
    const s = h2.request(fields, body === undefined, this, never);
    this.h2s = s;
    if (body === undefined) return;
    if (Buffer.isBuffer(body)) {
      sendBuffered(h2, s, body, reopen?.trailersDropped);
      return;
    }
    this.reqBody = body;
    (body as BodyOf)[callOf] = this;
    body.on("data", bodyData);
    body.on("end", bodyEnd);
    body.on("error", bodyError);
  }

  // ---- Attempt

  get response(): Promise<UpstreamResponse> {
    return outcomePromise(this);
  }

  report(to: AttemptReport): void {
    reportOutcome(this, to);
  }

  /** The stack gave up the attempt, or the answer's reader went away: the stream is cancelled. */
  abort(): void {
    const unanswered = !this.settled;
    this.settled = true;
    this.over = true;
    this.finish();
    if (this.h2s !== undefined) this.h2.cancel(this.h2s);
    if (unanswered) failOutcome(this, failure("upstream_reset", "upstream attempt aborted"));
  }

  // ---- AnswerSource (relay-answer.ts)

  pause(): void {
    this.readerBehind = true;
    if (this.h2s !== undefined) this.h2.pause(this.h2s);
  }

  resume(): void {
    this.readerBehind = false;
    if (this.h2s !== undefined) this.h2.resume(this.h2s);
  }

  override relayTo(sink: RelaySink): void {
    this.holding = false;
    this.readerBehind = false;
    super.relayTo(sink); // pauses the stream again when the sink is behind after the held chunks
    if (!this.readerBehind) this.resume();
  }

  override get body(): Readable {
    this.holding = false; // the Readable's reads resume the stream
    return super.body;
  }

  // ---- the stream's handler

  onResponse(s: H2ClientStream, status: number, fields: string[], endStream: boolean, never: string[] | null): void {
    if (this.settled || s !== this.h2s) return;
    this.settled = true;
    this.chunksHeld = null;
    this.status = status;
    this.headers = headersOf(fields, never);
    this.endStream = endStream;
    if (endStream) {
      this.over = true;
      this.end(undefined);
    }
    answerOutcome(this, this);
  }

  onData(_s: H2ClientStream, buf: Buffer, start: number, end: number, endStream: boolean): void {
    if (this.over) return;
    if (end > start && (!this.data(Buffer.from(buf.subarray(start, end))) || this.holding)) this.pause();
    if (endStream) {
      this.over = true;
      this.end(undefined);
    }
  }

  onTrailers(_s: H2ClientStream, fields: string[], never: string[] | null): void {
    if (this.over) return;
    this.over = true;
    this.end(headersOf(fields, never));
  }

  onClose(s: H2ClientStream, why: H2ClientClose): void {
    if (s !== this.h2s) return; // a stream this attempt has re-sent already
    if (why.unprocessed && !this.settled && !this.over && this.resend()) return;
    this.finish();
    if (this.over) return;
    this.over = true;
    const err = this.classify(why.error, this.h2.connected);
    if (!this.settled) {
      this.settled = true;
      failOutcome(this, err);
    } else this.fail(err);
  }

  onWritable(s: H2ClientStream): void {
    if (s === this.h2s) this.reqBody?.resume();
  }

  /**
   * The peer never processed the stream: the same request on the pool's connection for the target, when the
   * body is still all in hand and re-sends are left; false otherwise (the stream's failure stands).
   */
  private resend(): boolean {
    const req = this.req;
    if (this.reopen === undefined || this.target === undefined || this.resends >= MAX_RESENDS || req === undefined) return false;
    const body = req.body;
    const streamed = body !== undefined && !Buffer.isBuffer(body);
    const held = this.chunksHeld;
    if (streamed && held === null) return false;
    let h2: H2ClientConn;
    try {
      h2 = this.reopen.ownConn(this.target);
    } catch {
      return false; // no connection to be had (mesh material gone): the failure stands
    }
    this.resends++;
    this.reopen.streamResent?.();
    // The same fields as the first time: the request's head is not changed while its attempt is unanswered.
    const { fields, never } = requestFields(req, this.scheme);
    const s = h2.request(fields, body === undefined, this, never);
    this.h2 = h2;
    this.h2s = s;
    if (Buffer.isBuffer(body)) sendBuffered(h2, s, body, undefined); // dropped ones were told the first time
    else if (streamed) {
      if (Array.isArray(held)) { for (const c of held) h2.write(s, c, 0, c.length, false); }
      else if (held !== undefined && held !== null) h2.write(s, held, 0, held.length, false);
      if (this.bodyEnded) this.endBody();
      else if (s.pending !== null) this.reqBody?.pause();
      else this.reqBody?.resume();
    }
    return true;
  }

  // ---- the request body

  /**
   * The streamed request body's listeners go: it ended, the stream closed, or the attempt was given up. An
   * answer that is over before the request body is not (the peer answered early) leaves the body going on,
   * as node's client does, until the peer resets the stream (RFC 9113 §8.1) or the body ends.
   */
  private finish(): void {
    const b = this.reqBody;
    if (b === undefined) return;
    this.reqBody = undefined;
    (b as BodyOf)[callOf] = undefined;
    b.off("data", bodyData);
    b.off("end", bodyEnd);
    b.off("error", bodyError);
  }

  bodyChunk(c: Buffer): void {
    const s = this.h2s!;
    const held = this.chunksHeld;
    if (held !== null) {
      this.heldBytes += c.length;
      if (this.heldBytes > REPLAY_LIMIT) this.chunksHeld = null;
      else if (held === undefined) this.chunksHeld = c;
      else if (Array.isArray(held)) held.push(c);
      else this.chunksHeld = [held, c];
    }
    this.h2.write(s, c, 0, c.length, false);
    if (s.pending !== null) this.reqBody?.pause();
  }

  /** The streamed body ended: the request's trailers (request-trailers.ts) end the stream, or an empty END_STREAM DATA frame. */
  bodyEnd(): void {
    const t = this.reqBody !== undefined ? requestTrailers(this.reqBody) : undefined;
    this.finish();
    this.bodyEnded = true;
    this.endFields = t !== undefined ? trailerFields(t, this.reopen?.trailersDropped) : undefined;
    this.endBody();
  }

  private endBody(): void {
    const fields = this.endFields;
    if (fields !== undefined) this.h2.endWithTrailers(this.h2s!, fields);
    else this.h2.write(this.h2s!, NO_BODY, 0, 0, true);
  }

  bodyError(): void {
    this.finish();
    this.h2.cancel(this.h2s!);
    this.onClose(this.h2s!, { code: 8, unprocessed: false, error: Object.assign(new Error("request body broke off"), { code: "ERR_HTTP2_STREAM_CANCEL" }) });
  }
}

/** The body's listeners are shared functions (`this` is the body), reaching the call until it lets go. */
const callOf = Symbol("weft.h2OwnCall");
type BodyOf = Readable & { [callOf]?: H2OwnCall | undefined };

function bodyData(this: BodyOf, c: Buffer): void {
  this[callOf]?.bodyChunk(c);
}
function bodyEnd(this: BodyOf): void {
  this[callOf]?.bodyEnd();
}
function bodyError(this: BodyOf): void {
  this[callOf]?.bodyError();
}
