// timeouts-retry: takes rule timeouts, retry and sessionPersistence, gives TimeoutsIR / RetryIR /
// SessionPersistenceIR or a Problem. Spec §11: GEP-2257 durations, "0s" disables (absent in IR),
// backendRequest ≤ request unless request is 0s. Spec §12: codes 400-599, attempts = max RETRIES
// (default 1 when a retry stanza omits it), backoff default 25ms. Spec §13: Permanent cookies need
// absoluteTimeout.
// Must not: pick request-time behaviour (the proxy applies these).
import type { HTTPRouteRetry, HTTPRouteTimeouts, SessionPersistence } from "../api/index.ts";
import type { RetryIR, SessionPersistenceIR, TimeoutsIR } from "../ir/types.ts";
import type { Problem } from "./conditions.ts";
import { parseDuration } from "./durations.ts";

export const DEFAULT_RETRY_BACKOFF_MS = 25;
export const DEFAULT_RETRY_ATTEMPTS = 1;
export const MAX_RETRY_ATTEMPTS = 10;
export const DEFAULT_SESSION_NAME = "weft-session";

function bad(message: string): Problem {
  return { reason: "UnsupportedValue", message };
}

export function compileTimeouts(t: HTTPRouteTimeouts | undefined, at: string): TimeoutsIR | Problem {
  if (t === undefined) return {};
  let requestMs: number | undefined;
  let backendRequestMs: number | undefined;
  if (t.request !== undefined) {
    const d = parseDuration(t.request);
    if (!d.ok) return bad(`${at}.timeouts.request: ${d.message}`);
    requestMs = d.ms;
  }
  if (t.backendRequest !== undefined) {
    const d = parseDuration(t.backendRequest);
    if (!d.ok) return bad(`${at}.timeouts.backendRequest: ${d.message}`);
    backendRequestMs = d.ms;
  }
  if (requestMs !== undefined && requestMs > 0 && backendRequestMs !== undefined && backendRequestMs > requestMs) {
    return bad(`${at}.timeouts: backendRequest (${t.backendRequest}) must not exceed request (${t.request})`);
  }
  return {
    ...(requestMs !== undefined && requestMs > 0 ? { requestMs } : {}),
    ...(backendRequestMs !== undefined && backendRequestMs > 0 ? { backendRequestMs } : {}),
  };
}

export function compileRetry(r: HTTPRouteRetry | undefined, at: string): RetryIR | undefined | Problem {
  if (r === undefined) return undefined;
  const codes = [...new Set(r.codes ?? [])].sort((a, b) => a - b);
  for (const c of codes) {
    if (!Number.isInteger(c) || c < 400 || c > 599) return bad(`${at}.retry.codes: ${c} is not an HTTP status 400-599`);
  }
  const attempts = r.attempts ?? DEFAULT_RETRY_ATTEMPTS;
  if (!Number.isInteger(attempts) || attempts < 0 || attempts > MAX_RETRY_ATTEMPTS) {
    return bad(`${at}.retry.attempts: ${attempts} is not an integer 0-${MAX_RETRY_ATTEMPTS}`);
  }
  let backoffMs = DEFAULT_RETRY_BACKOFF_MS;
  if (r.backoff !== undefined) {
    const d = parseDuration(r.backoff);
    if (!d.ok) return bad(`${at}.retry.backoff: ${d.message}`);
    backoffMs = d.ms;
  }
  return { codes, attempts, backoffMs };
}

export function compileSessionPersistence(s: SessionPersistence | undefined, at: string): SessionPersistenceIR | undefined | Problem {
  if (s === undefined) return undefined;
  const type = s.type ?? "Cookie";
  if (type !== "Cookie" && type !== "Header") return bad(`${at}.sessionPersistence.type: unsupported type "${String(type).slice(0, 32)}" (Cookie, Header)`);
  const lifetimeType = s.cookieConfig?.lifetimeType ?? "Session";
  if (lifetimeType !== "Session" && lifetimeType !== "Permanent") {
    return bad(`${at}.sessionPersistence.cookieConfig.lifetimeType: unsupported value "${String(lifetimeType).slice(0, 32)}" (Session, Permanent)`);
  }
  let absoluteTimeoutMs: number | undefined;
  if (s.absoluteTimeout !== undefined) {
    const d = parseDuration(s.absoluteTimeout);
    if (!d.ok) return bad(`${at}.sessionPersistence.absoluteTimeout: ${d.message}`);
    absoluteTimeoutMs = d.ms;
  }
  if (lifetimeType === "Permanent" && absoluteTimeoutMs === undefined) {
    return bad(`${at}.sessionPersistence: lifetimeType Permanent requires absoluteTimeout`);
  }
  const name = s.sessionName ?? DEFAULT_SESSION_NAME;
  if (!/^[A-Za-z0-9!#$%&'*+\-.^_`|~]{1,128}$/.test(name)) return bad(`${at}.sessionPersistence.sessionName: "${name.slice(0, 64)}" is not a valid cookie/header name`);
  return { type, name, lifetimeType, ...(absoluteTimeoutMs === undefined ? {} : { absoluteTimeoutMs }) };
}
