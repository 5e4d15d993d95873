// engine: createHttpEngine — the HttpEngine seam (engine-types.ts). Takes sockets from listeners,
// detects h2 preface vs HTTP/1.x, feeds node's strict h1 parser or the h2 server, and runs every request
// through the stack (request-plan → forward) under the rescue boundary. Holds the config in force
// (atomic swap; a request keeps the state it started with), pools, balancer stats, retry budget, metrics.
// Must not: listen on ports (listeners do), or crash on anything a peer sends.
import type { IncomingHttpHeaders, ServerHttp2Session, ServerHttp2Stream } from "node:http2";
import type { Duplex } from "node:stream";
import { inboundSpanName, requestIdAttributes, rpcAttributesOf, serverRequestAttributes, type AccessLog, type ProxyMetrics as TelemetryProxyMetrics, type SpanHandle, type Tracing } from "../telemetry/index.ts";
import { EndpointChooser, type BalancerKind } from "./balance/endpoint-chooser.ts";
import { BackendGates } from "./upstream/backend-gate.ts";
import { systemClock, type Clock } from "./clock.ts";
import { connectionErrorField, connectionErrorMark, marksConnectionErrors } from "./stack/connection-error-mark.ts";
import { endpointKey } from "./endpoint-key.ts";
import type { Downstream } from "./downstream.ts";
import { H2Downstream } from "./front/h2-downstream.ts";
import type { RouteEntryIR, RuleIR } from "../ir/types.ts";
import type { EngineState, HttpEngine, MeshTlsMaterial, RouteContext } from "./engine-types.ts";
import { forward, type ForwardDeps } from "./stack/forward.ts";
import { H1Front } from "./front/h1-front.ts";
import type { H1Exchange } from "./front/h1-exchange.ts";
import { createH2Server } from "./front/h2-front.ts";
import { type Limits, resolveLimits } from "./limits.ts";
import { ProxyMetrics } from "./metrics.ts";
import { Mirror } from "./stack/mirror.ts";
import { createH1Pool } from "./upstream/pool-h1.ts";
import { H2Pool } from "./upstream/pool-h2.ts";
import { detectProtocol } from "./front/protocol-detect.ts";
import { routeTemplateOf } from "./router-bridge.ts";
import { isGrpcRequest, planRequest } from "./stack/request-plan.ts";
import { failure, ProxyFailureError, rescue } from "./rescue.ts";
import { RetryBudget } from "./stack/retry-budget.ts";
import { Upstream } from "./upstream/upstream.ts";
import { isWebSocketUpgrade } from "./front/websocket-upgrade.ts";
import { tunnelWebSocket, writeRawFailure } from "./stack/websocket.ts";

export interface HttpEngineOptions {
  readonly limits?: Partial<Limits>;
  readonly balancer?: BalancerKind;
  /** Random source for weights, P2C and mirror fractions (tests pass a seeded one). */
  readonly random?: () => number;
  readonly metrics?: ProxyMetrics;
  readonly retryBudget?: { readonly ratio?: number; readonly floorPerSecond?: number };
  /** Shared telemetry metric set (pkg/telemetry registerProxyMetrics): per-request and connection figures. */
  readonly telemetry?: TelemetryProxyMetrics;
  /** Access log (pkg/telemetry createAccessLog): one line per finished request. */
  readonly accessLog?: AccessLog;
  /** Tracing facade (pkg/telemetry initTracing): a server span per request, a client span per attempt. */
  readonly tracing?: Tracing;
  /** Structured log sink; never receives header values or key material. */
  readonly log?: (event: string, fields: Record<string, unknown>) => void;
  /** Time source of the retry path (backoff, attempt latencies, retry budget); tests pass a manual one. */
  readonly clock?: Clock;
}

export interface WeftHttpEngine extends HttpEngine {
  readonly metrics: ProxyMetrics;
  readonly limits: Limits;
  /** The state in force, undefined until the first setState. */
  state(): EngineState | undefined;
  /** Requests currently being served. */
  inflight(): number;
  /** One backend's load against its caps (cluster id, or "local:<port>" for the local app). */
  backendLoad(key: string): { active: number; connections: number; waiting: number };
}

/** One frozen label set per face for the per-request "forwarded" count (its key is computed once). */
const forwarded = new Map<string, Readonly<Record<string, string>>>();
function forwardedLabels(face: string): Readonly<Record<string, string>> {
  let l = forwarded.get(face);
  if (l === undefined) { l = Object.freeze({ face, class: "forwarded" }); forwarded.set(face, l); }
  return l;
}

interface RequestLabels { route: string; rule: string; backend: string; requestId?: string }

export function createHttpEngine(options: HttpEngineOptions = {}): WeftHttpEngine {
  const limits = resolveLimits(options.limits);
  const random = options.random ?? Math.random;
  const metrics = options.metrics ?? new ProxyMetrics();
  const log = options.log ?? (() => {});
  const chooser = new EndpointChooser(options.balancer ?? "p2c-ewma", random);
  const h1Pool = createH1Pool({ idleMs: Math.min(30_000, limits.idleTimeoutMs), connectTimeoutMs: limits.connectTimeoutMs });
  const h2Pool = new H2Pool();
  const upstream = new Upstream(h1Pool, h2Pool, limits.connectTimeoutMs);
  const clock = options.clock ?? systemClock;
  const gates = new BackendGates({
    maxConnections: limits.backendMaxConnections, maxPendingRequests: limits.backendMaxPendingRequests, maxRequests: limits.backendMaxRequests,
  });
  const deps: ForwardDeps = {
    chooser, upstream, limits, metrics, clock, gates,
    budget: new RetryBudget(options.retryBudget ?? {}, clock.now()),
    mirror: new Mirror(chooser, upstream, metrics, random),
    tracing: options.tracing?.enabled === true ? options.tracing : undefined,
    telemetry: options.telemetry,
  };
  const tracing = deps.tracing;
  let current: EngineState | undefined;
  let draining = false;
  let inflight = 0;
  let connections = 0;
  const sockets = new Set<Duplex>();
  const sessions = new Set<ServerHttp2Session>();
  const contexts = new WeakMap<object, RouteContext>();
  let pendingCtx: RouteContext | undefined;
  let idleWaiters: (() => void)[] = [];

  const telemetry = options.telemetry;
  const accessLog = options.accessLog;
  const finishOne = (down: Downstream, ctx: RouteContext | undefined, started: number, labels: RequestLabels, grpc: boolean, span: SpanHandle | undefined) => {
    inflight--;
    const face = ctx?.face ?? "gateway";
    const ms = Date.now() - started;
    accessLog?.log({
      method: down.method, path: down.target, status: down.status, route: labels.route, backend: labels.backend, durationMs: ms,
      bytes: down.bytes, face, ...(labels.requestId !== undefined ? { requestId: labels.requestId } : {}),
      ...(span !== undefined ? { traceId: span.traceId } : {}), ...(ctx?.peerIdentity !== undefined ? { peerIdentity: ctx.peerIdentity } : {}),
    });
    metrics.latency.observe(ms);
    telemetry?.observeRequest({
      face, route: labels.route, rule: labels.rule, backend: labels.backend, method: down.method,
      code: grpc && down.grpcStatus !== undefined ? down.grpcStatus : down.status, grpc: grpc && down.grpcStatus !== undefined, durationSeconds: ms / 1000,
    });
    if (inflight === 0 && idleWaiters.length > 0) { const w = idleWaiters; idleWaiters = []; for (const f of w) f(); }
  };

  const serve = (down: Downstream, ctx: RouteContext | undefined) => {
    const started = Date.now();
    inflight++;
    let closed = false;
    const grpc = isGrpcRequest(down.headers["content-type"]);
    const label = ctx?.face ?? "unknown";
    const labels: RequestLabels = { route: "none", rule: "none", backend: "none" };
    let span: SpanHandle | undefined;
    if (tracing !== undefined) {
      const h = down.headers;
      span = tracing.startServerSpan((name) => h[name], {
        "http.request.method": down.method,
        "network.protocol.version": down.h2 ? "2" : "1.1", ...(grpc ? rpcAttributesOf(down.target) : {}), ...(ctx?.peerIdentity !== undefined ? { "weft.peer.identity": ctx.peerIdentity } : {}),
      }, ctx?.face === "sidecar-inbound" && !grpc ? inboundSpanName(down.method, ctx.destinationPort) : undefined);
      if (span.sampled) {
        span.setAttributes(serverRequestAttributes({
          target: down.target, scheme: ctx?.scheme ?? "http", mtls: ctx?.peerIdentity !== undefined, remoteAddress: down.remoteAddress,
          userAgent: h["user-agent"], forwardedFor: h["x-forwarded-for"],
        }));
      }
    }
    down.onClose(() => {
      if (closed) return;
      closed = true;
      span?.end(grpc && down.grpcStatus !== undefined ? { grpcStatus: down.grpcStatus, httpStatus: down.status } : { httpStatus: down.status }, down.endedAt);
      finishOne(down, ctx, started, labels, grpc, span);
    });
    const countTimeout = () => telemetry?.requestTimeouts.inc({ route: labels.route, face: ctx?.face ?? "gateway" });
    /** The matched rule, once known: route labels and span route (also for answers and refusals). */
    const routed = (rule: RuleIR | undefined, entry: RouteEntryIR | undefined, version: string) => {
      if (rule !== undefined) {
        labels.route = `${rule.route.kind}/${rule.route.namespace}/${rule.route.name}`;
        labels.rule = rule.id;
      }
      if (span === undefined) return;
      span.setAttributes({ "weft.route": labels.route, "weft.rule": labels.rule, "weft.backend": labels.backend, "weft.config.version": version });
      const m = entry?.match;
      if (m?.kind === "http") span.setRoute(routeTemplateOf(m.path));
    };
    const fail = (e: unknown) => {
      if (!(e instanceof ProxyFailureError)) log("proxy.internal_error", { error: e instanceof Error ? e.message : String(e) });
      else if (e.route !== undefined && labels.route === "none") routed(e.route.rule, e.route.entry, current?.version ?? "");
      // An inbound sidecar tells its mesh peer which answers stand for a connection error to the app.
      const mark = marksConnectionErrors(ctx) ? connectionErrorMark(e) : undefined;
      // Before the answer: it may end the exchange (and the span) at once.
      span?.recordReason(e instanceof ProxyFailureError ? e.kind : "internal");
      const kind = rescue(down, e, grpc, mark === undefined ? undefined : { [connectionErrorField]: mark });
      metrics.failures.inc({ face: label, code: kind });
      if (kind === "upstream_timeout") countTimeout();
    };
    try {
      if (ctx === undefined) throw failure("internal", "connection without context");
      const state = current;
      const plan = planRequest(down, ctx, state, limits, random);
      // The route is known once planned, also when a filter answered (redirect, CORS preflight).
      if (plan.kind === "forward") labels.backend = plan.cluster?.id ?? (plan.localAppPort !== undefined ? "local-app" : "none");
      routed(plan.rule, plan.entry, state!.version);
      if (plan.kind === "answer") {
        down.head(plan.status, plan.headers);
        down.end();
        metrics.requests.inc({ face: label, class: `${Math.floor(plan.status / 100)}xx` });
        return;
      }
      metrics.requests.inc(forwardedLabels(label));
      const rid = plan.headers["x-request-id"] ?? down.headers["x-request-id"];
      if (typeof rid === "string") {
        labels.requestId = rid;
        if (span?.sampled === true) span.setAttributes(requestIdAttributes(rid));
      }
      forward(down, plan, state!, deps, span, countTimeout).catch(fail);
    } catch (e) {
      fail(e);
    }
  };

  const h1 = new H1Front(limits, {
    onRequest: (ex: H1Exchange, tag: unknown) => serve(ex, tag as RouteContext),
    onUpgrade: (ex: H1Exchange, socket: Duplex, head: Buffer, tag: unknown) => {
      const ctx = tag as RouteContext;
      try {
        if (!isWebSocketUpgrade(ex.headers)) throw failure("bad_request", "upgrade not supported");
        const plan = planRequest(ex, ctx, current, limits, random);
        if (plan.kind === "answer") throw failure("bad_request", "upgrade answered by a filter");
        tunnelWebSocket(plan, chooser, upstream, socket, head);
      } catch (e) {
        writeRawFailure(socket, e instanceof ProxyFailureError ? e : failure("internal", "internal error"));
      }
    },
  });
  const h2 = createH2Server(
    limits,
    (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, rawHeaders: string[]) => {
      serve(new H2Downstream(stream, headers, rawHeaders), contexts.get(stream.session as object));
    },
    (session) => {
      if (pendingCtx !== undefined) contexts.set(session, pendingCtx);
      sessions.add(session);
      session.once("close", () => sessions.delete(session));
      if (draining) session.close();
    },
  );

  const engine: WeftHttpEngine = {
    metrics,
    limits,
    state: () => current,
    inflight: () => inflight,
    backendLoad: (key) => gates.load(key),
    serveConnection(socket: Duplex, ctx: RouteContext, head?: Buffer): void {
      socket.on("error", () => {});
      if (draining || connections >= limits.maxConnections) {
        metrics.rejectedConnections.inc();
        socket.destroy();
        return;
      }
      connections++;
      metrics.connections.value = connections;
      sockets.add(socket);
      telemetry?.connectionOpened(ctx.face);
      socket.once("close", () => { connections--; metrics.connections.value = connections; sockets.delete(socket); telemetry?.connectionClosed(ctx.face); });
      detectProtocol(socket, head, limits.detectTimeoutMs, (verdict, bytes) => {
        if (verdict === "closed") { metrics.rejectedConnections.inc(); socket.destroy(); return; }
        if (verdict === "h2") {
          if (bytes.length > 0) socket.unshift(bytes);
          pendingCtx = ctx;
          try { h2.emit("connection", socket); } finally { pendingCtx = undefined; }
        } else {
          h1.serve(socket, bytes, ctx);
        }
      });
    },
    setState(state: EngineState): void {
      current = state;
      chooser.retain(state.clusters.values());
      // h2 sessions to endpoints that left every cluster are closed (gracefully: open streams finish).
      const keep = new Set<string>();
      for (const c of state.clusters.values()) for (const e of c.endpoints) keep.add(endpointKey(e.address, e.port));
      h2Pool.evict((k) => !keep.has(k.slice(k.lastIndexOf("|") + 1)));
      gates.retain((k) => k.startsWith("local:") || state.clusters.has(k));
    },
    setMeshTls(material: MeshTlsMaterial | undefined): void {
      upstream.setMeshTls(material);
    },
    announceDrain(): void {
      h1.draining = true;
      for (const s of sessions) s.close();
    },
    async drain(graceMs: number): Promise<void> {
      draining = true;
      h1.draining = true;
      for (const s of sessions) s.close();
      h1.closeIdle();
      if (inflight > 0) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, graceMs);
          idleWaiters.push(() => { clearTimeout(t); resolve(); });
        });
      }
      h1.closeAll();
      for (const s of sessions) s.destroy();
      for (const s of sockets) s.destroy();
      h1Pool.close();
      h2Pool.destroy();
    },
  };
  return engine;
}
