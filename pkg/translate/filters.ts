// filters: takes the filters of a rule (or of one backendRef), gives FilterIR in listed order, plus
// the mirror clusters needed and unresolved-ref problems. Spec §10: header modifiers, redirect (port
// rules, status default 302), URLRewrite, ReplacePrefixMatch needs exactly one PathPrefix match,
// RequestRedirect+URLRewrite and repeated single-use filters ⇒ IncompatibleFilters, mirror not
// resolved ⇒ not configured + ResolvedRefs=False, CORS defaults (maxAge 5), ExtensionRef and
// ExternalAuth ⇒ an `Unsupported` filter (500, fail closed).
// Must not: decide on backendRefs+redirect (route-rules.ts does, it sees both).
import type { HeaderModifier, HTTPPathModifier, HTTPRouteFilter, HTTPCORSFilter, HTTPRequestMirrorFilter } from "../api/index.ts";
import type { FilterIR, HeaderModifierIR, HttpMatchIR, GrpcMatchIR, PathModifierIR } from "../ir/types.ts";
import type { Problem } from "./conditions.ts";
import type { BackendContext, ClusterDemand } from "./backend-refs.ts";
import { resolveBackendRef } from "./backend-refs.ts";
import { checkHostname } from "./hostnames.ts";
import { LIMITS } from "./limits.ts";
import { checkPathValue } from "./matches.ts";

const HTTP_FILTERS = ["CORS", "ExtensionRef", "ExternalAuth", "RequestHeaderModifier", "RequestMirror", "RequestRedirect", "ResponseHeaderModifier", "URLRewrite"];
const GRPC_FILTERS = ["ExtensionRef", "RequestHeaderModifier", "RequestMirror", "ResponseHeaderModifier"];
const SINGLE_USE = new Set(["CORS", "RequestHeaderModifier", "ResponseHeaderModifier", "RequestRedirect", "URLRewrite"]);
const REDIRECT_CODES = [301, 302, 303, 307, 308] as const;
const headerNameRe = /^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/;

export interface FiltersOutcome {
  readonly filters: readonly FilterIR[];
  readonly demands: readonly ClusterDemand[];
  /** Mirror refs that did not resolve (ResolvedRefs=False; the mirror is left out). */
  readonly refProblems: readonly Problem[];
  /** Filters that will answer 500 (ExtensionRef, ExternalAuth): worth a diagnostic. */
  readonly notes: readonly string[];
}

export type FiltersResult = ({ readonly ok: true } & FiltersOutcome) | { readonly ok: false; readonly problem: Problem };

function fail(reason: Problem["reason"], message: string): { ok: false; problem: Problem } {
  return { ok: false, problem: { reason, message } };
}

function headerModifier(m: HeaderModifier | undefined, at: string): HeaderModifierIR | string {
  if (m === undefined) return `${at}: filter config is missing`;
  const set = m.set ?? [];
  const add = m.add ?? [];
  const remove = m.remove ?? [];
  const seen = new Set<string>();
  for (const [list, name] of [[set, "set"], [add, "add"], [remove, "remove"]] as const) {
    if (list.length > LIMITS.headerModifierEntries) return `${at}.${name}: ${list.length} entries, over ${LIMITS.headerModifierEntries}`;
    for (const h of list) {
      const n = typeof h === "string" ? h : h?.name;
      if (typeof n !== "string" || !headerNameRe.test(n)) return `${at}.${name}: invalid header name "${String(n).slice(0, 64)}"`;
      if (typeof h !== "string" && (typeof h.value !== "string" || h.value.length > LIMITS.headerValueLength || /[\r\n\0]/.test(h.value))) {
        return `${at}.${name}: header ${n} has an invalid value`;
      }
      const lower = n.toLowerCase();
      if (seen.has(lower)) return `${at}: header ${lower} appears in more than one action (one action per header name)`;
      seen.add(lower);
    }
  }
  return {
    set: set.map((h) => ({ name: h.name, value: h.value })),
    add: add.map((h) => ({ name: h.name, value: h.value })),
    remove: [...remove],
  };
}

function pathModifier(p: HTTPPathModifier | undefined, matches: readonly (HttpMatchIR | GrpcMatchIR)[], at: string): PathModifierIR | undefined | Problem {
  if (p === undefined) return undefined;
  if (p.type === "ReplaceFullPath") {
    const v = p.replaceFullPath;
    if (v === undefined) return { reason: "UnsupportedValue", message: `${at}.path: replaceFullPath is required for type ReplaceFullPath` };
    const err = checkPathValue(v);
    return err === undefined ? { type: "ReplaceFullPath", value: v } : { reason: "UnsupportedValue", message: `${at}.path.replaceFullPath: ${err}` };
  }
  if (p.type === "ReplacePrefixMatch") {
    const v = p.replacePrefixMatch;
    if (v === undefined) return { reason: "UnsupportedValue", message: `${at}.path: replacePrefixMatch is required for type ReplacePrefixMatch` };
    // Spec §10: an empty replacement is valid (`/foo`→`` turns `/foo/bar` into `/bar`).
    const err = v === "" ? undefined : checkPathValue(v);
    if (err !== undefined) return { reason: "UnsupportedValue", message: `${at}.path.replacePrefixMatch: ${err}` };
    const only = matches.length === 1 ? matches[0] : undefined;
    if (only === undefined || only.kind !== "http" || only.path.type !== "PathPrefix") {
      return { reason: "UnsupportedValue", message: `${at}.path: ReplacePrefixMatch needs exactly one PathPrefix match in the rule` };
    }
    return { type: "ReplacePrefixMatch", value: v, prefix: only.path.value };
  }
  return { reason: "UnsupportedValue", message: `${at}.path: unsupported path modifier type "${String(p.type).slice(0, 64)}" (ReplaceFullPath, ReplacePrefixMatch)` };
}

function isProblem(x: unknown): x is Problem {
  return typeof x === "object" && x !== null && "reason" in x && "message" in x;
}

function redirect(f: HTTPRouteFilter, matches: readonly (HttpMatchIR | GrpcMatchIR)[], at: string): FilterIR | Problem {
  const r = f.requestRedirect;
  if (r === undefined) return { reason: "UnsupportedValue", message: `${at}: requestRedirect config is missing` };
  if (r.scheme !== undefined && r.scheme !== "http" && r.scheme !== "https") {
    return { reason: "UnsupportedValue", message: `${at}.scheme: unsupported scheme "${String(r.scheme).slice(0, 32)}" (http, https)` };
  }
  const statusCode = r.statusCode ?? 302;
  if (!(REDIRECT_CODES as readonly number[]).includes(statusCode)) {
    return { reason: "UnsupportedValue", message: `${at}.statusCode: unsupported status code ${statusCode} (301, 302, 303, 307, 308)` };
  }
  if (r.hostname !== undefined) {
    const err = checkHostname(r.hostname);
    if (err !== undefined || r.hostname.startsWith("*.")) return { reason: "UnsupportedValue", message: `${at}.hostname: ${err ?? "wildcards are not allowed"}` };
  }
  if (r.port !== undefined && (!Number.isInteger(r.port) || r.port < 1 || r.port > 65535)) {
    return { reason: "UnsupportedValue", message: `${at}.port: ${r.port} is not a port number` };
  }
  const path = pathModifier(r.path, matches, at);
  if (isProblem(path)) return path;
  // Spec §10 port rules: unset port + set scheme ⇒ the scheme's well-known port; both unset ⇒ keep
  // the listener/request port (left absent for the router).
  const port = r.port ?? (r.scheme === "https" ? 443 : r.scheme === "http" ? 80 : undefined);
  return {
    type: "RequestRedirect",
    statusCode: statusCode as 301 | 302 | 303 | 307 | 308,
    ...(r.scheme === undefined ? {} : { scheme: r.scheme }),
    ...(r.hostname === undefined ? {} : { hostname: r.hostname }),
    ...(port === undefined ? {} : { port }),
    ...(path === undefined ? {} : { path }),
  };
}

function rewrite(f: HTTPRouteFilter, matches: readonly (HttpMatchIR | GrpcMatchIR)[], at: string): FilterIR | Problem {
  const r = f.urlRewrite;
  if (r === undefined) return { reason: "UnsupportedValue", message: `${at}: urlRewrite config is missing` };
  if (r.hostname !== undefined) {
    const err = checkHostname(r.hostname);
    if (err !== undefined || r.hostname.startsWith("*.")) return { reason: "UnsupportedValue", message: `${at}.hostname: ${err ?? "wildcards are not allowed"}` };
  }
  const path = pathModifier(r.path, matches, at);
  if (isProblem(path)) return path;
  return { type: "URLRewrite", ...(r.hostname === undefined ? {} : { hostname: r.hostname }), ...(path === undefined ? {} : { path }) };
}

function mirrorFraction(m: HTTPRequestMirrorFilter, at: string): { numerator: number; denominator: number } | Problem {
  if (m.percent !== undefined && m.fraction !== undefined) return { reason: "UnsupportedValue", message: `${at}: percent and fraction cannot both be set` };
  if (m.percent !== undefined) {
    if (!Number.isInteger(m.percent) || m.percent < 0 || m.percent > 100) return { reason: "UnsupportedValue", message: `${at}.percent: ${m.percent} is not 0-100` };
    return { numerator: m.percent, denominator: 100 };
  }
  if (m.fraction !== undefined) {
    const d = m.fraction.denominator ?? 100;
    const n = m.fraction.numerator;
    if (!Number.isInteger(n) || !Number.isInteger(d) || d < 1 || n < 0 || n > d) {
      return { reason: "UnsupportedValue", message: `${at}.fraction: need integers 0 <= numerator <= denominator, denominator >= 1` };
    }
    return { numerator: n, denominator: d };
  }
  return { numerator: 100, denominator: 100 };
}

function cors(c: HTTPCORSFilter | undefined, at: string): FilterIR | Problem {
  if (c === undefined) return { reason: "UnsupportedValue", message: `${at}: cors config is missing` };
  const origins = c.allowOrigins ?? [];
  if (origins.includes("*") && origins.length > 1) return { reason: "UnsupportedValue", message: `${at}.allowOrigins: "*" cannot be combined with other origins` };
  for (const o of origins) {
    if (o !== "*" && !/^(https?):\/\/(\*\.)?[A-Za-z0-9*.-]+(:[0-9]{1,5})?$/.test(o)) {
      return { reason: "UnsupportedValue", message: `${at}.allowOrigins: "${o.slice(0, 64)}" is not scheme://host[:port]` };
    }
  }
  const methods = c.allowMethods ?? [];
  if (methods.includes("*") && methods.length > 1) return { reason: "UnsupportedValue", message: `${at}.allowMethods: "*" cannot be combined with other methods` };
  if (methods.length > 9) return { reason: "UnsupportedValue", message: `${at}.allowMethods: ${methods.length} methods, over the limit of 9` };
  for (const [field, list] of [["allowMethods", methods], ["allowHeaders", c.allowHeaders ?? []], ["exposeHeaders", c.exposeHeaders ?? []]] as const) {
    if (list.length > 64) return { reason: "UnsupportedValue", message: `${at}.${field}: ${list.length} entries, over the limit of 64` };
    for (const v of list) {
      if (typeof v !== "string" || (v !== "*" && !headerNameRe.test(v))) return { reason: "UnsupportedValue", message: `${at}.${field}: "${String(v).slice(0, 64)}" is not a token or "*"` };
    }
  }
  if (origins.length > 64) return { reason: "UnsupportedValue", message: `${at}.allowOrigins: ${origins.length} entries, over the limit of 64` };
  const maxAge = c.maxAge ?? 5;
  if (!Number.isInteger(maxAge) || maxAge < 1) return { reason: "UnsupportedValue", message: `${at}.maxAge: ${maxAge} is not a positive integer` };
  return {
    type: "CORS",
    allowOrigins: [...origins],
    allowMethods: [...methods],
    allowHeaders: [...(c.allowHeaders ?? [])],
    exposeHeaders: [...(c.exposeHeaders ?? [])],
    allowCredentials: c.allowCredentials === true,
    maxAgeSeconds: maxAge,
  };
}

export function compileFilters(
  filters: readonly HTTPRouteFilter[] | undefined,
  matches: readonly (HttpMatchIR | GrpcMatchIR)[],
  ctx: BackendContext,
  where: string,
): FiltersResult {
  const src = filters ?? [];
  if (src.length > LIMITS.filters) return fail("UnsupportedValue", `${where}: ${src.length} filters, over the limit of ${LIMITS.filters}`);
  const known = ctx.routeKind === "GRPCRoute" ? GRPC_FILTERS : HTTP_FILTERS;
  const out: FilterIR[] = [];
  const demands: ClusterDemand[] = [];
  const refProblems: Problem[] = [];
  const notes: string[] = [];
  const counts = new Map<string, number>();
  for (const [i, f] of src.entries()) {
    const at = `${where}.filters[${i}]`;
    if (!known.includes(f.type)) return fail("UnsupportedValue", `${at}: unsupported filter type "${String(f.type).slice(0, 64)}" for ${ctx.routeKind} (${known.join(", ")})`);
    const n = (counts.get(f.type) ?? 0) + 1;
    counts.set(f.type, n);
    if (n > 1 && SINGLE_USE.has(f.type)) return fail("IncompatibleFilters", `${at}: ${f.type} may appear at most once per rule`);
    let r: FilterIR | Problem | undefined;
    switch (f.type) {
      case "RequestHeaderModifier":
      case "ResponseHeaderModifier": {
        const m = headerModifier(f.type === "RequestHeaderModifier" ? f.requestHeaderModifier : f.responseHeaderModifier, at);
        r = typeof m === "string" ? { reason: "UnsupportedValue", message: m } : { type: f.type, ...m };
        break;
      }
      case "RequestRedirect":
        r = redirect(f, matches, at);
        break;
      case "URLRewrite":
        r = rewrite(f, matches, at);
        break;
      case "CORS":
        r = cors(f.cors, at);
        break;
      case "RequestMirror": {
        const m = f.requestMirror;
        if (m === undefined) return fail("UnsupportedValue", `${at}: requestMirror config is missing`);
        const frac = mirrorFraction(m, at);
        if (isProblem(frac)) return { ok: false, problem: frac };
        const res = resolveBackendRef(m.backendRef, ctx, `${at} (RequestMirror) backendRef`);
        if (!res.ok) {
          refProblems.push({ reason: res.reason, message: `${res.message}; mirror not configured` });
          r = undefined;
        } else {
          demands.push(res.demand);
          r = { type: "RequestMirror", cluster: res.demand.id, numerator: frac.numerator, denominator: frac.denominator };
        }
        break;
      }
      case "ExtensionRef": {
        const e = f.extensionRef;
        const what = e === undefined ? "ExtensionRef without extensionRef" : `ExtensionRef ${e.group}/${e.kind}/${e.name}`;
        notes.push(`${at}: ${what} is not supported; requests hitting it get 500`);
        r = { type: "Unsupported", status: 500, reason: `${what} is not supported by Weft` };
        break;
      }
      default: // ExternalAuth: experimental, unsupported; fail closed.
        notes.push(`${at}: ExternalAuth is not supported; requests hitting it get 500 (fail closed)`);
        r = { type: "Unsupported", status: 500, reason: "ExternalAuth is not supported by Weft" };
    }
    if (r === undefined) continue;
    if (isProblem(r)) return { ok: false, problem: r };
    out.push(r);
  }
  if ((counts.get("RequestRedirect") ?? 0) > 0 && (counts.get("URLRewrite") ?? 0) > 0) {
    return fail("IncompatibleFilters", `${where}: RequestRedirect and URLRewrite cannot be combined`);
  }
  return { ok: true, filters: out, demands, refProblems, notes };
}
