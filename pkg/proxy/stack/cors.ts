// cors: the CORS filter (spec §10, GEP-1767). Takes the filter and request headers; gives the preflight
// answer (answered by the proxy) or the headers to add to an actual response. Origins: exact
// `scheme://host[:port]`, `*` alone = any, `*` in the host matches one or more labels to its left.
// With allowCredentials never emit `*` (echo the request values instead). Must not: do I/O.
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from "node:http";
import type { FilterIR } from "../../ir/types.ts";

export type CorsFilter = Extract<FilterIR, { type: "CORS" }>;

const compiled = new WeakMap<CorsFilter, readonly RegExp[]>();

function originPatterns(f: CorsFilter): readonly RegExp[] {
  let p = compiled.get(f);
  if (p === undefined) {
    p = f.allowOrigins.filter((o) => o !== "*").map((o) => {
      const esc = o.toLowerCase().replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]+");
      return new RegExp(`^${esc}$`);
    });
    compiled.set(f, p);
  }
  return p;
}

export function originAllowed(f: CorsFilter, origin: string): boolean {
  if (f.allowOrigins.includes("*")) return true;
  const o = origin.toLowerCase();
  return originPatterns(f).some((re) => re.test(o));
}

function allowOriginValue(f: CorsFilter, origin: string): string {
  return f.allowOrigins.includes("*") && !f.allowCredentials ? "*" : origin;
}

/** A preflight is OPTIONS with Origin and Access-Control-Request-Method. */
export function isPreflight(method: string, h: IncomingHttpHeaders): boolean {
  return method === "OPTIONS" && typeof h.origin === "string" && typeof h["access-control-request-method"] === "string";
}

/** The proxy's own answer to a preflight: 200 with CORS headers when allowed, 200 without them otherwise. */
export function preflightAnswer(f: CorsFilter, h: IncomingHttpHeaders): { status: number; headers: OutgoingHttpHeaders } {
  const origin = String(h.origin);
  const out: OutgoingHttpHeaders = { vary: "Origin", "content-length": 0 };
  if (!originAllowed(f, origin)) return { status: 200, headers: out };
  const reqMethod = String(h["access-control-request-method"]);
  const reqHeaders = typeof h["access-control-request-headers"] === "string" ? h["access-control-request-headers"] : "";
  out["access-control-allow-origin"] = allowOriginValue(f, origin);
  const methods = f.allowMethods.includes("*") ? (f.allowCredentials ? reqMethod : "*") : f.allowMethods.join(", ");
  if (methods !== "") out["access-control-allow-methods"] = methods;
  const headers = f.allowHeaders.includes("*") ? (f.allowCredentials ? reqHeaders : "*") : f.allowHeaders.join(", ");
  if (headers !== "") out["access-control-allow-headers"] = headers;
  out["access-control-max-age"] = String(f.maxAgeSeconds);
  // The preflight names the exposed headers too, as Gateway API conformance (HTTPRouteCORS) expects.
  const expose = exposeHeadersValue(f);
  if (expose !== undefined) out["access-control-expose-headers"] = expose;
  if (f.allowCredentials) out["access-control-allow-credentials"] = "true";
  return { status: 200, headers: out };
}

/** Access-Control-Expose-Headers; with credentials `*` is no wildcard (Fetch), so it is left out. */
function exposeHeadersValue(f: CorsFilter): string | undefined {
  const names = f.allowCredentials ? f.exposeHeaders.filter((x) => x !== "*") : f.exposeHeaders;
  return names.length > 0 ? names.join(", ") : undefined;
}

/** Headers added to an actual (non-preflight) response; empty when the origin is absent or not allowed. */
export function corsResponseHeaders(f: CorsFilter, h: IncomingHttpHeaders): OutgoingHttpHeaders | undefined {
  const origin = h.origin;
  if (typeof origin !== "string" || !originAllowed(f, origin)) return undefined;
  const out: OutgoingHttpHeaders = { "access-control-allow-origin": allowOriginValue(f, origin), vary: "Origin" };
  const expose = exposeHeadersValue(f);
  if (expose !== undefined) out["access-control-expose-headers"] = expose;
  if (f.allowCredentials) out["access-control-allow-credentials"] = "true";
  return out;
}
