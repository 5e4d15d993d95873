// conn-limits: the bounds every own-framing HTTP/2 connection holds its peer to, server (limits.ts) or
// client (client-limits.ts) alike: header list and HPACK table, CONTINUATION, receive windows, SETTINGS
// entries, unanswered ACKs, session memory, empty frames, an unfinished header block. Takes nothing;
// gives the shared interface the two sides' limits extend, and the defaults both sides take alike (node's,
// nghttp2's: the header list, its fields and session memory differ by side). Must not: do I/O.

export interface H2ConnLimits {
  /** SETTINGS_MAX_HEADER_LIST_SIZE we advertise (RFC 9113 §6.5.2 size): a larger header list is refused (server: 431; client: RST_STREAM, the request fails). */
  readonly maxHeaderListSize: number;
  /** Most fields in one header list (node's maxHeaderListPairs). */
  readonly maxHeaderFields: number;
  /** The peer's dynamic table in our HPACK decoder (the server advertises it when not 4,096; a larger size update ⇒ COMPRESSION_ERROR). */
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
  /** Bytes held for the connection (unwritten output, DATA waiting for a window, a header block being received): past it reading pauses, and the server refuses new streams (ENHANCE_YOUR_CALM) (node's maxSessionMemory, in bytes). */
  readonly maxSessionMemory: number;
  /** Frames that carry nothing (empty DATA without END_STREAM, PRIORITY, unknown types, …) in a row before a useful one; more ⇒ GOAWAY ENHANCE_YOUR_CALM (nghttp2's and node's empty-frame bound). */
  readonly maxEmptyFrames: number;
  /** A header block unfinished (HEADERS without END_HEADERS) this long ⇒ GOAWAY PROTOCOL_ERROR (headersTimeoutMs). */
  readonly headersTimeoutMs: number;
}

/** The defaults server and client share (node:http2's on both sides; the receive windows the own server's). */
export const sharedH2Defaults = Object.freeze({
  headerTableSize: 4096,
  maxContinuations: 8,
  initialWindowSize: 65535,
  connectionWindowSize: 1 << 20,
  maxSettingsEntries: 32,
  maxOutboundAcks: 1000,
  maxEmptyFrames: 10_000,
  headersTimeoutMs: 10_000,
} satisfies Partial<H2ConnLimits>);
