// grpc-status: maps WeftError codes to gRPC status codes so handlers (stream, Sign) answer with a
// precise status and message. Unknown errors become INTERNAL with a generic message.
// Must not: put stack traces, tokens or keys in the status details sent to a peer.
import { status as Status, type ServiceError } from "@grpc/grpc-js";
import { isWeftError, type WeftErrorCode } from "../errors/weft-error.ts";

const BY_CODE: Partial<Record<WeftErrorCode, Status>> = {
  WEFT_ERR_PARSE: Status.INVALID_ARGUMENT,
  WEFT_ERR_VALIDATION: Status.INVALID_ARGUMENT,
  WEFT_ERR_PROTOCOL: Status.INVALID_ARGUMENT,
  WEFT_ERR_UNAUTHENTICATED: Status.UNAUTHENTICATED,
  WEFT_ERR_PERMISSION_DENIED: Status.PERMISSION_DENIED,
  WEFT_ERR_RATE_LIMITED: Status.RESOURCE_EXHAUSTED,
  WEFT_ERR_LIMIT: Status.RESOURCE_EXHAUSTED,
  WEFT_ERR_NOT_FOUND: Status.NOT_FOUND,
  WEFT_ERR_TIMEOUT: Status.DEADLINE_EXCEEDED,
  WEFT_ERR_UNAVAILABLE: Status.UNAVAILABLE,
  WEFT_ERR_CONFIG: Status.FAILED_PRECONDITION,
};

export function toGrpcError(e: unknown): Partial<ServiceError> & { code: Status; details: string } {
  if (isWeftError(e)) {
    const code = BY_CODE[e.code] ?? Status.INTERNAL;
    const details = code === Status.INTERNAL ? "internal error" : e.message;
    return { code, details, message: details };
  }
  return { code: Status.INTERNAL, details: "internal error", message: "internal error" };
}
