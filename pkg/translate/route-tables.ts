// route-tables: takes the compiled routes attached to one parent (a listener, or one mesh Service
// port for producers or one consumer namespace) with their effective hostnames, gives RouteTablesIR:
// one rule list and one entry per (rule, match, hostname), entries sorted by precedence.ts.
// HTTPRoutes and GRPCRoutes are never merged (spec §9): each kind has its own table.
// Must not: validate anything (route-rules.ts did); depend on endpoints (fast path relies on it).
import type { RouteEntryIR, RouteTableIR, RouteTablesIR, RuleIR } from "../ir/types.ts";
import { cmp } from "./diagnostics.ts";
import type { EntryCandidate } from "./precedence.ts";
import { compareGrpcEntries, compareHttpEntries, creationMs } from "./precedence.ts";
import type { CompiledRoute } from "./route-rules.ts";

export interface TableMember {
  readonly route: CompiledRoute;
  /** Effective hostnames; [] = any host (always [] on mesh parents). */
  readonly hostnames: readonly string[];
}

function buildTable(kind: "http" | "grpc", members: readonly TableMember[]): RouteTableIR {
  const sorted = [...members].sort((a, b) => cmp(a.route.ref.namespace, b.route.ref.namespace) || cmp(a.route.ref.name, b.route.ref.name));
  const rules: RuleIR[] = [];
  const candidates: EntryCandidate[] = [];
  for (const m of sorted) {
    const ms = creationMs(m.route.creationTimestamp);
    const hosts: readonly (string | undefined)[] = m.hostnames.length === 0 ? [undefined] : m.hostnames;
    for (const r of m.route.rules) {
      const tableRule = rules.length;
      rules.push(r.rule);
      for (const [matchIndex, match] of r.matches.entries()) {
        for (const hostname of hosts) {
          candidates.push({ hostname, match, creationMs: ms, namespace: m.route.ref.namespace, name: m.route.ref.name, ruleIndex: r.rule.ruleIndex, matchIndex, tableRule });
        }
      }
    }
  }
  candidates.sort(kind === "http" ? compareHttpEntries : compareGrpcEntries);
  const entries: RouteEntryIR[] = candidates.map((c) => ({
    hostnames: c.hostname === undefined ? [] : [c.hostname],
    match: c.match,
    rule: c.tableRule,
    matchIndex: c.matchIndex,
  }));
  return { kind, entries, rules };
}

export function buildRouteTables(members: readonly TableMember[]): RouteTablesIR {
  return {
    http: buildTable("http", members.filter((m) => m.route.kind === "HTTPRoute")),
    grpc: buildTable("grpc", members.filter((m) => m.route.kind === "GRPCRoute")),
  };
}
