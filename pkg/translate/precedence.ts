// precedence: takes route-table entry candidates, gives comparators that sort them so the router can
// take the first hit. HTTP (spec §7 then §8): precise hostname before wildcard, longer first, any-host
// last; Exact path > RegularExpression (implementation-specific, longer pattern first) > PathPrefix
// (longer first); has method; more headers; more query params; older creationTimestamp (missing =
// newest); namespace/name; rule order; match order. gRPC (spec §9): hostname; method Exact
// (longer service, then longer method) > RegularExpression > no method; more headers; then the same
// route/rule/match tie-breaks.
// Must not: drop or merge entries.
import type { GrpcMatchIR, HttpMatchIR } from "../ir/types.ts";
import { cmp } from "./diagnostics.ts";
import { compareHostnameSpecificity } from "./hostnames.ts";

export interface EntryCandidate {
  /** One effective hostname, or undefined for "any host". */
  readonly hostname: string | undefined;
  readonly match: HttpMatchIR | GrpcMatchIR;
  readonly creationMs: number;
  readonly namespace: string;
  readonly name: string;
  readonly ruleIndex: number;
  readonly matchIndex: number;
  /** Index of the rule in the table's rules array. */
  readonly tableRule: number;
}

/** creationTimestamp → ms; missing or unparsable sorts as newest. */
const parsed = new Map<string, number>();

export function creationMs(ts: string | undefined): number {
  if (ts === undefined || ts === "") return Number.MAX_SAFE_INTEGER;
  let ms = parsed.get(ts);
  if (ms === undefined) {
    ms = Date.parse(ts);
    if (Number.isNaN(ms)) ms = Number.MAX_SAFE_INTEGER;
    if (parsed.size > 100_000) parsed.clear();
    parsed.set(ts, ms);
  }
  return ms;
}

function pathRank(m: HttpMatchIR): number {
  return m.path.type === "Exact" ? 0 : m.path.type === "RegularExpression" ? 1 : 2;
}

function tieBreak(a: EntryCandidate, b: EntryCandidate): number {
  return a.creationMs - b.creationMs || cmp(a.namespace, b.namespace) || cmp(a.name, b.name) ||
    a.ruleIndex - b.ruleIndex || a.matchIndex - b.matchIndex || a.tableRule - b.tableRule;
}

/** Hostname specificity first, then the route kind's ranking of the two matches, then the tie-breaks. */
function entryOrder<M extends HttpMatchIR | GrpcMatchIR>(rankMatches: (ma: M, mb: M) => number): (a: EntryCandidate, b: EntryCandidate) => number {
  return (a, b) => compareHostnameSpecificity(a.hostname, b.hostname) || rankMatches(a.match as M, b.match as M) || tieBreak(a, b);
}

export const compareHttpEntries = entryOrder<HttpMatchIR>((ma, mb) =>
  pathRank(ma) - pathRank(mb) ||
  mb.path.value.length - ma.path.value.length ||
  Number(mb.method !== undefined) - Number(ma.method !== undefined) ||
  mb.headers.length - ma.headers.length ||
  mb.queryParams.length - ma.queryParams.length
);

function methodRank(m: GrpcMatchIR): number {
  return m.method === undefined ? 2 : m.method.type === "Exact" ? 0 : 1;
}

export const compareGrpcEntries = entryOrder<GrpcMatchIR>((ma, mb) =>
  methodRank(ma) - methodRank(mb) ||
  (mb.method?.service?.length ?? 0) - (ma.method?.service?.length ?? 0) ||
  (mb.method?.method?.length ?? 0) - (ma.method?.method?.length ?? 0) ||
  mb.headers.length - ma.headers.length
);
