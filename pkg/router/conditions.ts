// conditions: compiles the non-indexed parts of one route entry (method, headers, query params, regex
// path, gRPC service/method) into one check function over a RequestView.
// Takes: HttpMatchIR / GrpcMatchIR. Gives: `EntryCheck` (true = every condition holds; spec §8/§9: the
// conditions of one match are AND'd). Must not: throw on bad patterns (an uncompilable regex makes
// its entry never match), run backtracking regexes (RE2 via re2js only, linear time).
// Dialect: RE2 syntax (github.com/google/re2/wiki/Syntax), always anchored: the pattern must match the
// WHOLE value (path, header value, query value, gRPC service or method), as with `^(?:p)$`.
// Headers and query params (spec §8): when several conditions name the same header (case-insensitive)
// or query param (case-sensitive), only the first is considered. In the request, the FIRST occurrence
// of a repeated query param counts; names and values are percent-decoded (UTF-8) before matching, "+"
// stays a literal plus; a malformed escape is matched raw. A param without "=" has the value "".
import { RE2JS } from "re2js";
import type { GrpcMatchIR, HeaderMatchIR, HttpMatchIR, QueryParamMatchIR, StringMatchType } from "../ir/types.ts";
import type { RequestView } from "./request.ts";

export type EntryCheck = (req: RequestView) => boolean;
type ValueTest = (value: string) => boolean;

const never: ValueTest = () => false;
export const alwaysTrue: EntryCheck = () => true;

/** Compiles an RE2 pattern for full-value matching; undefined when it does not compile. */
export function compileRegex(pattern: string): ValueTest | undefined {
  try {
    const re = RE2JS.compile(pattern);
    return (value) => re.testExact(value);
  } catch {
    return undefined;
  }
}

function compileValueTest(type: StringMatchType, value: string): ValueTest {
  if (type === "RegularExpression") return compileRegex(value) ?? never;
  return (v) => v === value;
}

interface NamedTest {
  readonly name: string;
  readonly test: ValueTest;
}

/** Spec §8 (HTTPHeaderMatch, HTTPQueryParamMatch): of entries with an equivalent name only the first counts. */
function firstPerName<T extends { readonly name: string }>(items: readonly T[], key: (name: string) => string): T[] {
  const seen = new Set<string>();
  return items.filter((it) => {
    const k = key(it.name);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function compileHeaders(headers: readonly HeaderMatchIR[]): NamedTest[] {
  return firstPerName(headers, (n) => n.toLowerCase()).map((h) => ({ name: h.name.toLowerCase(), test: compileValueTest(h.type, h.value) }));
}

function compileQuery(params: readonly QueryParamMatchIR[]): NamedTest[] {
  return firstPerName(params, (n) => n).map((q) => ({ name: q.name, test: compileValueTest(q.type, q.value) }));
}

function decodeComponent(s: string): string {
  if (!s.includes("%")) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

let lastQuery: string | undefined;
let lastParams: Map<string, string> = new Map();

/** First value of every query param name (decoded). Cached for the last query string seen. */
export function parseQuery(query: string): ReadonlyMap<string, string> {
  if (query === lastQuery) return lastParams;
  const params = new Map<string, string>();
  let start = 0;
  while (start <= query.length && query.length > 0) {
    let end = query.indexOf("&", start);
    if (end < 0) end = query.length;
    if (end > start) {
      const eq = query.indexOf("=", start);
      const hasValue = eq >= 0 && eq < end;
      const name = decodeComponent(query.slice(start, hasValue ? eq : end));
      if (!params.has(name)) params.set(name, hasValue ? decodeComponent(query.slice(eq + 1, end)) : "");
    }
    start = end + 1;
  }
  lastQuery = query;
  lastParams = params;
  return params;
}

function headersHold(req: RequestView, headers: readonly NamedTest[]): boolean {
  for (const h of headers) {
    const v = req.header(h.name);
    if (v === undefined || !h.test(v)) return false;
  }
  return true;
}

function queryHolds(req: RequestView, query: readonly NamedTest[]): boolean {
  const params = parseQuery(req.query);
  for (const q of query) {
    const v = params.get(q.name);
    if (v === undefined || !q.test(v)) return false;
  }
  return true;
}

/**
 * Check for an HTTP match. `checkPath` is false when the index already guarantees the path
 * (Exact/PathPrefix); true compiles the path condition into the check (RegularExpression or a
 * path value the index cannot hold).
 */
export function compileHttpCheck(match: HttpMatchIR, checkPath: boolean): EntryCheck {
  const method = match.method;
  const headers = compileHeaders(match.headers);
  const query = compileQuery(match.queryParams);
  const path = checkPath ? compilePathTest(match.path.type, match.path.value) : undefined;
  if (method === undefined && headers.length === 0 && query.length === 0 && path === undefined) return alwaysTrue;
  return (req) =>
    (method === undefined || req.method === method) &&
    (path === undefined || path(req.path)) &&
    (headers.length === 0 || headersHold(req, headers)) &&
    (query.length === 0 || queryHolds(req, query));
}

function compilePathTest(type: HttpMatchIR["path"]["type"], value: string): ValueTest {
  if (type === "RegularExpression") return compileRegex(value) ?? never;
  if (type === "Exact") return (p) => p === value;
  const prefix = value.length > 1 && value.endsWith("/") ? value.slice(0, -1) : value;
  if (prefix === "/") return (p) => p.startsWith("/");
  return (p) => p === prefix || p.startsWith(`${prefix}/`);
}

/** Splits a gRPC path "/<service>/<method>" (both non-empty); undefined for anything else. */
export function splitGrpcPath(path: string): { service: string; method: string } | undefined {
  if (!path.startsWith("/")) return undefined;
  const slash = path.indexOf("/", 1);
  if (slash <= 1 || slash === path.length - 1 || path.indexOf("/", slash + 1) >= 0) return undefined;
  return { service: path.slice(1, slash), method: path.slice(slash + 1) };
}

let lastGrpcPath: string | undefined;
let lastGrpcSplit: { service: string; method: string } | undefined;

function grpcParts(path: string): { service: string; method: string } | undefined {
  if (path !== lastGrpcPath) {
    lastGrpcPath = path;
    lastGrpcSplit = splitGrpcPath(path);
  }
  return lastGrpcSplit;
}

/**
 * Check for a gRPC match (spec §9): service and method, each optional, Exact or RE2 full match,
 * case-sensitive; headers as for HTTP. `checkMethod` false = the index already matched the method.
 */
export function compileGrpcCheck(match: GrpcMatchIR, checkMethod: boolean): EntryCheck {
  const headers = compileHeaders(match.headers);
  const m = checkMethod ? match.method : undefined;
  const service = m?.service !== undefined ? compileValueTest(m.type, m.service) : undefined;
  const method = m?.method !== undefined ? compileValueTest(m.type, m.method) : undefined;
  // A method match (even one naming neither part, which translate rejects) needs a "/<svc>/<m>" path.
  const needsMethod = m !== undefined;
  if (!needsMethod && headers.length === 0) return alwaysTrue;
  return (req) => {
    if (needsMethod) {
      const parts = grpcParts(req.path);
      if (parts === undefined) return false;
      if (service !== undefined && !service(parts.service)) return false;
      if (method !== undefined && !method(parts.method)) return false;
    }
    return headers.length === 0 || headersHold(req, headers);
  };
}
