// rescue: the boundary where every failure becomes exactly one well-formed answer: an HTTP status with
// a short `x-weft-error: <code>` header, or a gRPC trailers-only response with the matching code
// (spec §9: unmatched ⇒ UNIMPLEMENTED, invalid backend ⇒ UNAVAILABLE; timeouts ⇒ DEADLINE_EXCEEDED).
// After headers went out the only honest answer is a reset. Must not: answer twice, throw, or echo
// request data or secrets into the answer.
import { WeftError, type WeftErrorCode } from "../errors/weft-error.ts";
import type { Downstream } from "./downstream.ts";
import { encodeGrpcMessage, GrpcCode } from "./grpc-status.ts";

export type FailureKind = "no_route" | "no_listener" | "misdirected" | "invalid_backend" | "no_backends" | "unknown_cluster" | "no_endpoints" | "upstream_timeout" | "request_timeout"
  | "upstream_connect" | "upstream_reset" | "upstream_overflow" | "upstream_tls" | "body_too_large" | "headers_too_large" | "bad_request" | "bad_path" | "unsupported_filter" | "draining" | "internal";

interface FailureSpec {
  readonly status: number;
  readonly grpc: number;
  readonly code: WeftErrorCode;
}

const table: Record<FailureKind, FailureSpec> = {
  no_route: { status: 404, grpc: GrpcCode.UNIMPLEMENTED, code: "WEFT_ERR_NOT_FOUND" },
  no_listener: { status: 404, grpc: GrpcCode.UNIMPLEMENTED, code: "WEFT_ERR_NOT_FOUND" },
  misdirected: { status: 421, grpc: GrpcCode.UNAVAILABLE, code: "WEFT_ERR_PROTOCOL" },
  invalid_backend: { status: 500, grpc: GrpcCode.UNAVAILABLE, code: "WEFT_ERR_CONFIG" },
  no_backends: { status: 500, grpc: GrpcCode.UNAVAILABLE, code: "WEFT_ERR_CONFIG" },
  unknown_cluster: { status: 500, grpc: GrpcCode.UNAVAILABLE, code: "WEFT_ERR_CONFIG" },
  no_endpoints: { status: 503, grpc: GrpcCode.UNAVAILABLE, code: "WEFT_ERR_UNAVAILABLE" },
  upstream_timeout: { status: 504, grpc: GrpcCode.DEADLINE_EXCEEDED, code: "WEFT_ERR_TIMEOUT" },
  request_timeout: { status: 504, grpc: GrpcCode.DEADLINE_EXCEEDED, code: "WEFT_ERR_TIMEOUT" },
  upstream_connect: { status: 503, grpc: GrpcCode.UNAVAILABLE, code: "WEFT_ERR_UNAVAILABLE" },
  upstream_reset: { status: 503, grpc: GrpcCode.UNAVAILABLE, code: "WEFT_ERR_UNAVAILABLE" },
  upstream_overflow: { status: 503, grpc: GrpcCode.UNAVAILABLE, code: "WEFT_ERR_UNAVAILABLE" },
  upstream_tls: { status: 503, grpc: GrpcCode.UNAVAILABLE, code: "WEFT_ERR_UNAUTHENTICATED" },
  body_too_large: { status: 413, grpc: GrpcCode.RESOURCE_EXHAUSTED, code: "WEFT_ERR_LIMIT" },
  headers_too_large: { status: 431, grpc: GrpcCode.RESOURCE_EXHAUSTED, code: "WEFT_ERR_LIMIT" },
  bad_request: { status: 400, grpc: GrpcCode.INTERNAL, code: "WEFT_ERR_PROTOCOL" },
  bad_path: { status: 400, grpc: GrpcCode.INTERNAL, code: "WEFT_ERR_PROTOCOL" },
  unsupported_filter: { status: 500, grpc: GrpcCode.INTERNAL, code: "WEFT_ERR_CONFIG" },
  draining: { status: 503, grpc: GrpcCode.UNAVAILABLE, code: "WEFT_ERR_UNAVAILABLE" },
  internal: { status: 500, grpc: GrpcCode.INTERNAL, code: "WEFT_ERR_INTERNAL" },
};

/** A failure the stack decided on; `kind` is what clients see in x-weft-error. */
export class ProxyFailureError extends WeftError {
  readonly kind: FailureKind;
  readonly status: number;
  readonly grpcCode: number;
  /**
   * A kept-alive upstream connection closed before any answer byte: the peer may never have processed
   * the request (RFC 9110 §9.2.2 lets an idempotent one be sent again).
   */
  staleConnection = false;
  constructor(kind: FailureKind, message: string, status?: number) {
    const spec = table[kind];
    super(spec.code, message, { kind });
    this.name = "ProxyFailureError";
    this.kind = kind;
    this.status = status ?? spec.status;
    this.grpcCode = spec.grpc;
  }
}

export function failure(kind: FailureKind, message: string = kind.replace(/_/g, " "), status?: number): ProxyFailureError {
  return new ProxyFailureError(kind, message, status);
}

/**
 * Answer `err` on `down` once. Unknown errors become `internal`. `extra` fields are added to the answer
 * (the connection-error mark). Returns the failure kind used.
 */
export function rescue(down: Downstream, err: unknown, grpc: boolean, extra?: Readonly<Record<string, string>>): FailureKind {
  const f = err instanceof ProxyFailureError ? err : failure("internal", "internal error");
  if (down.finished()) return f.kind;
  try {
    if (down.started()) {
      down.reset();
    } else if (grpc) {
      down.trailersOnly({
        "content-type": "application/grpc",
        "grpc-status": String(f.grpcCode),
        "grpc-message": encodeGrpcMessage(f.message),
        "x-weft-error": f.kind,
        ...extra,
      });
    } else {
      const body = `${f.message}\n`;
      down.head(f.status, {
        "content-type": "text/plain; charset=utf-8",
        "content-length": Buffer.byteLength(body),
        "x-weft-error": f.kind,
        ...extra,
      });
      if (down.method !== "HEAD") down.write(Buffer.from(body));
      down.end();
    }
  } catch {
    down.reset();
  }
  return f.kind;
}
