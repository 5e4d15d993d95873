// attempt-layer: the bottom of the stack, one try at the endpoint the balancer chose (upstream/: HTTP/1.1
// keep-alive pool, or HTTP/2 sessions, mesh mTLS for meshed endpoints), bounded by the rule's
// backendRequest timeout (spec §11: 504 upstream_timeout). A client span per try (tracing on), its
// context injected into the request; the endpoint's load figures (in flight, latency to the answer's
// head, a failure counted as a slow answer) for the balancer. A marked answer from a meshed endpoint's
// inbound sidecar is the connection error it stands for (connection-error-mark). A failed try lets go of
// what it holds at once (`req.endTry`); a relayed answer's span ends when that answer was complete.
// Takes the upstream, the clock, tracing and the backendRequest timeout; gives the Dispatch at the bottom
// of the stack. Errors are ProxyFailureError (an unknown one becomes upstream_reset). Must not: leave an attempt
// running after it failed or timed out.
import { clientCall, grpcStatusOf, spanClockMs, upstreamReasonOf, type SpanHandle, type Tracing } from "../../telemetry/index.ts";
import type { Clock } from "../clock.ts";
import { failure, ProxyFailureError } from "../rescue.ts";
import type { Upstream } from "../upstream/upstream.ts";
import type { Attempt, UpstreamResponse } from "../upstream/upstream-types.ts";
import { connectionErrorField, failureOfMark } from "./connection-error-mark.ts";
import type { EndpointStats } from "../balance/endpoint-stats.ts";
import type { Dispatch, ProxyRequest, TryOutcome } from "./request.ts";

export interface AttemptDeps {
  readonly upstream: Upstream;
  readonly clock: Clock;
  /** Enabled tracing, or undefined (no spans, no propagation). */
  readonly tracing: Tracing | undefined;
}

/** A dropped request's client span records no attribute. */
const NO_ATTRIBUTES = Object.freeze({});

/** `backend`: the cluster's id (the client span's backend), undefined for the local app. */
export function attemptLayer(deps: AttemptDeps, backendRequestMs: number | undefined, backend: string | undefined): Dispatch {
  const { upstream, clock, tracing } = deps;
  /** The try failed: its span and load figures say so, it lets go of what it holds, and the failure goes up. */
  const failed = (req: ProxyRequest, stats: EndpointStats | undefined, span: SpanHandle | undefined, f: ProxyFailureError): never => {
    span?.end({ error: f.kind });
    if (stats !== undefined) {
      stats.inflight--;
      stats.observeFailure(clock.now());
    }
    req.endTry("dropped");
    throw f;
  };
  /** The answer's head came: a marked one stands for a connection error; else the load figures and the span's end. */
  const answered = (req: ProxyRequest, attempt: Attempt, stats: EndpointStats | undefined, span: SpanHandle | undefined, started: number, res: UpstreamResponse): UpstreamResponse => {
    // A meshed endpoint's inbound sidecar marks an answer that stands for a connection error to its app.
    if (req.target!.meshIdentity !== undefined && res.headers[connectionErrorField] !== undefined) {
      const marked = failureOfMark(res.headers[connectionErrorField]);
      if (marked !== undefined) {
        res.body.on("error", () => {});
        attempt.abort();
        return failed(req, stats, span, marked);
      }
    }
    const now = clock.now();
    if (stats !== undefined) {
      stats.inflight--;
      stats.observe(now - started, now);
    }
    // A dropped (unsampled) span records nothing: no end handler for it.
    if (span?.sampled === true) {
      const reason = upstreamReasonOf(res.headers);
      if (reason !== undefined) span.recordReason(reason);
      req.onTryEnd = clientSpanEnd(req, span, res, reason);
    }
    return res;
  };
  // Then handlers, not an async function: this layer is on the path of every forwarded request, and an
  // async frame per request shows in the benchmark (allocation, CPU per request).
  return (req) => {
    const target = req.target!;
    const stats = req.stats;
    const started = clock.now();
    if (stats !== undefined) stats.inflight++;
    let span: SpanHandle | undefined;
    let attempt: Attempt;
    try {
      if (req.span !== undefined && tracing !== undefined) {
        const call = req.span.sampled ?
          clientCall({
            method: req.method,
            path: req.pathWithQuery(),
            grpc: req.grpc,
            address: target.address,
            port: target.port,
            mtls: target.meshIdentity !== undefined,
            backend,
            attempt: req.tries,
          }) :
          undefined;
        span = tracing.startClientSpan(req.span, call?.attributes ?? NO_ATTRIBUTES, call?.name);
        tracing.inject(span, req.headers);
      }
      req.tries++;
      attempt = upstream.send(target, { method: req.method, path: req.pathWithQuery(), authority: req.authority, headers: req.headers, body: req.body });
    } catch (e) {
      // Only a bug gets here (send settles its errors through the attempt): the try still lets go of its place.
      if (stats !== undefined) stats.inflight--;
      span?.end({ error: "internal" });
      req.endTry("dropped");
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
    req.attempt = attempt;
    const tried = attempt;
    return withTimeout(clock, attempt, backendRequestMs).then(
      (res) => answered(req, tried, stats, span, started, res),
      (e: unknown) => failed(req, stats, span, e instanceof ProxyFailureError ? e : failure("upstream_reset", "upstream error")),
    );
  };
}

/**
 * Ends a try's client span. Dropped: now, with the HTTP status. Relayed: when the answer was complete
 * (the relay ends the try then, before handing the end on; gRPC: with its trailers' status) or when
 * the client's answer was, whichever came first — so it holds the next hop's server span and ends
 * inside this request's; the next hop's reason (e.g. no_endpoints two hops down) becomes the request's.
 */
function clientSpanEnd(req: ProxyRequest, span: SpanHandle, res: UpstreamResponse, reason: string | undefined): (outcome: TryOutcome) => void {
  return (outcome) => {
    if (outcome === "dropped") {
      span.end({ httpStatus: res.status });
      return;
    }
    if (reason !== undefined) req.span?.recordReason(reason);
    const clientEnd = req.down.endedAt;
    const at = span.sampled ? Math.min(spanClockMs(), clientEnd ?? Infinity) : clientEnd;
    if (!req.grpc) {
      span.end({ httpStatus: res.status }, at);
      return;
    }
    const status = grpcStatusOf(res.trailers(), res.headers);
    span.end(status === undefined ? { httpStatus: res.status, error: "grpc_status_missing" } : { httpStatus: res.status, grpcStatus: status }, at);
  };
}

function withTimeout(clock: Clock, attempt: Attempt, ms: number | undefined): Promise<UpstreamResponse> {
  if (ms === undefined || ms <= 0) return attempt.response;
  return new Promise((resolve, reject) => {
    const stop = clock.after(ms, () => {
      attempt.abort();
      reject(failure("upstream_timeout", "upstream timeout"));
    });
    attempt.response.finally(stop).then(resolve, reject);
  });
}
