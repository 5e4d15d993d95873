// request-plan: the front half of the stack for one request: path hygiene, route resolution (listener
// routes per Host on gateways, or the connection's routes), route match (spec §8/§9; none ⇒ 404 /
// UNIMPLEMENTED), rule filters in listed order (spec §10), weighted backend choice (invalid share ⇒ 500 /
// UNAVAILABLE, spec §3) and backend-level filters. Takes the downstream and context; gives either a
// Plan (where and what to forward) or a direct answer (redirect, CORS preflight). Throws
// ProxyFailureError for every refusal. Must not: do upstream I/O.
import type { OutgoingHttpHeaders } from "node:http";
import type { BackendIR, ClusterIR, FilterIR, HeaderModifierIR, RouteEntryIR, RuleIR, SessionPersistenceIR } from "../../ir/types.ts";
import type { RequestView } from "../../router/index.ts";
import { marksConnectionErrors } from "./connection-error-mark.ts";
import { corsResponseHeaders, isPreflight, preflightAnswer } from "./cors.ts";
import type { Downstream } from "../downstream.ts";
import type { EngineState, RouteContext } from "../engine-types.ts";
import { applyHeaderModifier } from "./filters-headers.ts";
import { forwardRequestHeaders, hasDuplicateHost, hasUnderscoredName, headerCount, normalizePath, routingHost, splitTarget } from "./hygiene.ts";
import type { Limits } from "../limits.ts";
import { redirectLocation } from "./redirect.ts";
import { failure, ProxyFailureError } from "../rescue.ts";
import { applyPathModifier, matchRoute, pickBackend, type RouteMatch } from "../router-bridge.ts";
import { pinnedBackend, readPin, type SessionPin } from "./session-persistence.ts";

type MirrorFilter = Extract<FilterIR, { type: "RequestMirror" }>;

export interface Plan {
  readonly kind: "forward";
  readonly grpc: boolean;
  readonly method: string;
  path: string;
  readonly query: string;
  authority: string;
  readonly headers: OutgoingHttpHeaders;
  /** Upstream cluster, or undefined when forwarding to the local app port. */
  readonly cluster: ClusterIR | undefined;
  readonly localAppPort: number | undefined;
  readonly rule: RuleIR | undefined;
  /** The route table entry that matched (its match names the route for traces); undefined without routes. */
  readonly entry: RouteEntryIR | undefined;
  readonly responseModifiers: HeaderModifierIR[];
  corsHeaders: OutgoingHttpHeaders | undefined;
  readonly mirrors: MirrorFilter[];
  /** Rule session persistence and the pin the request carried (when it names one of the rule's backends). */
  readonly session: { readonly sp: SessionPersistenceIR; readonly pin: SessionPin | undefined } | undefined;
  /** Headers the stack adds to the upstream answer (session token). */
  extraResponseHeaders: OutgoingHttpHeaders | undefined;
  /** Inbound sidecar serving a mesh peer: connection errors to the app are marked, never replayed here. */
  readonly marksConnectionErrors: boolean;
}

export interface DirectAnswer {
  readonly kind: "answer";
  readonly status: number;
  readonly headers: OutgoingHttpHeaders;
  /** The rule whose filter answered (redirect, CORS preflight) and the entry that matched, for telemetry. */
  readonly rule?: RuleIR;
  readonly entry?: RouteEntryIR;
}

/** Header carrying the mTLS-verified SPIFFE id of the calling workload to the app (sidecar inbound). */
export const peerIdentityHeader = "x-weft-peer-identity";

/** RFC 3986 authority without userinfo: reg-name / IP-literal characters and an optional port. */
const authorityRe = /^[A-Za-z0-9._~%!$&'()*+,;=:[\]-]{0,255}$/;

export function isGrpcRequest(contentType: string | string[] | undefined): boolean {
  return typeof contentType === "string" && contentType.startsWith("application/grpc");
}

function firstHeader(down: Downstream, dropUnderscored: boolean): (name: string) => string | undefined {
  const h = down.headers;
  return (name) => {
    // A field the proxy drops is not there for routing either.
    if (dropUnderscored && name.includes("_")) return undefined;
    const v = h[name];
    // Own fields only: a header object's inherited members (e.g. "constructor") are never strings.
    return typeof v === "string" ? v : Array.isArray(v) ? v[0] : undefined;
  };
}

export function planRequest(down: Downstream, ctx: RouteContext, state: EngineState | undefined, limits: Limits, random: () => number): Plan | DirectAnswer {
  if (headerCount(down.rawHeaders) > limits.maxHeaderCount) throw failure("headers_too_large", "too many request headers");
  if (!down.h2 && hasDuplicateHost(down.rawHeaders)) throw failure("bad_request", "more than one Host header");
  const underscores = limits.headersWithUnderscores;
  if (underscores === "reject" && hasUnderscoredName(down.rawHeaders)) throw failure("bad_request", "header name with an underscore");
  const h = down.headers;
  const grpc = isGrpcRequest(h["content-type"]);
  const target = splitTarget(down.target);
  if (target === undefined) throw failure("bad_path", "bad request target");
  const path = normalizePath(target.path);
  if (path === undefined) throw failure("bad_path", "path escapes the root or hides a dot segment");
  if (limits.maxBodyBytes !== undefined) {
    const cl = Number(h["content-length"] ?? 0);
    if (cl > limits.maxBodyBytes) throw failure("body_too_large", "request body too large");
  }
  const authority = target.authority ?? (down.h2 ? (h[":authority"] as string | undefined) ?? h.host : h.host) ?? "";
  if (!authorityRe.test(authority)) throw failure("bad_request", "malformed Host");
  const host = routingHost(authority);
  // The verified mesh peer identity reaches the app only from the inbound sidecar; a client-sent copy
  // is always dropped so it cannot be spoofed.
  const headers = forwardRequestHeaders(h, {
    remoteAddress: down.remoteAddress, appendForwardedFor: ctx.face !== "sidecar-outbound", scheme: ctx.scheme,
    dropField: peerIdentityHeader, dropUnderscored: underscores === "drop",
  });
  if (ctx.face === "sidecar-inbound" && ctx.peerIdentity !== undefined) headers[peerIdentityHeader] = ctx.peerIdentity;

  let routes = ctx.routes;
  if (ctx.resolveRoutes !== undefined) {
    const r = ctx.resolveRoutes(host);
    if (r.kind === "none") throw failure("no_listener", "no listener for this host");
    if (r.kind === "misdirected") throw failure("misdirected", "misdirected request");
    routes = r.routes;
  }
  if (state === undefined) throw failure("draining", "no configuration in force");

  const plan: Plan = {
    kind: "forward", grpc, method: down.method, path, query: target.query, authority, headers,
    cluster: undefined, localAppPort: undefined, rule: undefined, entry: undefined, responseModifiers: [], corsHeaders: undefined, mirrors: [],
    session: undefined, extraResponseHeaders: undefined, marksConnectionErrors: marksConnectionErrors(ctx),
  };
  if (routes === undefined) {
    if (ctx.localAppPort !== undefined) {
      const cluster = ctx.defaultCluster !== undefined ? state.clusters.get(ctx.defaultCluster) : undefined;
      return { ...plan, cluster, localAppPort: ctx.localAppPort };
    }
    if (ctx.defaultCluster === undefined) throw failure("no_route", "no route");
    const cluster = state.clusters.get(ctx.defaultCluster);
    if (cluster === undefined) throw failure("unknown_cluster", "unknown cluster");
    return { ...plan, cluster };
  }

  const view: RequestView = { method: down.method, path, query: target.query, host, header: firstHeader(down, underscores === "drop"), grpc };
  const match = matchRoute(routes, view);
  if (match === undefined) throw failure("no_route", "no matching route");
  try {
    return planMatched(match, plan, down, ctx, state, host, random);
  } catch (e) {
    // A refusal after routing still names its route (metrics, access log, span).
    if (e instanceof ProxyFailureError) e.route = { rule: match.rule, entry: match.entry };
    throw e;
  }
}

/** The rest of the plan once `match` chose a rule: filters, backend choice, backend filters. */
function planMatched(match: RouteMatch, plan: Plan, down: Downstream, ctx: RouteContext, state: EngineState, host: string, random: () => number): Plan | DirectAnswer {
  const h = down.headers;
  const rule = match.rule;

  const answer = applyFilters(rule.filters, plan, down, ctx, host);
  if (answer !== undefined) return { ...answer, rule, entry: match.entry };

  if (rule.backends.length === 0) throw failure("no_backends", "route rule has no backends");
  // Session persistence overrides weights, even towards weight-0 backends (spec §13).
  const sp = rule.sessionPersistence;
  let pin = sp === undefined ? undefined : readPin(sp, h, Date.now());
  const pinned: BackendIR | undefined = pin === undefined ? undefined : pinnedBackend(rule.backends, pin);
  if (pinned === undefined) pin = undefined;
  const backend = pinned ?? pickBackend(rule.backends, random);
  if (backend === undefined) throw failure("no_backends", "route rule has no backends with weight");
  if (backend.kind === "invalid") throw failure("invalid_backend", `invalid backend: ${backend.reason}`);
  const backendAnswer = applyFilters(backend.filters, plan, down, ctx, host);
  if (backendAnswer !== undefined) return { ...backendAnswer, rule, entry: match.entry };
  const cluster = state.clusters.get(backend.cluster);
  if (cluster === undefined) throw failure("unknown_cluster", "backend cluster unknown");
  return { ...plan, cluster, rule, entry: match.entry, session: sp === undefined ? undefined : { sp, pin } };
}

function applyFilters(filters: readonly FilterIR[], plan: Plan, down: Downstream, ctx: RouteContext, host: string): DirectAnswer | undefined {
  for (const f of filters) {
    switch (f.type) {
      case "RequestHeaderModifier":
        applyHeaderModifier(plan.headers, f);
        break;
      case "ResponseHeaderModifier":
        plan.responseModifiers.push(f);
        break;
      case "RequestRedirect": {
        const r = redirectLocation(f, { scheme: ctx.scheme, host, path: plan.path, query: plan.query, listenerPort: ctx.destinationPort });
        return { kind: "answer", status: r.status, headers: { location: r.location, "content-length": 0 } };
      }
      case "URLRewrite":
        if (f.hostname !== undefined) plan.authority = f.hostname;
        if (f.path !== undefined) plan.path = applyPathModifier(plan.path, f.path);
        break;
      case "RequestMirror":
        plan.mirrors.push(f);
        break;
      case "CORS":
        if (isPreflight(down.method, down.headers)) {
          const a = preflightAnswer(f, down.headers);
          return { kind: "answer", status: a.status, headers: a.headers };
        }
        plan.corsHeaders = corsResponseHeaders(f, down.headers);
        break;
      case "Unsupported":
        throw failure("unsupported_filter", "route filter not supported", f.status);
    }
  }
  return undefined;
}
