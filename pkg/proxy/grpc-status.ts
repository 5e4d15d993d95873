// grpc-status: gRPC status codes the proxy emits, `grpc-timeout` parsing, and the HTTP→gRPC mapping
// (gRPC "HTTP to gRPC Status Code Mapping"). Pure. Must not: do I/O.
// Spec §9: unmatched ⇒ UNIMPLEMENTED, invalid backend ⇒ UNAVAILABLE.

export const GrpcCode = Object.freeze({
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
});

const unitMs: Record<string, number> = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 0.001, n: 0.000001 };

/** `grpc-timeout: 1S`, `250m`, … ⇒ milliseconds; malformed ⇒ undefined (ignored, as grpc-go does). */
export function parseGrpcTimeout(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const m = /^(\d{1,8})([HMSmun])$/.exec(value);
  if (m === null) return undefined;
  const ms = Number(m[1]) * unitMs[m[2]!]!;
  return Math.max(ms, 1);
}

/** Map an HTTP status (from a proxy decision or a non-gRPC upstream) to a gRPC code. */
export function grpcCodeForHttp(status: number): number {
  switch (status) {
    case 400:
      return GrpcCode.INTERNAL;
    case 401:
      return GrpcCode.UNAUTHENTICATED;
    case 403:
      return GrpcCode.PERMISSION_DENIED;
    case 404:
      return GrpcCode.UNIMPLEMENTED;
    case 413:
      return GrpcCode.RESOURCE_EXHAUSTED;
    case 429:
    case 502:
    case 503:
    case 504:
      return GrpcCode.UNAVAILABLE;
    default:
      return GrpcCode.UNKNOWN;
  }
}

/** grpc-message is percent-encoded (gRPC over HTTP/2 spec). */
export function encodeGrpcMessage(message: string): string {
  return encodeURIComponent(message).replace(/%20/g, " ");
}
