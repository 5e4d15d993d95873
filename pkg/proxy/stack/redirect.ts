// redirect: RequestRedirect (spec §10). Takes the filter, the request's scheme/host/path/query and the
// listener port; gives the status and Location. Port rules: port unset and scheme set ⇒ the scheme's
// well-known port; both unset ⇒ the listener port; the port is omitted when it is 80 with http or 443
// with https. Must not: do I/O.
import type { FilterIR } from "../../ir/types.ts";
import { applyPathModifier } from "../router-bridge.ts";

type RedirectFilter = Extract<FilterIR, { type: "RequestRedirect" }>;

export interface RedirectInput {
  readonly scheme: "http" | "https";
  readonly host: string;
  readonly path: string;
  readonly query: string;
  readonly listenerPort: number;
}

export function redirectLocation(f: RedirectFilter, r: RedirectInput): { status: number; location: string } {
  const scheme = f.scheme ?? r.scheme;
  const host = f.hostname ?? r.host;
  const port = f.port ?? (f.scheme !== undefined ? (f.scheme === "https" ? 443 : 80) : r.listenerPort);
  const path = f.path !== undefined ? applyPathModifier(r.path, f.path) : r.path;
  const showPort = !((scheme === "http" && port === 80) || (scheme === "https" && port === 443));
  const hostPart = host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
  const location = `${scheme}://${hostPart}${showPort ? `:${port}` : ""}${path}${r.query !== "" ? `?${r.query}` : ""}`;
  return { status: f.statusCode, location };
}
