// errors: HTTP/2 error codes (RFC 9113 §7) and the two kinds of error the own framing raises — a
// connection error (GOAWAY, then close) and a stream error (RST_STREAM on one stream).
// Takes a code and a reason; gives throwable values the connection catches. Must not: carry peer bytes in
// the reason beyond a short description (reasons may be logged).

export const NO_ERROR = 0x0;
export const PROTOCOL_ERROR = 0x1;
export const INTERNAL_ERROR = 0x2;
export const FLOW_CONTROL_ERROR = 0x3;
export const SETTINGS_TIMEOUT = 0x4;
export const STREAM_CLOSED = 0x5;
export const FRAME_SIZE_ERROR = 0x6;
export const REFUSED_STREAM = 0x7;
export const CANCEL = 0x8;
export const COMPRESSION_ERROR = 0x9;
export const CONNECT_ERROR = 0xa;
export const ENHANCE_YOUR_CALM = 0xb;
export const INADEQUATE_SECURITY = 0xc;
export const HTTP_1_1_REQUIRED = 0xd;

/** A connection error: the connection sends GOAWAY with `code` and closes. */
export class H2ConnectionError extends Error {
  readonly code: number;
  constructor(code: number, reason: string) {
    super(reason);
    this.code = code;
  }
}

/** A stream error: RST_STREAM with `code` on stream `id`; the connection goes on. */
export class H2StreamError extends Error {
  readonly code: number;
  readonly id: number;
  constructor(id: number, code: number, reason: string) {
    super(reason);
    this.code = code;
    this.id = id;
  }
}
