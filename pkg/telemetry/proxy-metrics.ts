// proxy-metrics: the data-plane metric set (every proxy face). Takes a MetricsRegistry; gives
// typed recorders. Label values pass through label-values.ts so they stay bounded.
// Must not: label with request paths, hosts, peer IPs or identities (unbounded cardinality).
import { Counter, Gauge, Histogram } from "prom-client";
import { codeLabel, methodLabel } from "./label-values.ts";
import type { MetricsRegistry } from "./metrics-registry.ts";

export type ProxyFace = "gateway" | "sidecar-inbound" | "sidecar-outbound";

export type MtlsFailureReason = "no_client_cert" | "unknown_ca" | "bad_certificate" | "expired" | "identity_mismatch" | "protocol" | "other";

/** One finished request as the proxy saw it. `route` is `<kind>/<ns>/<name>` or "none". */
export interface RequestObservation {
  readonly face: ProxyFace;
  readonly route: string;
  readonly rule: string;
  readonly backend: string;
  readonly method: string;
  /** HTTP status, or gRPC status when `grpc` is true. */
  readonly code: number;
  readonly grpc?: boolean;
  readonly durationSeconds: number;
}

export interface ProxyMetrics {
  readonly requests: Counter<"route" | "rule" | "backend" | "method" | "code" | "face">;
  readonly requestDuration: Histogram<"route" | "backend" | "face">;
  readonly upstreamRetries: Counter<"route" | "backend">;
  readonly requestTimeouts: Counter<"route" | "face">;
  readonly mirrorRequests: Counter<"route" | "backend">;
  readonly connectionsActive: Gauge<"face">;
  readonly connectionsTotal: Counter<"face">;
  readonly mtlsHandshakeFailures: Counter<"reason">;
  /** Counts the request and observes its duration. */
  observeRequest(r: RequestObservation): void;
  /** A connection opened: active +1, total +1. Call `closed` exactly once when it ends. */
  connectionOpened(face: ProxyFace): void;
  connectionClosed(face: ProxyFace): void;
  mtlsHandshakeFailed(reason: MtlsFailureReason): void;
}

/** Request duration buckets (seconds): 1 ms .. 30 s. */
export const REQUEST_DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export function registerProxyMetrics(m: MetricsRegistry): ProxyMetrics {
  const registers = [m.registry];
  const requests = new Counter({ name: "weft_requests_total", help: "Requests handled by the proxy, by matched route, rule, backend cluster, method, response code and proxy face.",
    labelNames: ["route", "rule", "backend", "method", "code", "face"] as const, registers });
  const requestDuration = new Histogram({ name: "weft_request_duration_seconds", help: "Time from request received to response finished, in seconds.",
    labelNames: ["route", "backend", "face"] as const, buckets: REQUEST_DURATION_BUCKETS, registers });
  const upstreamRetries = new Counter({ name: "weft_upstream_retries_total", help: "Upstream retry attempts (not counting the first try).", labelNames: ["route", "backend"] as const, registers });
  const requestTimeouts = new Counter({ name: "weft_request_timeouts_total", help: "Requests answered with a timeout (route request or backendRequest timeout).",
    labelNames: ["route", "face"] as const, registers });
  const mirrorRequests = new Counter({ name: "weft_mirror_requests_total", help: "Mirrored requests sent (RequestMirror filter).", labelNames: ["route", "backend"] as const, registers });
  const connectionsActive = new Gauge({ name: "weft_connections_active", help: "Downstream connections currently open.", labelNames: ["face"] as const, registers });
  const connectionsTotal = new Counter({ name: "weft_connections_total", help: "Downstream connections accepted.", labelNames: ["face"] as const, registers });
  const mtlsHandshakeFailures = new Counter({ name: "weft_mtls_handshake_failures_total", help: "Failed mTLS handshakes, by reason.", labelNames: ["reason"] as const, registers });
  return {
    requests,
    requestDuration,
    upstreamRetries,
    requestTimeouts,
    mirrorRequests,
    connectionsActive,
    connectionsTotal,
    mtlsHandshakeFailures,
    observeRequest(r) {
      requests.inc({ route: r.route, rule: r.rule, backend: r.backend, method: methodLabel(r.method), code: codeLabel(r.code, r.grpc === true ? "grpc" : "http"), face: r.face });
      if (Number.isFinite(r.durationSeconds) && r.durationSeconds >= 0) requestDuration.observe({ route: r.route, backend: r.backend, face: r.face }, r.durationSeconds);
    },
    connectionOpened(face) {
      connectionsActive.inc({ face });
      connectionsTotal.inc({ face });
    },
    connectionClosed(face) {
      connectionsActive.dec({ face });
    },
    mtlsHandshakeFailed(reason) {
      mtlsHandshakeFailures.inc({ reason });
    },
  };
}
