// label-values: keeps metric label values bounded so a hostile client cannot explode series
// cardinality (random methods, bogus status codes). Takes raw request values; gives label values.
// Must not: pass through attacker-chosen strings except those drawn from config (route names).
// Spec: OTel semconv http.request.method — unknown methods are reported as `_OTHER`.

const KNOWN_METHODS = new Set(["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"]);

/** Upper-case known HTTP method, or `_OTHER`. gRPC calls pass "POST" (their HTTP method). */
export function methodLabel(method: string): string {
  const m = method.toUpperCase();
  return KNOWN_METHODS.has(m) ? m : "_OTHER";
}

/** HTTP status 100..599 as a string, or "other". For gRPC, the status number 0..16, or "other". */
export function codeLabel(code: number, kind: "http" | "grpc" = "http"): string {
  if (!Number.isInteger(code)) return "other";
  if (kind === "grpc") return code >= 0 && code <= 16 ? String(code) : "other";
  return code >= 100 && code <= 599 ? String(code) : "other";
}
