// explain-entry: why each route entry does or does not match one request — the pure core of
// `weftctl explain`. Takes RouteTablesIR (pre-sorted by precedence) and a RequestView; gives, per
// entry tried in router order, the list of conditions that failed (empty = the entry matches), and
// the winner: the first entry with no failure, which must equal matchRoute's answer (a property test
// checks it). Semantics are those of compile-routes.ts / conditions.ts: hostnames (spec §7), path,
// method, headers (first condition per name, case-insensitive), query params (first per name,
// case-sensitive, decoded), gRPC service/method (spec §9); regexes are anchored RE2.
// A gRPC request tries the GRPCRoute table first, then the HTTPRoute table; others only HTTPRoute.
// Must not: throw on malformed IR (such entries are reported "malformed" and never match, as in the
// router: a match without its header or query list is malformed, not one without conditions), do I/O.
import type { GrpcMatchIR, HeaderMatchIR, HttpMatchIR, QueryParamMatchIR, RouteEntryIR, RouteTableIR, RouteTablesIR, RuleIR, StringMatchType } from "../ir/types.ts";
import { compileRegex, parseQuery, splitGrpcPath } from "./conditions.ts";
import { hostnameMatches, normalizeHostname } from "./hostname.ts";
import type { RequestView } from "./request.ts";

export type ConditionKind = "hostname" | "path" | "method" | "header" | "query" | "grpc" | "malformed";

export interface ConditionFailure {
  readonly condition: ConditionKind;
  /** One line, e.g. `path /v2 does not match PathPrefix /v1`, `header x-version: missing`. */
  readonly message: string;
}

export interface EntryVerdict {
  readonly table: "http" | "grpc";
  /** Position in the table (precedence order). */
  readonly index: number;
  readonly entry: RouteEntryIR;
  /** undefined for a malformed entry (its rule is missing). */
  readonly rule: RuleIR | undefined;
  /** Empty ⇔ the entry matches. */
  readonly failures: readonly ConditionFailure[];
}

export interface RoutesExplanation {
  /** Tables in the order they were tried. */
  readonly tablesTried: readonly ("http" | "grpc")[];
  /** Every entry tried, in precedence order, up to and including the winner. */
  readonly verdicts: readonly EntryVerdict[];
  /** The first matching entry (what matchRoute returns), or undefined (404 / UNIMPLEMENTED). */
  readonly winner: EntryVerdict | undefined;
  /** Entries ranked below the winner that were not tried (per table). */
  readonly notTried: number;
}

const MAX_SHOWN = 120;

/** A request-derived value quoted for a message, shortened so hostile input stays one short line. */
export function quote(value: string): string {
  const v = value.length > MAX_SHOWN ? `${value.slice(0, MAX_SHOWN)}…` : value;
  return JSON.stringify(v);
}

function shown(value: string): string {
  return value.length > MAX_SHOWN ? `${value.slice(0, MAX_SHOWN)}…` : value;
}

/** undefined = holds; otherwise why `actual` fails `type value`. */
function stringFailure(what: string, type: StringMatchType, want: string, actual: string | undefined): string | undefined {
  if (actual === undefined) return `${what}: missing`;
  if (type === "RegularExpression") {
    const test = compileRegex(want);
    if (test === undefined) return `${what}: RegularExpression ${quote(want)} does not compile (never matches)`;
    return test(actual) ? undefined : `${what}: ${quote(actual)} does not match RegularExpression ${quote(want)}`;
  }
  return actual === want ? undefined : `${what}: ${quote(actual)} ≠ ${quote(want)}`;
}

function firstPerName<T extends { readonly name: string }>(items: readonly T[], fold: boolean): T[] {
  const seen = new Set<string>();
  return items.filter((it) => {
    const k = fold ? it.name.toLowerCase() : it.name;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function hostFailure(entry: RouteEntryIR, req: RequestView): ConditionFailure[] {
  const names = entry.hostnames ?? [];
  if (names.length === 0) return [];
  const host = req.host.length > 1 && req.host.endsWith(".") ? req.host.slice(0, -1) : req.host;
  if (names.some((h) => hostnameMatches(normalizeHostname(h), host))) return [];
  return [{ condition: "hostname", message: `hostname ${shown(host)} not in [${names.join(", ")}]` }];
}

function pathFailure(m: HttpMatchIR, path: string): ConditionFailure[] {
  const { type, value } = m.path;
  let ok: boolean;
  if (type === "RegularExpression") {
    const test = compileRegex(value);
    if (test === undefined) return [{ condition: "path", message: `path RegularExpression ${quote(value)} does not compile (never matches)` }];
    ok = test(path);
  } else if (type === "Exact") {
    ok = path === value;
  } else {
    const prefix = value.length > 1 && value.endsWith("/") ? value.slice(0, -1) : value;
    ok = prefix === "/" ? path.startsWith("/") : path === prefix || path.startsWith(`${prefix}/`);
  }
  return ok ? [] : [{ condition: "path", message: `path ${shown(path)} does not match ${type} ${value}` }];
}

function headerFailures(headers: readonly HeaderMatchIR[], req: RequestView): ConditionFailure[] {
  const out: ConditionFailure[] = [];
  for (const h of firstPerName(headers, true)) {
    const name = h.name.toLowerCase();
    const f = stringFailure(`header ${name}`, h.type, h.value, req.header(name));
    if (f !== undefined) out.push({ condition: "header", message: f });
  }
  return out;
}

function queryFailures(params: readonly QueryParamMatchIR[], req: RequestView): ConditionFailure[] {
  const out: ConditionFailure[] = [];
  const parsed = params.length === 0 ? undefined : parseQuery(req.query);
  for (const q of firstPerName(params, false)) {
    const f = stringFailure(`query ${q.name}`, q.type, q.value, parsed?.get(q.name));
    if (f !== undefined) out.push({ condition: "query", message: f });
  }
  return out;
}

function grpcFailures(m: GrpcMatchIR, req: RequestView): ConditionFailure[] {
  if (m.method === undefined) return [];
  const parts = splitGrpcPath(req.path);
  if (parts === undefined) return [{ condition: "grpc", message: `path ${shown(req.path)} is not a gRPC method path /<service>/<method>` }];
  const out: ConditionFailure[] = [];
  const { type, service, method } = m.method;
  const s = service === undefined ? undefined : stringFailure("gRPC service", type, service, parts.service);
  if (s !== undefined) out.push({ condition: "grpc", message: s });
  const mm = method === undefined ? undefined : stringFailure("gRPC method", type, method, parts.method);
  if (mm !== undefined) out.push({ condition: "grpc", message: mm });
  return out;
}

/** Every failed condition of one entry (empty = it matches). `kind` is the table it sits in. */
export function explainEntry(kind: "http" | "grpc", entry: RouteEntryIR, rule: RuleIR | undefined, req: RequestView): ConditionFailure[] {
  const m = entry?.match;
  if (rule === undefined) return [{ condition: "malformed", message: `malformed entry: rule ${String(entry?.rule)} does not exist (never matches)` }];
  if (m === undefined || m === null || m.kind !== kind) return [{ condition: "malformed", message: `malformed entry: not a ${kind} match (never matches)` }];
  try {
    const out = hostFailure(entry, req);
    if (m.kind === "http") {
      out.push(...pathFailure(m, req.path));
      if (m.method !== undefined && req.method !== m.method) out.push({ condition: "method", message: `method ${shown(req.method)} ≠ ${m.method}` });
      out.push(...headerFailures(m.headers, req), ...queryFailures(m.queryParams, req));
    } else {
      out.push(...grpcFailures(m, req), ...headerFailures(m.headers, req));
    }
    return out;
  } catch {
    return [{ condition: "malformed", message: "malformed entry (never matches)" }];
  }
}

function explainTable(kind: "http" | "grpc", table: RouteTableIR | undefined, req: RequestView, into: EntryVerdict[]): { winner: EntryVerdict | undefined; rest: number } {
  const entries: readonly (RouteEntryIR | null | undefined)[] = Array.isArray(table?.entries) ? table.entries : [];
  const rules: readonly (RuleIR | undefined)[] = Array.isArray(table?.rules) ? table.rules : [];
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    const rule = entry === null || entry === undefined ? undefined : rules[entry.rule];
    const verdict: EntryVerdict = { table: kind, index: i, entry, rule, failures: explainEntry(kind, entry, rule, req) };
    into.push(verdict);
    if (verdict.failures.length === 0) return { winner: verdict, rest: entries.length - i - 1 };
  }
  return { winner: undefined, rest: 0 };
}

/** The router's decision for `req` over `tables`, with every higher-precedence loser's reasons. */
export function explainRoutes(tables: RouteTablesIR, req: RequestView): RoutesExplanation {
  const verdicts: EntryVerdict[] = [];
  const tablesTried: ("http" | "grpc")[] = [];
  if (req.grpc) {
    tablesTried.push("grpc");
    const g = explainTable("grpc", tables?.grpc, req, verdicts);
    if (g.winner !== undefined) return { tablesTried, verdicts, winner: g.winner, notTried: g.rest + (tables?.http?.entries?.length ?? 0) };
  }
  tablesTried.push("http");
  const h = explainTable("http", tables?.http, req, verdicts);
  return { tablesTried, verdicts, winner: h.winner, notTried: h.rest };
}
