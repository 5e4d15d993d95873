// request: the request `weftctl explain` reasons about. Takes METHOD, URL and `-H 'name: value'`
// strings; gives the RequestView the router matches on (pkg/router/request.ts), the destination
// (scheme, host, port) and a display form with sensitive header values redacted.
// The path and query are taken exactly as written (no dot-segment removal or re-encoding: the router
// matches paths as received). `Host:` overrides the URL host for hostname matching (north-south);
// `content-type: application/grpc…` (or --grpc) makes it a gRPC request.
// Must not: accept oversized input (URL ≤ 8 KiB, ≤ 100 headers of ≤ 8 KiB), or show secret values.
import type { RequestView } from "../router/request.ts";

export const SENSITIVE_HEADERS: ReadonlySet<string> = new Set(["authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"]);
const MAX_URL = 8192;
const MAX_HEADERS = 100;
const MAX_HEADER = 8192;

export interface ExplainRequest {
  readonly view: RequestView;
  readonly method: string;
  readonly scheme: "http" | "https";
  /** Destination host from the URL (lower-case, IPv6 without brackets). */
  readonly host: string;
  readonly port: number;
  readonly path: string;
  readonly query: string;
  /** Headers as given (lower-case names, first value kept), values of sensitive ones redacted. */
  readonly shownHeaders: Readonly<Record<string, string>>;
  readonly grpc: boolean;
}

const token = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Parses the request arguments; a string is a usage error. */
export function parseRequest(method: string, rawUrl: string, headerArgs: readonly string[], forceGrpc = false): ExplainRequest | string {
  if (!token.test(method)) return `invalid method ${JSON.stringify(method.slice(0, 40))}`;
  if (rawUrl.length > MAX_URL) return `URL longer than ${MAX_URL} characters`;
  if (headerArgs.length > MAX_HEADERS) return `more than ${MAX_HEADERS} -H headers`;
  const withScheme = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(rawUrl) ? rawUrl : `http://${rawUrl}`;
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/([^/?#]*)([^?#]*)(?:\?([^#]*))?/.exec(withScheme);
  if (m === null) return `cannot parse URL ${JSON.stringify(rawUrl.slice(0, 200))}`;
  const scheme = (m[1] ?? "").toLowerCase();
  if (scheme !== "http" && scheme !== "https") return `URL scheme must be http or https, got ${JSON.stringify(scheme)}`;
  let authority: URL;
  try {
    authority = new URL(`${scheme}://${m[2] ?? ""}/`);
  } catch {
    return `invalid host in URL ${JSON.stringify(rawUrl.slice(0, 200))}`;
  }
  if (authority.username !== "" || authority.password !== "") return "credentials in the URL are not accepted";
  const host = authority.hostname.replace(/^\[(.*)\]$/, "$1").toLowerCase();
  if (host === "") return "URL needs a host";
  const port = authority.port === "" ? (scheme === "https" ? 443 : 80) : Number(authority.port);
  const path = (m[3] ?? "") === "" ? "/" : (m[3] ?? "/");
  const query = m[4] ?? "";

  const headers = new Map<string, string>();
  const shown: Record<string, string> = {};
  for (const h of headerArgs) {
    if (h.length > MAX_HEADER) return `header longer than ${MAX_HEADER} characters`;
    const colon = h.indexOf(":");
    const name = (colon < 0 ? h : h.slice(0, colon)).trim().toLowerCase();
    if (colon < 0 || !token.test(name)) return `-H must be "name: value", got ${JSON.stringify(h.slice(0, 80))}`;
    const value = h.slice(colon + 1).trim();
    if (headers.has(name)) continue;
    headers.set(name, value);
    shown[name] = SENSITIVE_HEADERS.has(name) ? "[redacted]" : value;
  }
  if (forceGrpc && !headers.has("content-type")) {
    headers.set("content-type", "application/grpc");
    shown["content-type"] = "application/grpc";
  }
  const hostHeader = headers.get("host");
  const matchHost = (hostHeader ?? host).replace(/:\d+$/, "").replace(/^\[(.*)\]$/, "$1").toLowerCase();
  const authorityText = authority.port === "" ? (host.includes(":") ? `[${host}]` : host) : authority.host;
  const grpc = (headers.get("content-type") ?? "").toLowerCase().startsWith("application/grpc");
  const view: RequestView = {
    method,
    path,
    query,
    host: matchHost,
    header: (name) => (name === "host" || name === ":authority" ? hostHeader ?? authorityText : headers.get(name)),
    grpc,
  };
  return { view, method, scheme, host, port, path, query, shownHeaders: shown, grpc };
}
