// route-template: the matched HTTP path match as a low-cardinality route template, the value of the
// OpenTelemetry `http.route` attribute and the route part of an HTTP server span's name. Exact and
// RegularExpression matches name themselves; a PathPrefix match "/p" becomes "/p/*" ("/" becomes "/*").
// Takes a path match from the IR; gives a string. Must not: look at the request (the template names the
// rule, never the path a client sent).
import type { PathMatchIR } from "../ir/types.ts";

export function routeTemplateOf(path: PathMatchIR): string {
  if (path.type !== "PathPrefix") return path.value;
  return path.value.endsWith("/") ? `${path.value}*` : `${path.value}/*`;
}
