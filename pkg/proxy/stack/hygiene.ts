// hygiene: request/response header and path hygiene at the proxy boundary.
// Takes node header objects and raw paths; gives cleaned copies: hop-by-hop headers dropped (RFC 9110
// §7.6.1: Connection and the fields it names, keep-alive, proxy-*, te except "trailers",
// transfer-encoding, upgrade, http2-settings, and x-weft-connection-error, a mesh hop's own mark; Expect,
// answered by the proxy), x-forwarded-for appended (one entry per hop: the peer's address, an
// IPv4-mapped IPv6 peer as plain IPv4; a sidecar's outbound face adds none, as its peer is its own
// pod's app and the next mesh hop records that pod), x-forwarded-proto set,
// x-request-id generated when absent or malformed; names with "_" dropped when asked; paths with dot segments resolved (a ".." above the
// root is rejected). Must not: mutate its inputs, or decode anything but "%2e" for dot detection.
// `//` is kept as sent (not merged): routes may not contain "//" (spec §8 validation), so such paths
// only match prefixes ending before the empty segment; percent-encoded "/" (%2F) is never decoded
// (RFC 3986 §2.2, Envoy's default KEEP_UNCHANGED), but a segment that would hold a dot segment once
// "%2F", "%5C" or "\" separate ("..%2f") is refused: a backend that decodes them would resolve a
// different path than the one routed (Envoy's REJECT_REQUEST, narrowed to that case).
import { sensitiveHeaders } from "node:http2";
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from "node:http";
import { normalizeIp } from "../../util/ip-address.ts";
import { connectionErrorField } from "./connection-error-mark.ts";
import { randomRequestId } from "./request-id.ts";

const alwaysHopByHop = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authenticate",
  "proxy-authorization",
  "transfer-encoding",
  "upgrade",
  "http2-settings",
  "trailer",
  connectionErrorField,
]);
/** Request-only: the proxy already answered `Expect: 100-continue` itself (h1-connection does it). */
const requestOnly = "expect";

/** Field names the Connection header lists (lower-case). */
function connectionNamed(value: string | string[] | undefined): Set<string> | undefined {
  // Fast path for the common values: they name nothing beyond the always-dropped fields.
  if (value === undefined || value === "keep-alive" || value === "close" || value === "Keep-Alive") return undefined;
  const s = new Set<string>();
  for (const v of Array.isArray(value) ? value : [value])
    for (const n of v.split(",")) {
      const t = n.trim().toLowerCase();
      if (t !== "") s.add(t);
    }
  return s;
}

export interface ForwardInfo {
  /** Address of the downstream peer, appended to x-forwarded-for (IPv4-mapped IPv6 as plain IPv4). */
  readonly remoteAddress: string | undefined;
  /** false: leave x-forwarded-for as received (the sidecar's outbound face: its peer is the local app). */
  readonly appendForwardedFor?: boolean;
  readonly scheme: "http" | "https";
  /** Keep the Upgrade/Connection pair (WebSocket passthrough). */
  readonly keepUpgrade?: boolean;
  /** A field only the proxy may set (a client-sent copy is dropped here). */
  readonly dropField?: string;
  /** Drop fields whose name holds "_" (Limits.headersWithUnderscores "drop"). */
  readonly dropUnderscored?: boolean;
}

/** A header name list (name/value pairs as received) names a field with "_". */
export function hasUnderscoredName(rawHeaders: readonly string[]): boolean {
  for (let i = 0; i < rawHeaders.length; i += 2) if (rawHeaders[i]!.includes("_")) return true;
  return false;
}

/** A `TE` field value lists the "trailers" token: the client takes trailer fields (RFC 9110 §10.1.4). */
export function acceptsTrailers(te: string | string[] | undefined): boolean {
  if (te === undefined) return false;
  for (const v of Array.isArray(te) ? te : [te]) for (const t of v.split(",")) if (t.trim().toLowerCase() === "trailers") return true;
  return false;
}

/**
 * The client's address as x-forwarded-for names it (normalizeIp), kept for the last address seen:
 * requests come in runs from one connection or session, and normalizing is a split, four regex tests
 * and a join per request otherwise.
 */
let lastRemote: string | undefined;
let lastPeer = "";
function forwardedPeer(remoteAddress: string): string {
  if (remoteAddress !== lastRemote) {
    lastPeer = normalizeIp(remoteAddress);
    lastRemote = remoteAddress;
  }
  return lastPeer;
}

/** Copy request headers for the upstream: no pseudo headers, no host (the caller sets authority). */
export function forwardRequestHeaders(h: IncomingHttpHeaders, info: ForwardInfo): OutgoingHttpHeaders {
  const named = connectionNamed(h.connection);
  const out: OutgoingHttpHeaders = {};
  for (const name in h) {
    const v = h[name];
    if (v === undefined || name.charCodeAt(0) === 58 /* ":" */ || name === "host") continue;
    if (alwaysHopByHop.has(name) || name === requestOnly || (named !== undefined && named.has(name)) || name.startsWith("proxy-") || name === info.dropField) continue;
    if (info.dropUnderscored === true && name.includes("_")) continue;
    if (name === "te") {
      if (acceptsTrailers(v)) out.te = "trailers";
      continue;
    }
    out[name] = v;
  }
  if (info.keepUpgrade === true && h.upgrade !== undefined) {
    out.connection = "upgrade";
    out.upgrade = h.upgrade;
  }
  if (info.appendForwardedFor !== false) {
    const prior = h["x-forwarded-for"];
    const peer = info.remoteAddress === undefined ? "unknown" : forwardedPeer(info.remoteAddress);
    out["x-forwarded-for"] = prior === undefined ? peer : `${Array.isArray(prior) ? prior.join(", ") : prior}, ${peer}`;
  }
  out["x-forwarded-proto"] = info.scheme;
  const rid = h["x-request-id"];
  if (typeof rid !== "string" || !validRequestId(rid)) out["x-request-id"] = randomRequestId();
  keepNeverIndexed(h, out);
  return out;
}

type Flagged = { [sensitiveHeaders]?: readonly string[] };

/**
 * HTTP/2: the fields the peer sent as never-indexed literals (node lists them under `sensitiveHeaders`)
 * go on never-indexed, as RFC 7541 §6.2.3 requires of an intermediary: a field a client keeps out of
 * compression contexts must not enter the upstream session's, which every client's requests share (and
 * an answer's, the client's session).
 */
function keepNeverIndexed(h: IncomingHttpHeaders, out: OutgoingHttpHeaders): void {
  const received = (h as Flagged)[sensitiveHeaders];
  if (received === undefined || received.length === 0) return;
  let names: string[] | undefined;
  for (const n of received) {
    const name = n.toLowerCase();
    if (out[name] !== undefined) (names ??= []).push(name);
  }
  if (names !== undefined) (out as Flagged)[sensitiveHeaders] = names;
}

function validRequestId(v: string): boolean {
  return v.length > 0 && v.length <= 128 && /^[\x21-\x7e]+$/.test(v);
}

/** Copy response headers for the downstream: hop-by-hop and pseudo headers removed. */
export function forwardResponseHeaders(h: IncomingHttpHeaders): OutgoingHttpHeaders {
  const named = connectionNamed(h.connection);
  const out: OutgoingHttpHeaders = {};
  for (const name in h) {
    const v = h[name];
    if (v === undefined || droppedFromResponse(name)) continue;
    if (named !== undefined && named.has(name)) continue;
    out[name] = v;
  }
  keepNeverIndexed(h, out);
  return out;
}

/** What forwardResponseHeaders drops whatever Connection says (lower-case names). */
const droppedFromResponse = (name: string): boolean => name.charCodeAt(0) === 58 || alwaysHopByHop.has(name) || name === "te";

/**
 * forwardResponseHeaders' rule for a head passed on as received (name/value pairs): a predicate over
 * lower-cased names, the fields its Connection fields name included.
 */
export function responseFieldDrop(raw: readonly string[]): (name: string) => boolean {
  // The Connection value (most answers have one at most: no list made for it).
  let first: string | undefined;
  let more: string[] | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const n = raw[i]!;
    if (n.length !== 10 || (n !== "Connection" && n !== "connection" && n.toLowerCase() !== "connection")) continue;
    if (first === undefined) first = raw[i + 1]!;
    else (more ??= [first]).push(raw[i + 1]!);
  }
  const named = connectionNamed(more ?? first);
  return named === undefined ? droppedFromResponse : (name) => droppedFromResponse(name) || named.has(name);
}

/** Split a request target into path and query; undefined when it is not origin-form (or absolute-form). */
export function splitTarget(target: string): { path: string; query: string; authority?: string } | undefined {
  let t = target;
  let authority: string | undefined;
  if (t.charCodeAt(0) !== 47 /* "/" */) {
    const m = /^https?:\/\/([^/?#]+)(.*)$/i.exec(t);
    if (m === null) return undefined;
    authority = m[1]!;
    t = m[2] === "" ? "/" : m[2]!;
    if (t.charCodeAt(0) !== 47) t = "/" + t;
  }
  if (t.includes("#")) return undefined;
  const q = t.indexOf("?");
  const path = q === -1 ? t : t.slice(0, q);
  const query = q === -1 ? "" : t.slice(q + 1);
  return authority === undefined ? { path, query } : { path, query, authority };
}

/** A path that may hold a dot segment, an encoded "/" or "\\", or a raw "\\" (the slow path below). */
const dotHint = /\/\.|%2e|%2f|%5c|\\/i;
const slashLike = /%2f|%5c|\\/i;

/**
 * A segment that holds a dot segment once "%2F", "%5C" or "\\" count as separators ("..%2f", "%2e%2e%5c",
 * "a\\..\\b"): what it names depends on whether the backend decodes them before resolving dots.
 */
function hidesDotSegment(segment: string): boolean {
  if (!slashLike.test(segment)) return false;
  for (const part of segment.replace(/%2e/gi, ".").split(/%2f|%5c|\\/i)) if (part === "." || part === "..") return true;
  return false;
}

/**
 * Resolve "." and ".." segments (also as %2e, RFC 3986 §5.2.4); undefined when ".." would climb above the
 * root, or when a segment hides a dot segment behind an encoded slash or a backslash (hidesDotSegment).
 * "%2F" itself is data (RFC 3986 §2.2) and stays as sent.
 */
export function normalizePath(path: string): string | undefined {
  if (!dotHint.test(path)) return path;
  const segs = path.split("/");
  const out: string[] = [];
  let trailingSlash = false;
  for (let i = 1; i < segs.length; i++) {
    const raw = segs[i]!;
    if (hidesDotSegment(raw)) return undefined;
    const s = raw.length <= 6 ? raw.replace(/%2e/gi, ".") : raw;
    trailingSlash = false;
    if (s === ".") {
      trailingSlash = true;
      continue;
    }
    if (s === "..") {
      if (out.length === 0) return undefined;
      out.pop();
      trailingSlash = true;
      continue;
    }
    out.push(raw);
  }
  return "/" + out.join("/") + (trailingSlash && out.length > 0 ? "/" : "");
}

/** The last authority routingHost was given and its answer: requests come in runs with the same Host. */
let lastAuthority = "";
let lastHost = "";

/** Host for routing: Host/:authority without port, lower-cased; IPv6 brackets kept off. */
export function routingHost(authority: string | undefined): string {
  if (authority === undefined || authority === "") return "";
  if (authority === lastAuthority) return lastHost;
  lastHost = hostOf(authority);
  lastAuthority = authority;
  return lastHost;
}

function hostOf(authority: string): string {
  let a = authority;
  if (a.charCodeAt(0) === 91 /* "[" */) {
    const end = a.indexOf("]");
    return (end === -1 ? a.slice(1) : a.slice(1, end)).toLowerCase();
  }
  const colon = a.lastIndexOf(":");
  if (colon !== -1) a = a.slice(0, colon);
  return a.toLowerCase();
}

/** Counts request header fields from node's rawHeaders (name/value pairs). */
export function headerCount(rawHeaders: readonly string[]): number {
  return rawHeaders.length >>> 1;
}

/** RFC 9112 §3.2: more than one Host field ⇒ 400. rawHeaders holds name/value pairs as received. */
export function hasDuplicateHost(rawHeaders: readonly string[]): boolean {
  let seen = false;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const n = rawHeaders[i]!;
    if (n.length === 4 && n.toLowerCase() === "host") {
      if (seen) return true;
      seen = true;
    }
  }
  return false;
}
