// limits: the bounds one own-framing HTTP/2 server connection enforces, with node:http2's (nghttp2's)
// defaults — or what Weft's h2 front configures on node:http2 today (pkg/proxy/front/h2-front.ts: 250
// concurrent streams, a 16 KiB header list, 100 + 8 header fields, 16 MB session memory, 32 settings a
// frame) — as ours; the bounds both sides share are conn-limits.ts'. Takes partial overrides; gives a
// complete frozen H2Limits. Must not: do I/O.
import { type H2ConnLimits, sharedH2Defaults } from "./conn-limits.ts";

/** The shared bounds (conn-limits.ts) and the server's own. */
export interface H2Limits extends H2ConnLimits {
  /** SETTINGS_MAX_CONCURRENT_STREAMS we advertise; more open streams ⇒ RST_STREAM REFUSED_STREAM. */
  readonly maxConcurrentStreams: number;
  /** Streams the peer may reset (or have refused) in a burst, then refilled per second (nghttp2's stream_reset_rate_limit); past it ⇒ GOAWAY ENHANCE_YOUR_CALM. */
  readonly resetBurst: number;
  readonly resetsPerSecond: number;
  /** Streams refused at their opening (too many, session memory, 431) before the connection ends (node's maxSessionRejectedStreams); more ⇒ GOAWAY ENHANCE_YOUR_CALM. */
  readonly maxRejectedStreams: number;
  /** Stream errors the peer causes (RST_STREAM sent for a malformed request or frame) before the connection ends (node's maxSessionInvalidFrames); more ⇒ GOAWAY ENHANCE_YOUR_CALM. */
  readonly maxInvalidFrames: number;
  /** A connection with no open stream this long gets GOAWAY NO_ERROR and closes (the h2 front's idleTimeoutMs). */
  readonly idleTimeoutMs: number;
  /** Our SETTINGS unacknowledged this long ⇒ GOAWAY SETTINGS_TIMEOUT (RFC 9113 §6.5.3; node:http2 has no such timeout). The h2 front sets it to headersTimeoutMs: what a peer starts must be finished in that long. */
  readonly settingsTimeoutMs: number;
}

export const defaultH2Limits: H2Limits = Object.freeze({
  ...sharedH2Defaults,
  maxConcurrentStreams: 250,
  maxHeaderListSize: 16 * 1024,
  maxHeaderFields: 108,
  resetBurst: 1000,
  resetsPerSecond: 33,
  maxSessionMemory: 16 * 1024 * 1024,
  maxRejectedStreams: 100,
  maxInvalidFrames: 1000,
  idleTimeoutMs: 60_000,
  settingsTimeoutMs: 10_000,
});

export function resolveH2Limits(overrides: Partial<H2Limits> | undefined): H2Limits {
  return Object.freeze({ ...defaultH2Limits, ...(overrides ?? {}) });
}
