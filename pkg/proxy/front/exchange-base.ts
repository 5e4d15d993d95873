// exchange-base: what both Downstreams (h1-exchange, h2-downstream) keep alike — the request as parsed
// (method, target, headers, the client's address) and the answer's accounting: status, body bytes,
// grpc-status, the declared Content-Length and the end stamp of the server span (answer-end.ts; taken only
// once stampEnd() asked for it: a sampled span reads it, and nothing else does) — and the
// callbacks to run once the exchange goes away (onClose: kept in fields and a list, so the layers that each
// register one cost no event listener apiece). Takes the request's parts; gives a base class whose subclasses frame
// and write the answer and call answered / counted / ending / wentAway as they do. Must not: write to a
// socket or stream, or decide an answer.
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from "node:http";
import { spanClockMs } from "../../telemetry/index.ts";
import { declaredLength, endOnLength, lengthOf } from "./answer-end.ts";

export abstract class ExchangeBase {
  readonly method: string;
  readonly target: string;
  readonly headers: IncomingHttpHeaders;
  readonly rawHeaders: readonly string[];
  readonly remoteAddress: string | undefined;
  status = 0;
  endedAt: number | undefined;
  bytes = 0;
  grpcStatus: number | undefined;
  /** The answer's Content-Length, when declared (answer-end.ts). */
  protected declared: number | undefined;
  /** The exchange is over on our side (ended or reset). */
  protected done = false;
  /** The client went away before the exchange was over on our side (set by the h1 exchange, finished at once then). */
  left = false;
  /** The end is stamped (endedAt): only for a sampled server span, the one reader (a clock read per answer otherwise). */
  private stamps = false;
  /**
   * Close callbacks not run yet, in the order registered: the first three in fields (a forwarded request
   * registers three: telemetry, deadline, relay; a list for them cost an array and its 16-slot store per
   * request), any more in a list; `gone` once they ran (one registered later runs at once).
   */
  private close1: (() => void) | undefined;
  private close2: (() => void) | undefined;
  private close3: (() => void) | undefined;
  private closeMore: (() => void)[] | undefined;
  private gone = false;

  constructor(method: string, target: string, headers: IncomingHttpHeaders, rawHeaders: readonly string[], remoteAddress: string | undefined) {
    this.method = method;
    this.target = target;
    this.headers = headers;
    this.rawHeaders = rawHeaders;
    this.remoteAddress = remoteAddress;
  }

  finished(): boolean {
    return this.done;
  }

  /** Stamp the answer's end (endedAt) from now on: the request's server span is sampled and ends then. */
  stampEnd(): void {
    this.stamps = true;
  }

  /** `fn` runs once when the exchange goes away (completed or aborted); at once if it is gone already. */
  onClose(fn: () => void): void {
    if (this.gone) {
      fn();
      return;
    }
    if (this.close1 === undefined) this.close1 = fn;
    else if (this.close2 === undefined) this.close2 = fn;
    else if (this.close3 === undefined) this.close3 = fn;
    else (this.closeMore ??= []).push(fn);
  }

  /** The answer's head: its status, and the length its headers declare. */
  protected answered(status: number, headers: OutgoingHttpHeaders): void {
    this.status = status;
    this.declared = declaredLength(headers);
  }

  /** The answer's head, passed on as received: its status, and its Content-Length value. */
  protected answeredWithLength(status: number, contentLength: string | undefined): void {
    this.status = status;
    this.declared = lengthOf(contentLength);
  }

  /** `chunk` of the answer's body is written: counted, and the span ends once the declared length is reached. */
  protected counted(chunk: Buffer): void {
    this.bytes += chunk.length;
    if (this.stamps) this.endedAt = endOnLength(this.endedAt, this.declared, this.bytes);
  }

  /** The answer ends or is reset now: over on our side, stamped unless its last declared byte stamped it. */
  protected ending(): void {
    this.done = true;
    this.stampEnded();
  }

  /** The answer ends now: stamped (when asked), unless its last declared byte stamped it. */
  protected stampEnded(): void {
    if (this.stamps) this.endedAt ??= spanClockMs();
  }

  /** The exchange went away (its output went out, or it was aborted): run the close callbacks, once. */
  protected wentAway(): void {
    this.gone = true;
    const a = this.close1, b = this.close2, c = this.close3, more = this.closeMore;
    this.close1 = this.close2 = this.close3 = undefined;
    this.closeMore = undefined;
    a?.();
    b?.();
    c?.();
    if (more !== undefined) { for (const f of more) f(); }
  }
}
