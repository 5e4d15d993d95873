// telemetry-layer: around the whole request path. Per request: a server span continuing the caller's
// trace (tracing on); the route, rule and backend it was given, as span attributes and metric labels, once
// decided (also when a filter answered or a refusal came after routing); the request counted as answered
// by the proxy (its status class) or forwarded; and when the exchange closes, the access log line, the
// latency histogram and the per-route request figures. It is also the rescue boundary: every refusal or
// failure from below becomes exactly one answer (rescue.ts), counted by its x-weft-error code; an inbound
// sidecar marks the answers that stand for a connection error to its app (connection-error-mark).
// Takes the admission (request hygiene), the route layer and the telemetry sinks; gives serve(down, ctx).
// Must not: log header values or key material, or answer twice.
import type { RouteEntryIR, RuleIR } from "../../ir/types.ts";
import {
  inboundSpanName,
  requestIdAttributes,
  rpcAttributesOf,
  serverRequestAttributes,
  type AccessLog,
  type ProxyMetrics as TelemetryProxyMetrics,
  type SpanHandle,
  type Tracing,
} from "../../telemetry/index.ts";
import type { Downstream } from "../downstream.ts";
import type { RouteContext } from "../engine-types.ts";
import type { ProxyMetrics } from "../metrics.ts";
import { failure, ProxyFailureError, rescue } from "../rescue.ts";
import { routeTemplateOf } from "../router-bridge.ts";
import { isGrpcRequest } from "./admit.ts";
import { connectionErrorField, connectionErrorMark, marksConnectionErrors } from "./connection-error-mark.ts";
import type { Decide, ExchangeReport, ProxyRequest } from "./request.ts";
import { routeLabelOf } from "./route-layer.ts";

export interface TelemetryDeps {
  readonly metrics: ProxyMetrics;
  /** Shared telemetry metric set (pkg/telemetry registerProxyMetrics). */
  readonly telemetry: TelemetryProxyMetrics | undefined;
  readonly accessLog: AccessLog | undefined;
  /** Enabled tracing, or undefined. */
  readonly tracing: Tracing | undefined;
  readonly log: (event: string, fields: Record<string, unknown>) => void;
  /** Called once per request when its exchange closed (the engine counts requests in flight). */
  readonly onDone: () => void;
}

interface RequestLabels {
  route: string;
  rule: string;
  backend: string;
  requestId?: string;
}

/** One frozen label set per face for the per-request "forwarded" count (its key is computed once). */
const forwarded = new Map<string, Readonly<Record<string, string>>>();
function forwardedLabels(face: string): Readonly<Record<string, string>> {
  let l = forwarded.get(face);
  if (l === undefined) {
    l = Object.freeze({ face, class: "forwarded" });
    forwarded.set(face, l);
  }
  return l;
}

/** Counts a request whose whole-request deadline answered it (the deadline layer calls this). */
export function requestTimedOut(telemetry: TelemetryProxyMetrics | undefined, req: ProxyRequest): void {
  telemetry?.requestTimeouts.inc({ route: req.routeLabel, face: req.ctx.face });
}

export function telemetryLayer(
  deps: TelemetryDeps,
  admit: (down: Downstream, ctx: RouteContext, span: SpanHandle | undefined) => ProxyRequest,
  route: Decide,
): (down: Downstream, ctx: RouteContext | undefined) => void {
  const { metrics, telemetry, accessLog, tracing, log } = deps;

  const finish = (down: Downstream, ctx: RouteContext | undefined, started: number, labels: RequestLabels, grpc: boolean, span: SpanHandle | undefined): void => {
    const face = ctx?.face ?? "gateway";
    const ms = Date.now() - started;
    accessLog?.log({
      method: down.method,
      path: down.target,
      status: down.status,
      route: labels.route,
      backend: labels.backend,
      durationMs: ms,
      bytes: down.bytes,
      face,
      ...(labels.requestId !== undefined ? { requestId: labels.requestId } : {}),
      ...(span !== undefined ? { traceId: span.traceId } : {}),
      ...(ctx?.peerIdentity !== undefined ? { peerIdentity: ctx.peerIdentity } : {}),
    });
    metrics.latency.observe(ms);
    telemetry?.observeRequest({
      face,
      route: labels.route,
      rule: labels.rule,
      backend: labels.backend,
      method: down.method,
      code: grpc && down.grpcStatus !== undefined ? down.grpcStatus : down.status,
      grpc: grpc && down.grpcStatus !== undefined,
      durationSeconds: ms / 1000,
    });
    deps.onDone();
  };

  /** The matched rule, once known: route labels and span route (also for answers and refusals). */
  const routed = (labels: RequestLabels, span: SpanHandle | undefined, rule: RuleIR | undefined, entry: RouteEntryIR | undefined, version: string): void => {
    if (rule !== undefined) {
      labels.route = routeLabelOf(rule);
      labels.rule = rule.id;
    }
    if (span === undefined || !span.sampled) return;
    span.setAttributes({ "weft.route": labels.route, "weft.rule": labels.rule, "weft.backend": labels.backend, "weft.config.version": version });
    const m = entry?.match;
    if (m?.kind === "http") span.setRoute(routeTemplateOf(m.path));
  };

  /** A refusal or failure from below becomes exactly one answer (rescue), counted by its code. */
  const fail = (down: Downstream, ctx: RouteContext | undefined, grpc: boolean, labels: RequestLabels, span: SpanHandle | undefined, req: ProxyRequest | undefined, e: unknown): void => {
    if (!(e instanceof ProxyFailureError)) log("proxy.internal_error", { error: e instanceof Error ? e.message : String(e) });
    else if (req?.rule !== undefined && labels.route === "none") routed(labels, span, req.rule, req.entry, req.state?.version ?? "");
    // An inbound sidecar tells its mesh peer which answers stand for a connection error to the app.
    const mark = marksConnectionErrors(ctx) ? connectionErrorMark(e) : undefined;
    // Before the answer: it may end the exchange (and the span) at once.
    span?.recordReason(e instanceof ProxyFailureError ? e.kind : "internal");
    const kind = rescue(down, e, grpc, mark === undefined ? undefined : { [connectionErrorField]: mark });
    metrics.failures.inc({ face: ctx?.face ?? "unknown", code: kind });
    if (kind === "upstream_timeout") telemetry?.requestTimeouts.inc({ route: labels.route, face: ctx?.face ?? "gateway" });
  };

  return (down, ctx) => {
    const started = Date.now();
    let closed = false;
    const grpc = isGrpcRequest(down.headers["content-type"]);
    const face = ctx?.face ?? "unknown";
    const labels: RequestLabels = { route: "none", rule: "none", backend: "none" };
    let span: SpanHandle | undefined;
    if (tracing !== undefined) {
      const h = down.headers;
      // The headers are read in place, and the attributes and name are built only for a sampled request.
      span = tracing.startServerSpan(h, () => ({
        "http.request.method": down.method,
        "network.protocol.version": down.h2 ? "2" : "1.1",
        ...(grpc ? rpcAttributesOf(down.target) : {}),
        ...(ctx?.peerIdentity !== undefined ? { "weft.peer.identity": ctx.peerIdentity } : {}),
      }), ctx?.face === "sidecar-inbound" && !grpc ? () => inboundSpanName(down.method, ctx.destinationPort) : undefined);
      if (span.sampled) {
        down.stampEnd?.();
        span.setAttributes(serverRequestAttributes({
          target: down.target,
          scheme: ctx?.scheme ?? "http",
          mtls: ctx?.peerIdentity !== undefined,
          remoteAddress: down.remoteAddress,
          userAgent: h["user-agent"],
          forwardedFor: h["x-forwarded-for"],
        }));
      }
    }
    down.onClose(() => {
      if (closed) return;
      closed = true;
      // A dropped request's span records nothing: no outcome object for it.
      if (span?.sampled === true) span.end(grpc && down.grpcStatus !== undefined ? { grpcStatus: down.grpcStatus, httpStatus: down.status } : { httpStatus: down.status }, down.endedAt);
      finish(down, ctx, started, labels, grpc, span);
    });
    let req: ProxyRequest | undefined;
    try {
      if (ctx === undefined) throw failure("internal", "connection without context");
      const r = admit(down, ctx, span);
      req = r;
      const destination = route(r);
      // The route is known once decided, also when a filter answered (redirect, CORS preflight).
      if (destination !== undefined) labels.backend = r.backendLabel = destination.label;
      routed(labels, span, r.rule, r.entry, r.state!.version);
      const answer = r.answer;
      if (destination === undefined) {
        if (answer === undefined) throw failure("internal", "request neither answered nor forwarded");
        down.head(answer.status, answer.headers);
        down.end();
        metrics.requests.inc({ face, class: `${Math.floor(answer.status / 100)}xx` });
        return;
      }
      metrics.requests.inc(forwardedLabels(face));
      const rid = r.headers["x-request-id"] ?? down.headers["x-request-id"];
      if (typeof rid === "string") {
        labels.requestId = rid;
        if (span?.sampled === true) span.setAttributes(requestIdAttributes(rid));
      }
      r.forwarded = true;
      // Where the exchange reports: one object made here, not a closure in this scope (the close
      // callback above lives until the exchange closes and must not hold the request with it).
      destination.forward(r, new ForwardEnd(fail, down, ctx, grpc, labels, span, r));
    } catch (e) {
      fail(down, ctx, grpc, labels, span, req, e);
    }
  };
}

type Fail = (down: Downstream, ctx: RouteContext | undefined, grpc: boolean, labels: RequestLabels, span: SpanHandle | undefined, req: ProxyRequest | undefined, e: unknown) => void;

/** A forwarded request's exchange report: a served one needs nothing more (its close callback counts it); a failure is rescued. */
class ForwardEnd implements ExchangeReport {
  private readonly failed: Fail;
  private readonly down: Downstream;
  private readonly ctx: RouteContext | undefined;
  private readonly grpc: boolean;
  private readonly labels: RequestLabels;
  private readonly span: SpanHandle | undefined;
  private readonly req: ProxyRequest;

  constructor(failed: Fail, down: Downstream, ctx: RouteContext | undefined, grpc: boolean, labels: RequestLabels, span: SpanHandle | undefined, req: ProxyRequest) {
    this.failed = failed;
    this.down = down;
    this.ctx = ctx;
    this.grpc = grpc;
    this.labels = labels;
    this.span = span;
    this.req = req;
  }

  done(): void {}

  fail(e: unknown): void {
    this.failed(this.down, this.ctx, this.grpc, this.labels, this.span, this.req, e);
  }
}
