// weft-error: the one error class of the project. Every error a caller may act on carries a
// stable code `WEFT_ERR_*` so logs, CLI exit paths and gRPC/HTTP answers can be matched on it.
// Must not: carry secrets (tokens, keys) in message or details.

export type WeftErrorCode =
  | "WEFT_ERR_PARSE"
  | "WEFT_ERR_VALIDATION"
  | "WEFT_ERR_CONFIG"
  | "WEFT_ERR_NOT_FOUND"
  | "WEFT_ERR_UNAUTHENTICATED"
  | "WEFT_ERR_PERMISSION_DENIED"
  | "WEFT_ERR_RATE_LIMITED"
  | "WEFT_ERR_TIMEOUT"
  | "WEFT_ERR_UNAVAILABLE"
  | "WEFT_ERR_PROTOCOL"
  | "WEFT_ERR_LIMIT"
  | "WEFT_ERR_INTERNAL";

export class WeftError extends Error {
  readonly code: WeftErrorCode;
  readonly details: Readonly<Record<string, unknown>>;
  constructor(code: WeftErrorCode, message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "WeftError";
    this.code = code;
    this.details = details;
  }
}

export function isWeftError(e: unknown, code?: WeftErrorCode): e is WeftError {
  return e instanceof WeftError && (code === undefined || e.code === code);
}
