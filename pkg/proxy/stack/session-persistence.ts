// session-persistence: rule sessionPersistence (spec §13, GEP-1619): a Cookie or Header carries an opaque
// token naming the backend cluster and endpoint a client was first sent to; later requests with a valid
// token go there again — overriding weights, even to weight-0 backends — as long as that backend is one
// of the rule's and the endpoint is still usable. A missing, malformed, expired or stale token ⇒ normal
// choice and a fresh token in the response (Set-Cookie or the header). Takes the rule, the request's
// headers and the choice; gives the pin and the response header to add. Must not: let a token name a
// backend outside the rule, or trust token contents beyond that (tokens are not secrets).
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from "node:http";
import type { BackendIR, SessionPersistenceIR } from "../../ir/types.ts";

export interface SessionPin {
  readonly cluster: string;
  /** "address:port" ("[v6]:port" for IPv6). */
  readonly endpoint: string;
}

interface Token {
  readonly c: string;
  readonly e: string;
  readonly t: number;
}

export function encodeToken(pin: SessionPin, now: number): string {
  const t: Token = { c: pin.cluster, e: pin.endpoint, t: Math.floor(now / 1000) };
  return Buffer.from(JSON.stringify(t)).toString("base64url");
}

export function decodeToken(value: string, sp: SessionPersistenceIR, now: number): SessionPin | undefined {
  if (value.length === 0 || value.length > 1024 || !/^[A-Za-z0-9_-]+$/.test(value)) return undefined;
  let t: unknown;
  try {
    t = JSON.parse(Buffer.from(value, "base64url").toString("utf8"));
  } catch {
    return undefined;
  }
  if (typeof t !== "object" || t === null) return undefined;
  const { c, e, t: issued } = t as Partial<Token>;
  if (typeof c !== "string" || typeof e !== "string" || typeof issued !== "number") return undefined;
  if (sp.absoluteTimeoutMs !== undefined && now - issued * 1000 > sp.absoluteTimeoutMs) return undefined;
  return { cluster: c, endpoint: e };
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq !== -1 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** The pin a request carries, if any (not yet checked against the rule). */
export function readPin(sp: SessionPersistenceIR, h: IncomingHttpHeaders, now: number): SessionPin | undefined {
  const raw = sp.type === "Cookie"
    ? cookieValue(Array.isArray(h.cookie) ? h.cookie.join("; ") : h.cookie, sp.name)
    : (() => {
      const k = sp.name.toLowerCase();
      const v = Object.hasOwn(h, k) ? h[k] : undefined;
      return Array.isArray(v) ? v[0] : v;
    })();
  return raw === undefined ? undefined : decodeToken(raw, sp, now);
}

/** The rule's backend the pin names, when it is one of the rule's cluster backends. */
export function pinnedBackend(backends: readonly BackendIR[], pin: SessionPin): BackendIR | undefined {
  return backends.find((b) => b.kind === "cluster" && b.cluster === pin.cluster);
}

/** Response header(s) that hand the client its token. */
export function issueToken(sp: SessionPersistenceIR, pin: SessionPin, now: number, headers: OutgoingHttpHeaders): void {
  const token = encodeToken(pin, now);
  if (sp.type === "Header") {
    headers[sp.name.toLowerCase()] = token;
    return;
  }
  let cookie = `${sp.name}=${token}; Path=/; HttpOnly; SameSite=Lax`;
  if (sp.lifetimeType === "Permanent" && sp.absoluteTimeoutMs !== undefined) cookie += `; Max-Age=${Math.floor(sp.absoluteTimeoutMs / 1000)}`;
  const prior = headers["set-cookie"];
  headers["set-cookie"] = prior === undefined ? [cookie] : [...(Array.isArray(prior) ? prior : [String(prior)]), cookie];
}
