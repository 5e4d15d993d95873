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
import type { Attempt, AttemptReport, UpstreamResponse } from "../upstream/upstream-types.ts";
import { failureOfMark, markFieldOf } from "./connection-error-mark.ts";
import type { EndpointStats } from "../balance/endpoint-stats.ts";
import type { Dispatch, DispatchReport, ProxyRequest, TryOutcome } from "./request.ts";

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
  // Handlers and one object per try, not an async function or promises: this layer is on the path of every
  // forwarded request, and an async frame or a promise hop per request shows in the benchmark.
  return (req, to) => {
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
      to.fail(e instanceof Error ? e : new Error(String(e)));
      return;
    }
    req.attempt = attempt;
    const t = new EndpointTry(clock, req, attempt, stats, span, started, to);
    // The rule's backendRequest timeout (spec §11): the attempt is stopped and the try fails as upstream_timeout.
    if (backendRequestMs !== undefined && backendRequestMs > 0) t.stop = clock.after(backendRequestMs, () => t.timedOut());
    attempt.report(t);
  };
}

/**
 * One try's outcome, as the attempt reports it: the answer goes up as it comes (a marked one stands for a
 * connection error); a failure or the timeout settles it once, a turn later (as a rejected promise
 * would), with the span, the load figures and what the try holds let go of first.
 */
class EndpointTry implements AttemptReport {
  /** Cancels the backendRequest timer (set when the rule has one). */
  stop: (() => void) | undefined = undefined;
  private settled = false;
  private readonly clock: Clock;
  private readonly req: ProxyRequest;
  private readonly attempt: Attempt;
  private readonly stats: EndpointStats | undefined;
  private readonly span: SpanHandle | undefined;
  private readonly started: number;
  private readonly to: DispatchReport;

  constructor(clock: Clock, req: ProxyRequest, attempt: Attempt, stats: EndpointStats | undefined, span: SpanHandle | undefined, started: number, to: DispatchReport) {
    this.clock = clock;
    this.req = req;
    this.attempt = attempt;
    this.stats = stats;
    this.span = span;
    this.started = started;
    this.to = to;
  }

  /** The answer's head came: a marked one stands for a connection error; else the load figures and the span's end. */
  answer(res: UpstreamResponse): void {
    if (!this.settle()) return;
    const { req, stats, span } = this;
    // A meshed endpoint's inbound sidecar marks an answer that stands for a connection error to its app.
    const mark = req.target!.meshIdentity !== undefined ? markFieldOf(res) : undefined;
    if (mark !== undefined) {
      const marked = failureOfMark(mark);
      if (marked !== undefined) {
        res.body.on("error", () => {});
        this.attempt.abort();
        queueMicrotask(() => this.failed(marked));
        return;
      }
    }
    const now = this.clock.now();
    if (stats !== undefined) {
      stats.inflight--;
      stats.observe(now - this.started, now);
    }
    // A dropped (unsampled) span records nothing: no end handler for it.
    if (span?.sampled === true) {
      const reason = upstreamReasonOf(res.headers);
      if (reason !== undefined) span.recordReason(reason);
      req.onTryEnd = clientSpanEnd(req, span, res, reason);
    }
    this.to.answer(res);
  }

  fail(e: unknown): void {
    if (!this.settle()) return;
    queueMicrotask(() => this.failed(e instanceof ProxyFailureError ? e : failure("upstream_reset", "upstream error")));
  }

  /** The backendRequest timeout came first: the attempt stops. */
  timedOut(): void {
    if (!this.settle()) return;
    this.attempt.abort();
    queueMicrotask(() => this.failed(failure("upstream_timeout", "upstream timeout")));
  }

  /** The first outcome wins (a late answer or failure after the timeout is ignored). */
  private settle(): boolean {
    if (this.settled) return false;
    this.settled = true;
    this.stop?.();
    return true;
  }

  /** The try failed: its span and load figures say so, it lets go of what it holds, and the failure goes up. */
  private failed(f: ProxyFailureError): void {
    this.span?.end({ error: f.kind });
    const stats = this.stats;
    if (stats !== undefined) {
      stats.inflight--;
      stats.observeFailure(this.clock.now());
    }
    this.req.endTry("dropped");
    this.to.fail(f);
  }
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
