// admit: the boundary a request crosses before any routing — header count and duplicate Host (RFC 9112
// §3.2), header names with "_" (Limits.headersWithUnderscores), the request target (origin- or
// absolute-form, dot segments resolved, one climbing above the root or hidden behind an encoded slash
// refused), a declared body over the limit, a malformed Host — and the upstream headers (hop-by-hop
// dropped, x-forwarded-*, x-request-id; the verified mesh peer identity set only by the inbound sidecar,
// a client-sent copy always dropped). Takes the downstream, its context and the config in force; gives
// the ProxyRequest the stack runs on. Throws ProxyFailureError for every refusal.
// Must not: route, or read a body.
import type { Downstream } from "../downstream.ts";
import type { EngineState, RouteContext } from "../engine-types.ts";
import type { Limits } from "../limits.ts";
import { failure } from "../rescue.ts";
import type { SpanHandle } from "../../telemetry/index.ts";
import { marksConnectionErrors } from "./connection-error-mark.ts";
import { forwardRequestHeaders, hasDuplicateHost, hasUnderscoredName, headerCount, normalizePath, routingHost, splitTarget } from "./hygiene.ts";
import { ProxyRequest } from "./request.ts";

/** Header carrying the mTLS-verified SPIFFE id of the calling workload to the app (sidecar inbound). */
export const peerIdentityHeader = "x-weft-peer-identity";

/** RFC 3986 authority without userinfo: reg-name / IP-literal characters and an optional port. */
const authorityRe = /^[A-Za-z0-9._~%!$&'()*+,;=:[\]-]{0,255}$/;

/** The last authority that passed authorityRe: requests come in runs with the same Host. */
let lastGoodAuthority: string | undefined;

export function isGrpcRequest(contentType: string | string[] | undefined): boolean {
  return typeof contentType === "string" && contentType.startsWith("application/grpc");
}

export function admitRequest(down: Downstream, ctx: RouteContext, state: EngineState | undefined, limits: Limits, span: SpanHandle | undefined): ProxyRequest {
  if (headerCount(down.rawHeaders) > limits.maxHeaderCount) throw failure("headers_too_large", "too many request headers");
  if (!down.h2 && hasDuplicateHost(down.rawHeaders)) throw failure("bad_request", "more than one Host header");
  const underscores = limits.headersWithUnderscores;
  if (underscores === "reject" && hasUnderscoredName(down.rawHeaders)) throw failure("bad_request", "header name with an underscore");
  const h = down.headers;
  const target = splitTarget(down.target);
  if (target === undefined) throw failure("bad_path", "bad request target");
  const path = normalizePath(target.path);
  if (path === undefined) throw failure("bad_path", "path escapes the root or hides a dot segment");
  if (limits.maxBodyBytes !== undefined) {
    const cl = Number(h["content-length"] ?? 0);
    if (cl > limits.maxBodyBytes) throw failure("body_too_large", "request body too large");
  }
  const authority = target.authority ?? (down.h2 ? (h[":authority"] as string | undefined) ?? h.host : h.host) ?? "";
  if (authority !== lastGoodAuthority) {
    if (!authorityRe.test(authority)) throw failure("bad_request", "malformed Host");
    lastGoodAuthority = authority;
  }
  // x-forwarded-for: one entry per hop; a sidecar's outbound face adds none (its peer is its own pod's app).
  const headers = forwardRequestHeaders(h, {
    remoteAddress: down.remoteAddress,
    appendForwardedFor: ctx.face !== "sidecar-outbound",
    scheme: ctx.scheme,
    dropField: peerIdentityHeader,
    dropUnderscored: underscores === "drop",
  });
  if (ctx.face === "sidecar-inbound" && ctx.peerIdentity !== undefined) headers[peerIdentityHeader] = ctx.peerIdentity;
  return new ProxyRequest(down, ctx, state, isGrpcRequest(h["content-type"]), span, marksConnectionErrors(ctx), routingHost(authority), down.method, path, target.query, authority, headers);
}
