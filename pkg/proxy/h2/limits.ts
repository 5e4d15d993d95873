// limits: the bounds one own-framing HTTP/2 server connection enforces, with node:http2's (nghttp2's)
// defaults — or what Weft's h2 front configures on node:http2 today (pkg/proxy/front/h2-front.ts: 250
// concurrent streams, a 16 KiB header list, 100 + 8 header fields, 16 MB session memory, 32 settings a
// frame) — as ours. Takes partial overrides; gives a complete frozen H2Limits. Must not: do I/O.

export interface H2Limits {
  /** SETTINGS_MAX_CONCURRENT_STREAMS we advertise; more open streams ⇒ RST_STREAM REFUSED_STREAM. */
  readonly maxConcurrentStreams: number;
  /** SETTINGS_MAX_HEADER_LIST_SIZE we advertise (RFC 9113 §6.5.2 size); more ⇒ 431 on the stream. */
  readonly maxHeaderListSize: number;
  /** Most fields in one header list (node's maxHeaderListPairs); more ⇒ 431. */
  readonly maxHeaderFields: number;
  /** SETTINGS_HEADER_TABLE_SIZE we advertise: the peer's dynamic table in our decoder. */
  readonly headerTableSize: number;
  /** CONTINUATION frames allowed after one HEADERS (nghttp2's max_continuations); more ⇒ GOAWAY ENHANCE_YOUR_CALM. */
  readonly maxContinuations: number;
  /** Our receive window per stream (SETTINGS_INITIAL_WINDOW_SIZE, node's 65,535) and for the connection (1 MiB: one WINDOW_UPDATE per 512 KiB received, not per 32 KiB). */
  readonly initialWindowSize: number;
  readonly connectionWindowSize: number;
  /** Entries in one SETTINGS frame (node's maxSettings); more ⇒ GOAWAY ENHANCE_YOUR_CALM. */
  readonly maxSettingsEntries: number;
  /** PING / SETTINGS ACKs queued while the peer does not read them (nghttp2's max_outbound_ack); more ⇒ GOAWAY ENHANCE_YOUR_CALM. */
  readonly maxOutboundAcks: number;
  /** Streams the peer may reset (or have refused) in a burst, then refilled per second (nghttp2's stream_reset_rate_limit); past it ⇒ GOAWAY ENHANCE_YOUR_CALM. */
  readonly resetBurst: number;
  readonly resetsPerSecond: number;
  /** Bytes held for the connection (unwritten output, DATA waiting for a window, a header block being received): past it new streams are refused (ENHANCE_YOUR_CALM) and reading pauses (node's maxSessionMemory, in bytes). */
  readonly maxSessionMemory: number;
  /** Frames that carry nothing (empty DATA without END_STREAM, PRIORITY, unknown types) in a row before a useful one; more ⇒ GOAWAY ENHANCE_YOUR_CALM (nghttp2's and node's empty-frame bound). */
  readonly maxEmptyFrames: number;
  /** Streams refused at their opening (too many, session memory, 431) before the connection ends (node's maxSessionRejectedStreams); more ⇒ GOAWAY ENHANCE_YOUR_CALM. */
  readonly maxRejectedStreams: number;
  /** Stream errors the peer causes (RST_STREAM sent for a malformed request or frame) before the connection ends (node's maxSessionInvalidFrames); more ⇒ GOAWAY ENHANCE_YOUR_CALM. */
  readonly maxInvalidFrames: number;
  /** A connection with no open stream this long gets GOAWAY NO_ERROR and closes (the h2 front's idleTimeoutMs). */
  readonly idleTimeoutMs: number;
  /** A header block unfinished (HEADERS without END_HEADERS) this long ⇒ GOAWAY PROTOCOL_ERROR (headersTimeoutMs). */
  readonly headersTimeoutMs: number;
  /** Our SETTINGS unacknowledged this long ⇒ GOAWAY SETTINGS_TIMEOUT (RFC 9113 §6.5.3; node:http2 has no such timeout). The h2 front sets it to headersTimeoutMs: what a peer starts must be finished in that long. */
  readonly settingsTimeoutMs: number;
}

export const defaultH2Limits: H2Limits = Object.freeze({
  maxConcurrentStreams: 250,
  maxHeaderListSize: 16 * 1024,
  maxHeaderFields: 108,
  headerTableSize: 4096,
  maxContinuations: 8,
  initialWindowSize: 65535,
  connectionWindowSize: 1 << 20,
  maxSettingsEntries: 32,
  maxOutboundAcks: 1000,
  resetBurst: 1000,
  resetsPerSecond: 33,
  maxSessionMemory: 16 * 1024 * 1024,
  maxEmptyFrames: 10_000,
  maxRejectedStreams: 100,
  maxInvalidFrames: 1000,
  idleTimeoutMs: 60_000,
  headersTimeoutMs: 10_000,
  settingsTimeoutMs: 10_000,
});

export function resolveH2Limits(overrides: Partial<H2Limits> | undefined): H2Limits {
  return Object.freeze({ ...defaultH2Limits, ...(overrides ?? {}) });
}
