// redaction: removes secrets from anything on its way to a log line. Keys on the redaction list
// (any depth, case-insensitive) get "[REDACTED]"; strings are scrubbed of bearer/basic
// credentials, JWTs and PEM private keys / CSRs; URL query values with secret-like names are
// replaced. Takes any value; gives a redacted copy (never mutates the input).
// Must not: throw (cycles and odd objects are handled), or keep any part of a redacted value.

export const REDACTED = "[REDACTED]";

/** Keys whose values never reach a log (compared lower-case). */
export const REDACTED_KEYS: readonly string[] = [
  "authorization",
  "proxy-authorization",
  "cookie",
  "set-cookie",
  "token",
  "key",
  "password",
  "passwd",
  "keypem",
  "csr",
  "csrpem",
  "secret",
  "privatekey",
  "private_key",
  "apikey",
  "api_key",
  "x-api-key",
  "client_secret",
  "access_token",
  "refresh_token",
  "id_token",
  "x-auth-token",
];
/** Key suffixes that also redact (serviceAccountToken, dbPassword, tls.keyPem, …). */
export const REDACTED_KEY_SUFFIXES: readonly string[] = ["token", "password", "keypem", "privatekey", "secret", "csr"];

const keySet = new Set(REDACTED_KEYS);
const MAX_DEPTH = 8;

export function isSecretKey(key: string): boolean {
  const k = key.toLowerCase();
  if (keySet.has(k)) return true;
  for (const s of REDACTED_KEY_SUFFIXES) if (k.endsWith(s)) return true;
  return false;
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]*(?:PRIVATE KEY|CERTIFICATE REQUEST))-----[\s\S]*?(?:-----END \1-----|$)/g;
const AUTH_SCHEME = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi;
const JWT = /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g;
const QUERY_SECRET = /([?&;](?:[^=&;#\s]*?(?:token|key|password|secret|signature|sig|code|auth)[^=&;#\s]*)=)[^&;#\s]*/gi;

/** A string with credentials, JWTs, PEM private keys and secret query values replaced. */
export function scrubString(s: string): string {
  // The shortest thing redacted is a secret query name with its "=": `?sig=`, `&key=`.
  if (s.length < 5) return s;
  return s
    .replace(PEM_BLOCK, `-----${REDACTED}-----`)
    .replace(AUTH_SCHEME, `$1 ${REDACTED}`)
    .replace(JWT, REDACTED)
    .replace(QUERY_SECRET, `$1${REDACTED}`);
}

function redactInner(v: unknown, depth: number, seen: WeakSet<object>): unknown {
  if (typeof v === "string") return scrubString(v);
  if (v === null || typeof v !== "object") return v;
  if (seen.has(v)) return "[Circular]";
  if (depth >= MAX_DEPTH) return "[Truncated]";
  seen.add(v);
  try {
    if (v instanceof Error) {
      const out: Record<string, unknown> = { type: v.name, message: scrubString(v.message) };
      if (v.stack !== undefined) out["stack"] = scrubString(v.stack);
      const code = (v as { code?: unknown }).code;
      if (typeof code === "string" || typeof code === "number") out["code"] = code;
      return out;
    }
    if (Array.isArray(v)) return v.map((x) => redactInner(x, depth + 1, seen));
    if (v instanceof Uint8Array) return `[${v.byteLength} bytes]`;
    if (v instanceof Date) return v.toISOString();
    if (v instanceof Map) return redactInner(Object.fromEntries(v), depth, seen);
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(v)) {
      out[key] = isSecretKey(key) ? REDACTED : redactInner((v as Record<string, unknown>)[key], depth + 1, seen);
    }
    return out;
  } catch {
    return "[Unserializable]";
  } finally {
    seen.delete(v);
  }
}

/** A redacted deep copy of `v` (see file comment). */
export function redact(v: unknown): unknown {
  return redactInner(v, 0, new WeakSet());
}
