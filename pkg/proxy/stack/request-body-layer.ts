// request-body-layer: the request body the layers below send. When a retry or a mirror may replay it (the
// stack says so when it is composed), a non-gRPC body up to `replayBufferBytes` is buffered (a longer one
// streams, and is then neither retried nor mirrored); otherwise it streams as it comes — but a gRPC call's
// body that came whole with its head (Downstream.wholeBody) goes on as that Buffer when nothing replays it. A streamed body
// that breaks off (the client went, its framing broke) stops the attempt and resets an answer already
// under way (it cannot be completed honestly); one past maxBodyBytes is answered 413.
// Takes the limits, whether to buffer for replay, and the next Exchange; gives an Exchange.
// Must not: hold more than replayBufferBytes, or send a body twice.
import type { Readable } from "node:stream";
import type { Limits } from "../limits.ts";
import { failure, rescue } from "../rescue.ts";
import { bufferBody, limitBody } from "./body-buffer.ts";
import type { Exchange, ExchangeReport, ProxyRequest } from "./request.ts";

export function requestBodyLayer(limits: Limits, replay: boolean, next: Exchange): Exchange {
  const go = (req: ProxyRequest, body: Buffer | Readable | undefined, to: ExchangeReport): void => {
    req.body = body;
    if (req.over()) return to.done();
    if (body !== undefined && !Buffer.isBuffer(body)) guardStream(req, body, limits.maxBodyBytes);
    next(req, to);
  };
  return (req, to) => {
    const down = req.down;
    if (!down.hasBody()) return go(req, undefined, to);
    if (!replay || req.grpc) {
      // A gRPC call's body that came whole with its head goes on as a Buffer (no stream, no listeners) when
      // nothing replays it (a buffered body would make a gRPC call retryable) and it is within maxBodyBytes.
      const whole = req.grpc && !replay ? down.wholeBody?.() : undefined;
      if (whole !== undefined && (limits.maxBodyBytes === undefined || whole.length <= limits.maxBodyBytes)) return go(req, whole, to);
      return go(req, down.body, to);
    }
    bufferBody(down.body, limits.replayBufferBytes, limits.maxBodyBytes).then((body) => go(req, body, to), (e: unknown) => to.fail(e));
  };
}

/**
 * The request a streamed body guards, read from the body by its listeners (shared functions: `this` is
 * the body) until the body closes. An h2 request's body is its server stream, which node keeps
 * (through its native handle) until a full GC: a listener closing over the request kept the whole
 * exchange alive as long (h2-stream-release.test.ts).
 */
const guardOf = Symbol("weft.bodyGuard");
type GuardedBody = Readable & { [guardOf]?: ProxyRequest | undefined };

function bodyFailed(this: GuardedBody): void {
  const req = this[guardOf];
  if (req === undefined) return;
  req.attempt?.abort();
  if (req.down.started()) req.down.reset();
}

/** The body is over: it no longer holds its request. */
function bodyClosed(this: GuardedBody): void {
  this[guardOf] = undefined;
}

function guardStream(req: ProxyRequest, body: Readable, maxBodyBytes: number | undefined): void {
  const guarded = body as GuardedBody;
  guarded[guardOf] = req;
  // "error" and "close" come at most once per stream, "error" first: on(), not once() (a wrapper per
  // request, held to the stream's end).
  body.on("error", bodyFailed);
  body.on("close", bodyClosed);
  if (maxBodyBytes === undefined) return;
  limitBody(body, maxBodyBytes, () => {
    const r = guarded[guardOf];
    if (r !== undefined) {
      r.attempt?.abort();
      rescue(r.down, failure("body_too_large", "request body too large"), r.grpc);
    }
    body.resume();
  });
}
