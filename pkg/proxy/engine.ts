// engine: createHttpEngine — the HttpEngine seam (engine-types.ts). Takes sockets from listeners,
// detects h2 preface vs HTTP/1.x (front/), feeds node's strict h1 parser or the h2 server, and runs every
// request down the stack (stack/stack.ts: telemetry, route, filters, weighted backend, deadline, body,
// mirror, relay, retry, balancer, backend caps, endpoint attempt). Holds the config in force (atomic
// swap; a request keeps the state it started with; the stacks of a config are composed when it is set),
// the pools, balancer stats, backend caps, retry budget and metrics; drains.
// Must not: listen on ports (listeners do), or crash on anything a peer sends.
import type { IncomingHttpHeaders, ServerHttp2Session, ServerHttp2Stream } from "node:http2";
import type { Duplex } from "node:stream";
import type { AccessLog, ProxyMetrics as TelemetryProxyMetrics, Tracing } from "../telemetry/index.ts";
import { EndpointChooser, type BalancerKind } from "./balance/endpoint-chooser.ts";
import { systemClock, type Clock } from "./clock.ts";
import { endpointKey } from "./endpoint-key.ts";
import type { EngineState, HttpEngine, MeshTlsMaterial, RouteContext } from "./engine-types.ts";
import { H1Front } from "./front/h1-front.ts";
import type { H1Exchange } from "./front/h1-exchange.ts";
import { H2Downstream } from "./front/h2-downstream.ts";
import { createH2Server } from "./front/h2-front.ts";
import { H2OwnFront } from "./front/h2-own-front.ts";
import type { H2OwnDownstream } from "./front/h2-own-downstream.ts";
import { detectProtocol } from "./front/protocol-detect.ts";
import { isWebSocketUpgrade } from "./front/websocket-upgrade.ts";
import { type Limits, resolveLimits } from "./limits.ts";
import { ProxyMetrics } from "./metrics.ts";
import { failure, ProxyFailureError } from "./rescue.ts";
import { Mirror } from "./stack/mirror.ts";
import { RetryBudget } from "./stack/retry-budget.ts";
import { requestPath } from "./stack/stack.ts";
import { tunnelWebSocket, writeRawFailure } from "./stack/websocket.ts";
import { BackendGates } from "./upstream/backend-gate.ts";
import { createH1Pool } from "./upstream/pool-h1.ts";
import { H2Pool } from "./upstream/pool-h2.ts";
import { Upstream } from "./upstream/upstream.ts";

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

export function createHttpEngine(options: HttpEngineOptions = {}): WeftHttpEngine {
  const limits = resolveLimits(options.limits);
  const random = options.random ?? Math.random;
  const metrics = options.metrics ?? new ProxyMetrics();
  const log = options.log ?? (() => {});
  const chooser = new EndpointChooser(options.balancer ?? "p2c-ewma", random);
  const h1Pool = createH1Pool({ idleMs: Math.min(30_000, limits.idleTimeoutMs), connectTimeoutMs: limits.connectTimeoutMs });
  const h2Pool = new H2Pool();
  const upstream = new Upstream(h1Pool, h2Pool, limits.connectTimeoutMs, limits.h2Client, metrics);
  const clock = options.clock ?? systemClock;
  const gates = new BackendGates({
    maxConnections: limits.backendMaxConnections,
    maxPendingRequests: limits.backendMaxPendingRequests,
    maxRequests: limits.backendMaxRequests,
  });
  let current: EngineState | undefined;
  let draining = false;
  let inflight = 0;
  let connections = 0;
  let lastConnectionAt: number | undefined;
  const sockets = new Set<Duplex>();
  const sessions = new Set<ServerHttp2Session>();
  /** Per h2 session: its connection's context and the client's address (read once, not per stream). */
  const h2Sessions = new WeakMap<object, { readonly ctx: RouteContext | undefined; readonly remoteAddress: string | undefined }>();
  let pendingCtx: RouteContext | undefined;
  let idleWaiters: (() => void)[] = [];
  const telemetry = options.telemetry;

  const path = requestPath({
    limits,
    random,
    chooser,
    upstream,
    gates,
    clock,
    metrics,
    telemetry,
    log,
    budget: new RetryBudget(options.retryBudget ?? {}, clock.now()),
    mirror: new Mirror(chooser, upstream, metrics, random),
    tracing: options.tracing?.enabled === true ? options.tracing : undefined,
    accessLog: options.accessLog,
    state: () => current,
    onDone: () => {
      inflight--;
      if (inflight === 0 && idleWaiters.length > 0) {
        const w = idleWaiters;
        idleWaiters = [];
        for (const f of w) f();
      }
    },
  });
  const serve = (down: H1Exchange | H2Downstream | H2OwnDownstream, ctx: RouteContext | undefined): void => {
    inflight++;
    path.serve(down, ctx);
  };

  const h1 = new H1Front(limits, {
    onRequest: (ex: H1Exchange, tag: unknown) => serve(ex, tag as RouteContext),
    onUpgrade: (ex: H1Exchange, socket: Duplex, head: Buffer, tag: unknown) => {
      const ctx = tag as RouteContext;
      try {
        if (!isWebSocketUpgrade(ex.headers)) throw failure("bad_request", "upgrade not supported");
        const { req, destination } = path.decide(ex, ctx);
        if (destination === undefined) throw failure("bad_request", "upgrade answered by a filter");
        tunnelWebSocket(req, destination, chooser, upstream, socket, head);
      } catch (e) {
        writeRawFailure(socket, e instanceof ProxyFailureError ? e : failure("internal", "internal error"));
      }
    },
  });
  /** The own-framing HTTP/2 face, when limits.h2Face is "own". */
  const own = limits.h2Face === "own" ? new H2OwnFront(limits, (down, tag) => serve(down, tag as RouteContext | undefined)) : undefined;

  /** node:http2's server as the HTTP/2 face (limits.h2Face "node"; made only then): gives what serves a socket. */
  const nodeH2Face = (): (socket: Duplex, ctx: RouteContext) => void => {
    const h2 = createH2Server(
      limits,
      (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, rawHeaders: string[]) => {
        const s = h2Sessions.get(stream.session as object);
        serve(new H2Downstream(stream, headers, rawHeaders, s?.remoteAddress), s?.ctx);
      },
      (session) => {
        h2Sessions.set(session, { ctx: pendingCtx, remoteAddress: session.socket?.remoteAddress });
        sessions.add(session);
        session.once("close", () => sessions.delete(session));
        if (draining) session.close();
      },
    );
    return (socket, ctx) => {
      pendingCtx = ctx;
      try {
        h2.emit("connection", socket);
      } finally {
        pendingCtx = undefined;
      }
    };
  };
  /** Serves a socket that speaks HTTP/2 (prior knowledge or ALPN h2) on the configured face. */
  const serveH2 = own !== undefined ? (socket: Duplex, ctx: RouteContext) => own.serve(socket, ctx) : nodeH2Face();

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
      lastConnectionAt = performance.now();
      metrics.connections.value = connections;
      sockets.add(socket);
      telemetry?.connectionOpened(ctx.face);
      socket.once("close", () => {
        connections--;
        metrics.connections.value = connections;
        sockets.delete(socket);
        telemetry?.connectionClosed(ctx.face);
      });
      detectProtocol(socket, head, limits.detectTimeoutMs, (verdict, bytes) => {
        if (verdict === "closed") {
          metrics.rejectedConnections.inc();
          socket.destroy();
          return;
        }
        if (verdict === "h2") {
          if (bytes.length > 0) socket.unshift(bytes);
          serveH2(socket, ctx);
        } else {
          h1.serve(socket, bytes, ctx);
        }
      });
    },
    setState(state: EngineState): void {
      path.compile(state);
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
    lastConnectionAt: () => lastConnectionAt,
    announceDrain(): void {
      h1.draining = true;
      own?.announce();
      for (const s of sessions) s.close();
    },
    async drain(graceMs: number): Promise<void> {
      draining = true;
      h1.draining = true;
      own?.close();
      for (const s of sessions) s.close();
      h1.closeIdle();
      if (inflight > 0) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, graceMs);
          idleWaiters.push(() => {
            clearTimeout(t);
            resolve();
          });
        });
      }
      h1.closeAll();
      for (const s of sessions) s.destroy();
      own?.destroy();
      for (const s of sockets) s.destroy();
      h1Pool.close();
      h2Pool.destroy();
    },
  };
  return engine;
}
