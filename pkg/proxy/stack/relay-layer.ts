// relay-layer: where the answer from below goes back to the client. Its head gets the answer-side
// filters (hop-by-hop fields dropped, the rules' and backend's ResponseHeaderModifiers in listed order,
// CORS headers, a session token); a trailers-only answer stays one (gRPC); trailers are relayed when they
// can come and the client takes them (gRPC, an announced `Trailer`, `TE: trailers`, RFC 9110 §10.1.4), and
// on HTTP/1.1 in a chunked body; trailers the client's framing does not carry are told to `dropped` (counted);
// the body streams with backpressure. An answer cut short upstream (RST_STREAM, a socket closed mid-body)
// resets the exchange instead of ending it cleanly; a client that leaves stops the attempt. An answer that
// arrives after the exchange is over is dropped. An HTTP/1.1 answer to an HTTP/1.x client that no filter,
// CORS or session token changes keeps its fields as received (hop-by-hop ones dropped by the same rule),
// instead of being turned into a header object and rendered again.
// Takes the response modifiers, the next Dispatch and where dropped trailers are told; gives an Exchange. Must not: answer twice, or
// hand a truncated answer to the client as complete.
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from "node:http";
import type { Readable } from "node:stream";
import type { HeaderModifierIR } from "../../ir/types.ts";
import type { Downstream } from "../downstream.ts";
import type { TrailersDropped } from "../request-trailers.ts";
import { failure } from "../rescue.ts";
import type { RelaySink } from "../upstream/upstream-types.ts";
import { applyHeaderModifier } from "./filters-headers.ts";
import { acceptsTrailers, forwardResponseHeaders, responseFieldDrop } from "./hygiene.ts";
import type { Dispatch, DispatchReport, Exchange, ExchangeReport, ProxyRequest } from "./request.ts";
import type { UpstreamResponse } from "../upstream/upstream-types.ts";

export function relayLayer(responseModifiers: readonly HeaderModifierIR[], dropped: TrailersDropped | undefined, next: Dispatch): Exchange {
  // The answer comes through a callback and the exchange's end goes up through one (a promise per layer
  // showed in the benchmark, CPU and allocation per request).
  return (req, to) => next(req, new AnswerTaken(req, responseModifiers, to, dropped));
}

/** Where the dispatch below reports: the answer is relayed (or dropped when the exchange is over already). */
class AnswerTaken implements DispatchReport {
  private readonly req: ProxyRequest;
  private readonly modifiers: readonly HeaderModifierIR[];
  private readonly to: ExchangeReport;
  private readonly dropped: TrailersDropped | undefined;

  constructor(req: ProxyRequest, modifiers: readonly HeaderModifierIR[], to: ExchangeReport, dropped: TrailersDropped | undefined) {
    this.req = req;
    this.modifiers = modifiers;
    this.to = to;
    this.dropped = dropped;
  }

  answer(res: UpstreamResponse | undefined): void {
    const req = this.req;
    if (res === undefined) return this.to.done();
    if (req.over()) {
      req.dropAnswer(res);
      return this.to.done();
    }
    try {
      relay(req, res, this.modifiers, this.to, this.dropped);
    } catch (e) {
      req.endTry("relayed");
      this.to.fail(e instanceof Error ? e : new Error(String(e)));
    }
  }

  fail(e: unknown): void {
    this.to.fail(e);
  }
}

function responseHeaders(req: ProxyRequest, res: { readonly headers: IncomingHttpHeaders }, modifiers: readonly HeaderModifierIR[]): OutgoingHttpHeaders {
  const headers = forwardResponseHeaders(res.headers);
  for (const m of modifiers) applyHeaderModifier(headers, m);
  if (req.corsHeaders !== undefined) Object.assign(headers, req.corsHeaders);
  const extra = req.sessionHeaders;
  if (extra !== undefined) {
    for (const k in extra) {
      const v = extra[k]!;
      const prior = headers[k];
      headers[k] = k === "set-cookie" && prior !== undefined ? [...(Array.isArray(prior) ? prior : [String(prior)]), ...(Array.isArray(v) ? v : [String(v)])] : v;
    }
  }
  return headers;
}

function cutShort(body: Readable): boolean {
  const b = body as Readable & { complete?: boolean; aborted?: boolean; rstCode?: number };
  return b.complete === false || b.aborted === true || (b.rstCode !== undefined && b.rstCode !== 0);
}

/**
 * Stream the upstream answer to the downstream, trailers included; resets on mid-body failure; `to.done()`
 * is called once when the exchange is over. The try ends (`req.endTry`) once the upstream answer is over (or
 * the client gone), before the downstream is ended or reset and before `done`.
 */
function relay(req: ProxyRequest, res: UpstreamResponse, modifiers: readonly HeaderModifierIR[], to: ExchangeReport, dropped: TrailersDropped | undefined): void {
  const down: Downstream = req.down;
  const raw = res.rawHeaders;
  const asReceived = raw !== undefined && !res.endStream && down.headAsReceived !== undefined && modifiers.length === 0 && req.corsHeaders === undefined && req.sessionHeaders === undefined;
  const headers = asReceived ? undefined : responseHeaders(req, res, modifiers);
  try {
    if (headers === undefined) down.headAsReceived!(res.status, raw!, responseFieldDrop(raw!));
    else if (res.endStream) {
      req.endTry("relayed");
      if (down.h2 && res.status === 200) down.trailersOnly(headers);
      else {
        down.head(res.status, headers);
        down.end();
      }
      to.done();
      return;
    } else down.head(res.status, headers, req.grpc || res.headers.trailer !== undefined || acceptsTrailers(down.headers.te));
  } catch (e) {
    // Headers node refuses to send (e.g. a response filter set an invalid value): free the upstream.
    req.attempt?.abort();
    throw failure("internal", e instanceof Error && (e as { code?: string }).code?.startsWith("ERR_") === true ? "response headers cannot be sent" : "internal error");
  }
  const sink = new Relayed(req, down, to, res.endsAtLength === true, dropped);
  if (res.relayTo !== undefined) res.relayTo(sink);
  else pipeBody(res.body, res, sink);
  down.onClose(() => sink.clientGone());
}

/**
 * The relay of one answer's body, as the sink the upstream feeds: one object with methods instead of a
 * closure per callback (they all live as long as the exchange). The try ends once the upstream answer is
 * over, before its end is handed on (its span ends then).
 */
class Relayed implements RelaySink {
  /** The request until the answer is over, then undefined: what the upstream's stream still holds is this small object. */
  private req: ProxyRequest | undefined;
  private readonly down: Downstream;
  private readonly to: ExchangeReport;
  /**
   * The answer's end comes in the same call as its last declared byte (UpstreamResponse.endsAtLength: an
   * HTTP/1.1 upstream answer), so the downstream may send at the end.
   */
  private readonly endsAtLength: boolean;
  private readonly dropped: TrailersDropped | undefined;

  constructor(req: ProxyRequest, down: Downstream, to: ExchangeReport, endsAtLength: boolean, dropped: TrailersDropped | undefined) {
    this.req = req;
    this.down = down;
    this.to = to;
    this.endsAtLength = endsAtLength;
    this.dropped = dropped;
  }

  data(c: Buffer): boolean {
    return this.down.write(c, this.endsAtLength);
  }

  onDrain(fn: () => void): void {
    this.down.onDrain(fn);
  }

  end(t: IncomingHttpHeaders | undefined): void {
    if (!this.over()) return;
    const down = this.down;
    const trailers = t !== undefined && Object.keys(t).length > 0 ? forwardResponseHeaders(t) : undefined;
    // Trailers the client's framing does not carry (an HTTP/1.x body not chunked; an HTTP/2 client that did
    // not ask for them) are counted, never lost without a trace.
    if (trailers !== undefined && down.carriesTrailers?.() === false) this.dropped?.("response", down.h2 ? "not_requested" : "framing");
    down.end(trailers);
    this.to.done();
  }

  broken(): void {
    if (!this.over()) return;
    this.down.reset();
    this.to.done();
  }

  /** The client went away before the answer's end: stop the attempt. */
  clientGone(): void {
    if (this.req === undefined) return;
    this.req.attempt?.abort();
    this.over();
    this.to.done();
  }

  /** The answer is over (once): the try ends and the request is let go of. False when it was over already. */
  private over(): boolean {
    const req = this.req;
    if (req === undefined) return false;
    this.req = undefined;
    req.endTry("relayed");
    return true;
  }
}

/**
 * Feeds a streamed answer body (h2 upstreams) into a relay sink, with backpressure. The listeners are
 * shared functions (`this` is the body) reading the relay from the body, which lets go of it when it
 * closes: node keeps a closed h2 stream (through its native handle) until a full GC, and what it still
 * reached then — the sink, the exchange — lived as long (upstream.ts, H2Call). "end", "error" and
 * "close" come at most once per stream and the sink acts once: on(), not once() (a wrapper per listener,
 * held to the stream's end).
 */
function pipeBody(body: Readable, res: UpstreamResponse, sink: RelaySink): void {
  (body as PipedBody)[pipeOf] = { res, sink, resumes: false };
  body.on("data", pipeData);
  // node ends a stream that the peer cut short too (h2 RST_STREAM, h1 socket closed mid-body):
  // forwarding that as a clean end would hand the client a truncated answer as complete.
  body.on("end", pipeEnd);
  body.on("error", pipeError);
  body.on("close", pipeClose);
}

const pipeOf = Symbol("weft.relayPipe");
interface BodyPipe {
  readonly res: UpstreamResponse;
  readonly sink: RelaySink;
  /** The drain callback is registered (the first time the client falls behind; most answers never do). */
  resumes: boolean;
}
type PipedBody = Readable & { [pipeOf]?: BodyPipe | undefined };

function pipeData(this: PipedBody, c: Buffer): void {
  const p = this[pipeOf];
  if (p === undefined || p.sink.data(c)) return;
  this.pause();
  if (!p.resumes) {
    p.resumes = true;
    // Bound to the body alone: the client's stream keeps its listeners as long as node keeps it.
    p.sink.onDrain(this.resume.bind(this));
  }
}

function pipeEnd(this: PipedBody): void {
  const p = this[pipeOf];
  if (p === undefined) return;
  if (cutShort(this)) p.sink.broken();
  else p.sink.end(p.res.trailers());
}

function pipeError(this: PipedBody): void {
  this[pipeOf]?.sink.broken();
}

function pipeClose(this: PipedBody): void {
  const p = this[pipeOf];
  this[pipeOf] = undefined;
  if (p !== undefined && !this.readableEnded) p.sink.broken();
}
