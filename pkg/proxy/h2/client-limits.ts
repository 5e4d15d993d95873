// client-limits: the bounds one own-framing HTTP/2 client connection (client-conn.ts) holds a hostile
// upstream to, with node:http2's client defaults as ours: a 64 KiB response header list (node's
// maxHeaderListSize 65,535) of at most 128 fields (maxHeaderListPairs), a 4 KiB HPACK table, 32 settings a
// frame, 1,000 unanswered ACKs (nghttp2's max_outbound_ack), 8 CONTINUATION frames a header block, 10,000
// empty frames in a row, 10 MB of session memory (maxSessionMemory). The receive windows are the own
// server's (65,535 a stream, 1 MiB the connection). Takes partial overrides; gives a frozen H2ClientLimits.
// Must not: do I/O.
import { type H2ConnLimits, sharedH2Defaults } from "./conn-limits.ts";

/** A client connection's bounds are the shared ones (conn-limits.ts): nothing of its own. */
export type H2ClientLimits = H2ConnLimits;

export const defaultH2ClientLimits: H2ClientLimits = Object.freeze({
  ...sharedH2Defaults,
  maxHeaderListSize: 65535,
  maxHeaderFields: 128,
  maxSessionMemory: 10 * 1024 * 1024,
});

export function resolveH2ClientLimits(overrides: Partial<H2ClientLimits> | undefined): H2ClientLimits {
  return Object.freeze({ ...defaultH2ClientLimits, ...(overrides ?? {}) });
}
