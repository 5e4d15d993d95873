// matches: takes HTTPRoute / GRPCRoute rule matches, gives normalised HttpMatchIR / GrpcMatchIR or
// a Problem (UnsupportedValue). Spec §8: no matches ⇒ PathPrefix "/"; header names lower-cased,
// first duplicate wins; query names exact; PathPrefix trailing "/" dropped; path value rules; enum
// values checked. Spec §9: gRPC service/method charset, at least one of them; no matches ⇒ any.
// Must not: compile regexes for matching (router does); it only validates them (regex.ts).
import type { GRPCRouteMatch, HTTPQueryParamMatch, HTTPRouteMatch, NameValueMatch } from "../api/index.ts";
import type { GrpcMatchIR, HeaderMatchIR, HttpMatchIR, PathMatchIR, QueryParamMatchIR, StringMatchType } from "../ir/types.ts";
import type { Problem } from "./conditions.ts";
import { LIMITS } from "./limits.ts";
import { checkRegex } from "./regex.ts";

export const HTTP_METHODS = ["CONNECT", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "TRACE"] as const;
const headerNameRe = /^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/;
const grpcServiceRe = /^\.?[A-Za-z_][A-Za-z_0-9]*(\.[A-Za-z_][A-Za-z_0-9]*)*$/;
const grpcMethodRe = /^[A-Za-z_][A-Za-z_0-9]*$/;

export type MatchesResult<T> = { readonly ok: true; readonly matches: readonly T[] } | { readonly ok: false; readonly problem: Problem };

function bad(message: string): { ok: false; problem: Problem } {
  return { ok: false, problem: { reason: "UnsupportedValue", message } };
}

/** Spec §8 validation list for Exact/PathPrefix values; undefined when fine. */
export function checkPathValue(value: string): string | undefined {
  if (value.length > LIMITS.pathLength) return `path is ${value.length} characters, over ${LIMITS.pathLength}`;
  if (!value.startsWith("/")) return `path "${value.slice(0, 64)}" must start with "/"`;
  for (const bad of ["//", "/./", "/../", "%2f", "%2F", "#"]) {
    if (value.includes(bad)) return `path "${value.slice(0, 64)}" must not contain "${bad}"`;
  }
  if (value.endsWith("/.") || value.endsWith("/..")) return `path "${value.slice(0, 64)}" must not end with "/." or "/.."`;
  return undefined;
}

export function normalisePrefix(value: string): string {
  let v = value;
  while (v.length > 1 && v.endsWith("/")) v = v.slice(0, -1);
  return v;
}

/** The match type, or a problem message. */
function stringMatchType(type: string | undefined, where: string): StringMatchType | { readonly problem: string } {
  const t = type ?? "Exact";
  if (t === "Exact" || t === "RegularExpression") return t;
  return { problem: `${where}: unsupported match type "${String(t).slice(0, 64)}" (Exact, RegularExpression)` };
}

function compileHeaders(list: readonly NameValueMatch[] | undefined, where: string): HeaderMatchIR[] | string {
  const src = list ?? [];
  if (src.length > LIMITS.headerMatches) return `${where}: ${src.length} header matches, over the limit of ${LIMITS.headerMatches}`;
  const out: HeaderMatchIR[] = [];
  const seen = new Set<string>();
  for (const [i, h] of src.entries()) {
    const at = `${where}.headers[${i}]`;
    const type = stringMatchType(h.type, at);
    if (typeof type !== "string") return type.problem;
    if (typeof h.name !== "string" || !headerNameRe.test(h.name)) return `${at}: invalid header name "${String(h.name).slice(0, 64)}"`;
    if (typeof h.value !== "string" || h.value.length > LIMITS.headerValueLength) return `${at}: header value missing or over ${LIMITS.headerValueLength} characters`;
    if (type === "RegularExpression") {
      const err = checkRegex(h.value);
      if (err !== undefined) return `${at}: ${err}`;
    }
    const name = h.name.toLowerCase();
    if (seen.has(name)) continue; // spec §8: first entry wins among duplicate names
    seen.add(name);
    out.push({ type, name, value: h.value });
  }
  return out;
}

function compileQuery(list: readonly HTTPQueryParamMatch[] | undefined, where: string): QueryParamMatchIR[] | string {
  const src = list ?? [];
  if (src.length > LIMITS.queryParamMatches) return `${where}: ${src.length} query param matches, over the limit of ${LIMITS.queryParamMatches}`;
  const out: QueryParamMatchIR[] = [];
  const seen = new Set<string>();
  for (const [i, q] of src.entries()) {
    const at = `${where}.queryParams[${i}]`;
    const type = stringMatchType(q.type, at);
    if (typeof type !== "string") return type.problem;
    if (typeof q.name !== "string" || q.name.length === 0 || q.name.length > 256) return `${at}: query param name must be 1-256 characters`;
    if (typeof q.value !== "string" || q.value.length > LIMITS.headerValueLength) return `${at}: value missing or over ${LIMITS.headerValueLength} characters`;
    if (type === "RegularExpression") {
      const err = checkRegex(q.value);
      if (err !== undefined) return `${at}: ${err}`;
    }
    if (seen.has(q.name)) continue;
    seen.add(q.name);
    out.push({ type, name: q.name, value: q.value });
  }
  return out;
}

function compilePath(m: HTTPRouteMatch, where: string): PathMatchIR | string {
  const type = m.path?.type ?? "PathPrefix";
  const value = m.path?.value ?? "/";
  if (typeof value !== "string") return `${where}.path.value must be a string`;
  if (type === "RegularExpression") {
    const err = checkRegex(value);
    return err === undefined ? { type, value } : `${where}.path: ${err}`;
  }
  if (type !== "Exact" && type !== "PathPrefix") return `${where}.path: unsupported path match type "${String(type).slice(0, 64)}" (Exact, PathPrefix, RegularExpression)`;
  const err = checkPathValue(value);
  if (err !== undefined) return `${where}.path: ${err}`;
  return { type, value: type === "PathPrefix" ? normalisePrefix(value) : value };
}

/** A rule's matches one by one (none given: the one match-all `none`), within the per-rule limit; the first problem wins. */
function compileEach<M, T>(matches: readonly M[] | undefined, none: M, where: string, compileOne: (m: M, at: string) => T | string): MatchesResult<T> {
  const src = matches === undefined || matches.length === 0 ? [none] : matches;
  if (src.length > LIMITS.matchesPerRule) return bad(`${where}: ${src.length} matches, over the limit of ${LIMITS.matchesPerRule}`);
  const out: T[] = [];
  for (const [i, m] of src.entries()) {
    const compiled = compileOne(m, `${where}.matches[${i}]`);
    if (typeof compiled === "string") return bad(compiled);
    out.push(compiled);
  }
  return { ok: true, matches: out };
}

export function compileHttpMatches(matches: readonly HTTPRouteMatch[] | undefined, where: string): MatchesResult<HttpMatchIR> {
  return compileEach<HTTPRouteMatch, HttpMatchIR>(matches, {}, where, (m, at) => {
    const path = compilePath(m, at);
    if (typeof path === "string") return path;
    const headers = compileHeaders(m.headers, at);
    if (typeof headers === "string") return headers;
    const queryParams = compileQuery(m.queryParams, at);
    if (typeof queryParams === "string") return queryParams;
    if (m.method !== undefined && !(HTTP_METHODS as readonly string[]).includes(m.method)) {
      return `${at}.method: unsupported method "${String(m.method).slice(0, 32)}" (${HTTP_METHODS.join(", ")})`;
    }
    return m.method === undefined ? { kind: "http", path, headers, queryParams } : { kind: "http", path, headers, queryParams, method: m.method };
  });
}

function compileGrpcMethod(m: GRPCRouteMatch, at: string): GrpcMatchIR["method"] | string | null {
  if (m.method === undefined) return null;
  const type = stringMatchType(m.method.type, `${at}.method`);
  if (typeof type !== "string") return type.problem;
  const { service, method } = m.method;
  if ((service === undefined || service === "") && (method === undefined || method === "")) return `${at}.method: one of service or method is required`;
  for (const [field, v, re] of [["service", service, grpcServiceRe], ["method", method, grpcMethodRe]] as const) {
    if (v === undefined || v === "") continue;
    if (v.length > LIMITS.pathLength) return `${at}.method.${field}: over ${LIMITS.pathLength} characters`;
    if (type === "Exact" && !re.test(v)) return `${at}.method.${field}: "${v.slice(0, 64)}" is not a valid gRPC ${field} name`;
    if (type === "RegularExpression") {
      const err = checkRegex(v);
      if (err !== undefined) return `${at}.method.${field}: ${err}`;
    }
  }
  return {
    type,
    ...(service !== undefined && service !== "" ? { service } : {}),
    ...(method !== undefined && method !== "" ? { method } : {}),
  };
}

export function compileGrpcMatches(matches: readonly GRPCRouteMatch[] | undefined, where: string): MatchesResult<GrpcMatchIR> {
  return compileEach<GRPCRouteMatch, GrpcMatchIR>(matches, {}, where, (m, at) => {
    const method = compileGrpcMethod(m, at);
    if (typeof method === "string") return method;
    const headers = compileHeaders(m.headers, at);
    if (typeof headers === "string") return headers;
    return method === null || method === undefined ? { kind: "grpc", headers } : { kind: "grpc", method, headers };
  });
}
