// filters-layer: a rule's (or a backend's) filters on the request side, in listed order (spec §10):
// RequestHeaderModifier and URLRewrite edit the upstream request, RequestRedirect and a CORS preflight
// answer it here (`req.answer`, sent by the caller; the rest of the stack never runs), CORS on an actual request sets the headers its answer
// gets, an Unsupported filter refuses with its status. The answer-side filters are composed elsewhere:
// ResponseHeaderModifier into the relay (relay-layer.ts), RequestMirror into the mirror layer. Composed
// when config is compiled: filters with nothing to do per request cost nothing.
// Takes the filters and the next Decide; gives a Decide. Must not: do I/O.
import type { OutgoingHttpHeaders } from "node:http";
import type { FilterIR } from "../../ir/types.ts";
import { failure } from "../rescue.ts";
import { applyPathModifier } from "../router-bridge.ts";
import { corsResponseHeaders, isPreflight, preflightAnswer } from "./cors.ts";
import { applyHeaderModifier } from "./filters-headers.ts";
import { redirectLocation } from "./redirect.ts";
import type { Decide, ProxyRequest } from "./request.ts";

/** One filter's work on one request: an answer to send instead of forwarding, or undefined to go on. */
type Step = (req: ProxyRequest) => { readonly status: number; readonly headers: OutgoingHttpHeaders } | undefined;

function stepOf(f: FilterIR): Step | undefined {
  switch (f.type) {
    case "RequestHeaderModifier":
      return (req) => {
        applyHeaderModifier(req.headers, f);
        return undefined;
      };
    case "URLRewrite":
      return (req) => {
        if (f.hostname !== undefined) req.authority = f.hostname;
        if (f.path !== undefined) req.path = applyPathModifier(req.path, f.path);
        return undefined;
      };
    case "RequestRedirect":
      return (req) => {
        const r = redirectLocation(f, { scheme: req.ctx.scheme, host: req.host, path: req.path, query: req.query, listenerPort: req.ctx.destinationPort });
        return { status: r.status, headers: { location: r.location, "content-length": 0 } };
      };
    case "CORS":
      return (req) => {
        const h = req.down.headers;
        if (isPreflight(req.down.method, h)) return preflightAnswer(f, h);
        req.corsHeaders = corsResponseHeaders(f, h);
        return undefined;
      };
    case "Unsupported":
      return () => {
        throw failure("unsupported_filter", "route filter not supported", f.status);
      };
    case "ResponseHeaderModifier":
    case "RequestMirror":
      return undefined;
  }
}

/** The layer: `filters`' request-side steps in order, then `next` — unless a step answered. */
export function filtersLayer(filters: readonly FilterIR[], next: Decide): Decide {
  const steps = filters.map(stepOf).filter((s): s is Step => s !== undefined);
  if (steps.length === 0) return next;
  return (req) => {
    for (const step of steps) {
      const answer = step(req);
      if (answer !== undefined) {
        req.answer = answer;
        return undefined;
      }
    }
    return next(req);
  };
}

/** ResponseHeaderModifier filters of `filters`, in order (applied to the answer by the relay). */
export function responseModifiersOf(filters: readonly FilterIR[]): Extract<FilterIR, { type: "ResponseHeaderModifier" }>[] {
  return filters.filter((f): f is Extract<FilterIR, { type: "ResponseHeaderModifier" }> => f.type === "ResponseHeaderModifier");
}

/** RequestMirror filters of `filters`, in order. */
export function mirrorsOf(filters: readonly FilterIR[]): Extract<FilterIR, { type: "RequestMirror" }>[] {
  return filters.filter((f): f is Extract<FilterIR, { type: "RequestMirror" }> => f.type === "RequestMirror");
}
