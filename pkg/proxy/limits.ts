// limits: the bounds the engine enforces on hostile or oversized input, with safe defaults.
// Takes partial overrides, gives a complete frozen Limits. Must not: do I/O.

export interface Limits {
  /** Max bytes of one request's header block (h1 maxHeaderSize, h2 maxHeaderListSize). */
  readonly maxHeaderBytes: number;
  /** Max number of request header fields; more ⇒ 431. */
  readonly maxHeaderCount: number;
  /** Max request body bytes; more ⇒ 413. undefined = unlimited. */
  readonly maxBodyBytes: number | undefined;
  /** Bodies up to this size are buffered so a retry or mirror can replay them; larger ones stream. */
  readonly replayBufferBytes: number;
  /** Max concurrent downstream connections per engine; beyond it new sockets are closed. */
  readonly maxConnections: number;
  /** Time allowed to receive a complete request header block (slowloris). */
  readonly headersTimeoutMs: number;
  /** Time allowed to receive a whole request (h1). */
  readonly requestTimeoutMs: number;
  /** h1: a request body that sends nothing for this long (while we read) ⇒ 408 body_timeout. */
  readonly bodyIdleTimeoutMs: number;
  /** Idle keep-alive connection lifetime. */
  readonly idleTimeoutMs: number;
  /** h2: max concurrent streams per connection. */
  readonly maxConcurrentStreams: number;
  /** Time to wait for protocol detection bytes before closing. */
  readonly detectTimeoutMs: number;
  /** Upstream connect timeout. */
  readonly connectTimeoutMs: number;
  /**
   * Per backend (cluster, or the local app), unless its ClusterIR.limits say otherwise (Envoy's
   * circuit-breaker defaults): HTTP/1.1 connections in use, requests waiting for one, requests in
   * flight. Past them ⇒ 503 upstream_overflow.
   */
  readonly backendMaxConnections: number;
  readonly backendMaxPendingRequests: number;
  readonly backendMaxRequests: number;
  /**
   * Request header names with "_" (some backends fold it into "-", so `Transfer_Encoding` could become
   * a second framing header): "drop" them (default, as nginx), "reject" the request (400), or "allow".
   */
  readonly headersWithUnderscores: UnderscoreHeaders;
  /**
   * The downstream HTTP/2 face: "own" (default: Weft's own framing, pkg/proxy/h2 via front/h2-own-front.ts)
   * or "node" (node:http2's server, front/h2-front.ts). Same limits and stream handling either way.
   */
  readonly h2Face: H2Face;
  /**
   * The upstream HTTP/2 client (h2c and gRPC upstreams, the mesh hop for gRPC and h2c): "own" (Weft's own
   * framing, pkg/proxy/h2/client-conn.ts via upstream/h2-own-call.ts) or "node" (node:http2's client).
   * Same pooling, limits and failure kinds either way.
   */
  readonly h2Client: H2Client;
}

export type H2Client = "node" | "own";

export type H2Face = "node" | "own";

export type UnderscoreHeaders = "drop" | "reject" | "allow";

export const defaultLimits: Limits = Object.freeze({
  maxHeaderBytes: 16 * 1024,
  maxHeaderCount: 100,
  maxBodyBytes: undefined,
  replayBufferBytes: 64 * 1024,
  maxConnections: 10_000,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 300_000,
  bodyIdleTimeoutMs: 60_000,
  idleTimeoutMs: 60_000,
  maxConcurrentStreams: 250,
  detectTimeoutMs: 10_000,
  connectTimeoutMs: 5_000,
  backendMaxConnections: 1024,
  backendMaxPendingRequests: 1024,
  backendMaxRequests: 1024,
  headersWithUnderscores: "drop",
  h2Face: "own",
  h2Client: "own",
});

export function resolveLimits(overrides: Partial<Limits> | undefined): Limits {
  return Object.freeze({ ...defaultLimits, ...(overrides ?? {}) });
}
