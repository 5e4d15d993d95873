// compile-routes: RouteTablesIR → CompiledRoutes, and the per-request match over it.
// Takes: route tables PRE-SORTED by precedence (translate applies spec §7/§8/§9 order). Gives: the
// first entry, in table order, whose hostnames, path/method, headers and query params all hold —
// exactly what a linear scan would return, found through indexes instead of a scan:
//   host group (exact host map, wildcard-suffix map, hostname-less group) → path/method index →
//   sorted candidate lists → k-way merge by precedence index → first entry whose check holds.
// A gRPC request tries the grpc table first, then the http table; other requests only http.
// Must not: reorder entries, throw on malformed IR (such entries never match), keep per-request state.
import type { RouteEntryIR, RouteTableIR, RouteTablesIR, RuleIR } from "../ir/types.ts";
import type { RequestView } from "./request.ts";
import { exactHeadersOf } from "./candidate-bucket.ts";
import { alwaysTrue, compileGrpcCheck, compileHttpCheck, type EntryCheck } from "./conditions.ts";
import { normalizeHostname, wildcardKeysFor } from "./hostname.ts";
import { indexedMethodOf, MethodIndex } from "./method-index.ts";
import { indexedPathOf, PathIndex, type CandidateIndex } from "./path-index.ts";

export interface RouteMatch {
  readonly table: "http" | "grpc";
  readonly rule: RuleIR;
  readonly entry: RouteEntryIR;
}

interface CompiledTable {
  readonly kind: "http" | "grpc";
  readonly size: number;
  /** Index of an entry → its result (undefined: malformed entry, never matches). */
  readonly results: readonly (RouteMatch | undefined)[];
  readonly checks: readonly EntryCheck[];
  readonly anyHost: CandidateIndex | undefined;
  readonly exactHosts: ReadonlyMap<string, CandidateIndex>;
  readonly wildcardHosts: ReadonlyMap<string, CandidateIndex>;
}

/** The compiled form of RouteTablesIR; opaque to callers (use matchRoute). */
export interface CompiledRoutes {
  readonly __compiled: "routes";
  readonly http: CompiledTable;
  readonly grpc: CompiledTable;
  /** The tables this was compiled from (for config dumps and explain). */
  readonly source: RouteTablesIR;
}

const emptyTable: RouteTableIR = { kind: "http", entries: [], rules: [] };

function compileTable(table: RouteTableIR | undefined, kind: "http" | "grpc"): CompiledTable {
  const src = table ?? { ...emptyTable, kind };
  const entries = Array.isArray(src.entries) ? src.entries : [];
  const rules = Array.isArray(src.rules) ? src.rules : [];
  const results: (RouteMatch | undefined)[] = [];
  const checks: EntryCheck[] = [];
  const exactHosts = new Map<string, CandidateIndex>();
  const wildcardHosts = new Map<string, CandidateIndex>();
  let anyHost: PathIndex | MethodIndex | undefined;
  const newIndex = (): PathIndex | MethodIndex => (kind === "http" ? new PathIndex() : new MethodIndex());
  const groupFor = (map: Map<string, CandidateIndex>, key: string): PathIndex | MethodIndex => {
    let g = map.get(key) as PathIndex | MethodIndex | undefined;
    if (g === undefined) {
      g = newIndex();
      map.set(key, g);
    }
    return g;
  };
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i];
    const rule = entry === undefined ? undefined : rules[entry.rule];
    if (entry === undefined || rule === undefined || entry.match?.kind !== kind) {
      results.push(undefined);
      checks.push(alwaysTrue);
      continue;
    }
    results.push({ table: kind, rule, entry });
    const headers = exactHeadersOf(entry.match.headers ?? []);
    const add = (index: PathIndex | MethodIndex): void => {
      if (entry.match.kind === "http" && index instanceof PathIndex) index.add(i, indexedPathOf(entry.match.path.type, entry.match.path.value), headers);
      else if (entry.match.kind === "grpc" && index instanceof MethodIndex) index.add(i, indexedMethodOf(entry.match.method), headers);
    };
    if (entry.match.kind === "http") {
      const indexed = indexedPathOf(entry.match.path.type, entry.match.path.value);
      checks.push(compileHttpCheck(entry.match, entry.match.path.type === "RegularExpression" || indexed.type === "Other"));
    } else {
      checks.push(compileGrpcCheck(entry.match, indexedMethodOf(entry.match.method).by === "always"));
    }
    const hostnames = new Set<string>();
    for (const h of entry.hostnames ?? []) hostnames.add(normalizeHostname(h));
    if (hostnames.size === 0) {
      anyHost ??= newIndex();
      add(anyHost);
      continue;
    }
    for (const h of hostnames) {
      if (h.startsWith("*.")) add(groupFor(wildcardHosts, h));
      else add(groupFor(exactHosts, h));
    }
  }
  anyHost?.seal();
  for (const g of exactHosts.values()) g.seal();
  for (const g of wildcardHosts.values()) g.seal();
  return { kind, size: entries.length, results, checks, anyHost, exactHosts, wildcardHosts };
}

/** Compiles both tables of one parent. Never throws on malformed entries (they never match). */
export function compileRoutes(tables: RouteTablesIR): CompiledRoutes {
  return {
    __compiled: "routes",
    http: compileTable(tables.http, "http"),
    grpc: compileTable(tables.grpc, "grpc"),
    source: tables,
  };
}

const sink: (readonly number[])[] = [];
const positions: number[] = [];

function collectCandidates(table: CompiledTable, req: RequestView): void {
  sink.length = 0;
  table.anyHost?.collect(req, sink);
  if (table.exactHosts.size === 0 && table.wildcardHosts.size === 0) return;
  let host = req.host;
  // Absolute form "example.com." names the same host (listener selection strips it too).
  if (host.length > 1 && host.charCodeAt(host.length - 1) === 46 /* "." */) host = host.slice(0, -1);
  if (table.exactHosts.size > 0) table.exactHosts.get(host)?.collect(req, sink);
  if (table.wildcardHosts.size > 0) {
    for (const key of wildcardKeysFor(host)) table.wildcardHosts.get(key)?.collect(req, sink);
  }
}

/** Lowest candidate index whose check holds, or -1: the result a linear scan would give. */
function firstHolding(table: CompiledTable, req: RequestView): number {
  const k = sink.length;
  if (k === 0) return -1;
  const checks = table.checks;
  if (k === 1) {
    const list = sink[0]!;
    for (let j = 0; j < list.length; j++) {
      const idx = list[j]!;
      if (checks[idx]!(req)) return idx;
    }
    return -1;
  }
  for (let i = 0; i < k; i++) positions[i] = 0;
  for (;;) {
    let best = Number.MAX_SAFE_INTEGER;
    for (let i = 0; i < k; i++) {
      const list = sink[i]!;
      const p = positions[i]!;
      if (p < list.length && list[p]! < best) best = list[p]!;
    }
    if (best === Number.MAX_SAFE_INTEGER) return -1;
    for (let i = 0; i < k; i++) {
      const list = sink[i]!;
      const p = positions[i]!;
      if (p < list.length && list[p] === best) positions[i] = p + 1;
    }
    if (checks[best]!(req)) return best;
  }
}

function matchTable(table: CompiledTable, req: RequestView): RouteMatch | undefined {
  if (table.size === 0) return undefined;
  collectCandidates(table, req);
  const idx = firstHolding(table, req);
  sink.length = 0;
  return idx < 0 ? undefined : table.results[idx];
}

/**
 * The winning entry for `req`, or undefined (⇒ 404 for HTTP, UNIMPLEMENTED for gRPC).
 * gRPC requests try the grpc table first, then http (spec §9: the two kinds are never merged).
 */
export function matchRoute(routes: CompiledRoutes, req: RequestView): RouteMatch | undefined {
  if (req.grpc) {
    const hit = matchTable(routes.grpc, req);
    if (hit !== undefined) return hit;
  }
  return matchTable(routes.http, req);
}
