// span-attributes: the attribute keys Weft puts on spans (OpenTelemetry semantic conventions for
// HTTP and gRPC, plus the `weft.*` keys) and the rules that turn a request outcome into a span
// name and status. Takes plain attribute maps; gives names, keys and status decisions.
// Must not: create SDK objects or hold state (it is shared by the no-op and SDK facades).
// Spec: OTel semconv HTTP spans (server 5xx = error, client 4xx/5xx = error); gRPC spans
// (server: UNKNOWN, DEADLINE_EXCEEDED, UNIMPLEMENTED, INTERNAL, UNAVAILABLE, DATA_LOSS = error).

export type AttributeScalar = string | number | boolean;
/** A value a span attribute may hold: a scalar, or a list of strings (semconv request headers). */
export type AttributeValue = AttributeScalar | string[];

/** Attributes a hot path may set. Known keys are typed; other keys are allowed for extension. */
export interface SpanAttributes {
  "http.request.method"?: string;
  "http.route"?: string;
  "http.response.status_code"?: number;
  "server.address"?: string;
  "server.port"?: number;
  "url.path"?: string;
  "url.query"?: string;
  "url.scheme"?: string;
  "client.address"?: string;
  "network.peer.address"?: string;
  "user_agent.original"?: string;
  "http.request.header.x-request-id"?: string[];
  /** OTel semconv: why the request failed (Weft's reason, e.g. no_endpoints; else the status code). */
  "error.type"?: string;
  "network.protocol.version"?: string;
  "rpc.system"?: "grpc";
  "rpc.service"?: string;
  "rpc.method"?: string;
  "rpc.grpc.status_code"?: number;
  /** `<kind>/<namespace>/<name>` of the matched route. */
  "weft.route"?: string;
  /** index (or name) of the matched rule within the route. */
  "weft.rule"?: string | number;
  /** cluster id of the chosen backend. */
  "weft.backend"?: string;
  /** SPIFFE ID of the mTLS peer. */
  "weft.peer.identity"?: string;
  /** version (content hash) of the config that served the request. */
  "weft.config.version"?: string;
  /** retry number on a client span: 0 for the first try. */
  "weft.attempt"?: number;
  /** Weft's reason for an answer a proxy made itself (its x-weft-error code: no_route, no_endpoints, …). */
  "weft.error"?: string;
  [key: string]: AttributeValue | undefined;
}

/** How a span ended; all fields optional. */
export interface SpanOutcome {
  readonly httpStatus?: number;
  readonly grpcStatus?: number;
  /** A short error description (no secrets); marks the span as an error. */
  readonly error?: string;
  /** Weft's reason for an answer a proxy made (x-weft-error code): `weft.error` always, `error.type`
   *  when the span is an error by its status (a 404 no_route server span is tagged but not an error). */
  readonly reason?: string;
}

export type SpanRole = "server" | "client";

const GRPC_SERVER_ERRORS = new Set([2, 4, 12, 13, 14, 15]);

/** Whether the outcome is an error for a span of this role (semconv rules above). */
export function isErrorOutcome(role: SpanRole, outcome: SpanOutcome): boolean {
  if (outcome.error !== undefined) return true;
  if (outcome.grpcStatus !== undefined) {
    return role === "client" ? outcome.grpcStatus !== 0 : GRPC_SERVER_ERRORS.has(outcome.grpcStatus);
  }
  if (outcome.httpStatus !== undefined) return role === "client" ? outcome.httpStatus >= 400 : outcome.httpStatus >= 500;
  return false;
}

/** `error.type` of a failed span: the error, else Weft's reason, else the status code (semconv). */
export function errorTypeOf(outcome: SpanOutcome): string {
  return outcome.error ?? outcome.reason ?? (outcome.grpcStatus !== undefined ? String(outcome.grpcStatus) : String(outcome.httpStatus ?? "_OTHER"));
}

/** Span name per semconv: `{rpc.service}/{rpc.method}` for gRPC, `{method} {http.route}` for HTTP. */
export function spanNameOf(attrs: SpanAttributes, fallback: string): string {
  const service = attrs["rpc.service"];
  const method = attrs["rpc.method"];
  if (service !== undefined && method !== undefined) return `${service}/${method}`;
  const httpMethod = attrs["http.request.method"];
  if (httpMethod === undefined) return fallback;
  const route = attrs["http.route"];
  return route === undefined ? httpMethod : `${httpMethod} ${route}`;
}
