// compile-routes: RouteTablesIR → CompiledRoutes, and the per-request match over it.
// Takes: route tables PRE-SORTED by precedence (translate applies spec §7/§8/§9 order). Gives: the
// first entry, in table order, whose hostnames, path/method, headers and query params all hold —
// exactly what a linear scan would return, found through indexes instead of a scan:
//   host group (exact host map, wildcard-suffix map, hostname-less group) → path/method index →
//   sorted candidate lists → k-way merge by precedence index → first entry whose check holds.
// A gRPC request tries the grpc table first, then the http table; other requests only http.
// Must not: reorder entries, throw on malformed IR (such entries never match), keep per-request state
// (the only memo is host → host groups, a pure function of the host, bounded in size).
import type { GrpcMatchIR, HttpMatchIR, RouteEntryIR, RouteTableIR, RouteTablesIR, RuleIR } from "../ir/types.ts";
import type { RequestView } from "./request.ts";
import { exactHeadersOf, type ExactHeaders } from "./candidate-bucket.ts";
import { alwaysTrue, compileGrpcCheck, compileHttpCheck, type EntryCheck } from "./conditions.ts";
import { normalizeHostname } from "./hostname.ts";
import { indexedMethodOf, MethodIndex, type IndexedMethod } from "./method-index.ts";
import { indexedPathOf, PathIndex, type CandidateIndex, type IndexedPath } from "./path-index.ts";

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
  /** Keyed by the wildcard's suffix including the dot (".example.com" for "*.example.com"). */
  readonly wildcardHosts: ReadonlyMap<string, CandidateIndex>;
  /** Memo: request host → the host groups covering it (bounded; a pure function of the host). */
  readonly hostCache: Map<string, readonly CandidateIndex[]>;
}

/** The compiled form of RouteTablesIR; opaque to callers (use matchRoute). */
export interface CompiledRoutes {
  readonly __compiled: "routes";
  readonly http: CompiledTable;
  readonly grpc: CompiledTable;
  /** The tables this was compiled from (for config dumps and explain). */
  readonly source: RouteTablesIR;
}

/** What differs between the HTTPRoute and the GRPCRoute table: match type, index, checks. */
interface TableKind<M extends HttpMatchIR | GrpcMatchIR, P, I extends CandidateIndex> {
  readonly kind: M["kind"];
  newIndex(): I;
  /** Where the index files the match (may throw on malformed IR; nothing is filed then). */
  place(match: M): P;
  compileCheck(match: M, place: P): EntryCheck;
  file(index: I, entry: number, place: P, headers: ExactHeaders): void;
}

const httpKind: TableKind<HttpMatchIR, IndexedPath, PathIndex> = {
  kind: "http",
  newIndex: () => new PathIndex(),
  place: (m) => indexedPathOf(m.path.type, m.path.value),
  // The index guarantees Exact/PathPrefix paths; regexes and unindexable values check themselves.
  compileCheck: (m, place) => compileHttpCheck(m, m.path.type === "RegularExpression" || place.type === "Other"),
  file: (index, entry, place, headers) => index.add(entry, place, headers),
};

const grpcKind: TableKind<GrpcMatchIR, IndexedMethod, MethodIndex> = {
  kind: "grpc",
  newIndex: () => new MethodIndex(),
  place: (m) => indexedMethodOf(m.method),
  compileCheck: (m, place) => compileGrpcCheck(m, place.by === "always"),
  file: (index, entry, place, headers) => index.add(entry, place, headers),
};

interface Prepared<P> {
  readonly check: EntryCheck;
  readonly place: P;
  readonly headers: ExactHeaders;
  readonly hostnames: ReadonlySet<string>;
}

/** Everything about one entry that can fail on malformed IR, computed before anything is filed. */
function prepare<M extends HttpMatchIR | GrpcMatchIR, P, I extends CandidateIndex>(k: TableKind<M, P, I>, entry: RouteEntryIR): Prepared<P> | undefined {
  try {
    const m = entry.match as M;
    const place = k.place(m);
    const hostnames = new Set<string>();
    for (const h of entry.hostnames ?? []) hostnames.add(normalizeHostname(h));
    return { check: k.compileCheck(m, place), place, headers: exactHeadersOf(m.headers), hostnames };
  } catch {
    return undefined;
  }
}

function compileTable<M extends HttpMatchIR | GrpcMatchIR, P, I extends CandidateIndex>(table: RouteTableIR | undefined, k: TableKind<M, P, I>): CompiledTable {
  const entries: readonly (RouteEntryIR | null | undefined)[] = Array.isArray(table?.entries) ? table.entries : [];
  const rules: readonly (RuleIR | undefined)[] = Array.isArray(table?.rules) ? table.rules : [];
  const results: (RouteMatch | undefined)[] = [];
  const checks: EntryCheck[] = [];
  const exactHosts = new Map<string, I>();
  const wildcardHosts = new Map<string, I>();
  let anyHost: I | undefined;
  const groupFor = (map: Map<string, I>, key: string): I => {
    let g = map.get(key);
    if (g === undefined) {
      g = k.newIndex();
      map.set(key, g);
    }
    return g;
  };
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i];
    const rule = entry === undefined || entry === null ? undefined : rules[entry.rule];
    const prepared = rule === undefined || entry?.match?.kind !== k.kind ? undefined : prepare(k, entry);
    if (entry === undefined || entry === null || rule === undefined || prepared === undefined) {
      // Malformed entry: never a candidate, never matches.
      results.push(undefined);
      checks.push(alwaysTrue);
      continue;
    }
    results.push({ table: k.kind, rule, entry });
    checks.push(prepared.check);
    if (prepared.hostnames.size === 0) {
      anyHost ??= k.newIndex();
      k.file(anyHost, i, prepared.place, prepared.headers);
    }
    // Wildcard groups are keyed by their suffix: "*.example.com" → ".example.com".
    for (const h of prepared.hostnames) {
      if (h.startsWith("*.")) k.file(groupFor(wildcardHosts, h.slice(1)), i, prepared.place, prepared.headers);
      else k.file(groupFor(exactHosts, h), i, prepared.place, prepared.headers);
    }
  }
  anyHost?.seal();
  for (const g of exactHosts.values()) g.seal();
  for (const g of wildcardHosts.values()) g.seal();
  return { kind: k.kind, size: entries.length, results, checks, anyHost, exactHosts, wildcardHosts, hostCache: new Map() };
}

/** Compiles both tables of one parent. Never throws on malformed entries (they never match). */
export function compileRoutes(tables: RouteTablesIR): CompiledRoutes {
  return {
    __compiled: "routes",
    http: compileTable(tables?.http, httpKind),
    grpc: compileTable(tables?.grpc, grpcKind),
    source: tables,
  };
}

const sink: (readonly number[])[] = [];
const positions: number[] = [];

/** Host groups whose hostname covers `rawHost`: exact first, then wildcards from most specific. */
function resolveHostGroups(table: CompiledTable, rawHost: string): readonly CandidateIndex[] {
  // Absolute form "example.com." names the same host (listener selection strips it too).
  const host = rawHost.length > 1 && rawHost.endsWith(".") ? rawHost.slice(0, -1) : rawHost;
  const out: CandidateIndex[] = [];
  const exact = table.exactHosts.get(host);
  if (exact !== undefined) out.push(exact);
  if (table.wildcardHosts.size > 0) {
    // Every proper suffix starting at a "." (not at position 0) is a wildcard domain that covers host.
    for (let dot = host.indexOf(".", 1); dot >= 0; dot = host.indexOf(".", dot + 1)) {
      const g = table.wildcardHosts.get(host.slice(dot));
      if (g !== undefined) out.push(g);
    }
  }
  return out;
}

/** Bound on memoised hosts per table: random Host headers cannot grow memory past it. */
const HOST_CACHE_MAX = 4096;

function collectCandidates(table: CompiledTable, req: RequestView): void {
  sink.length = 0;
  table.anyHost?.collect(req, sink);
  if (table.exactHosts.size === 0 && table.wildcardHosts.size === 0) return;
  const host = req.host;
  let groups = table.hostCache.get(host);
  if (groups === undefined) {
    groups = resolveHostGroups(table, host);
    if (table.hostCache.size >= HOST_CACHE_MAX) table.hostCache.clear();
    table.hostCache.set(host, groups);
  }
  for (let i = 0; i < groups.length; i++) groups[i]!.collect(req, sink);
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
