// route-rules: takes one HTTPRoute or GRPCRoute and a backend context (Gateway or mesh parent),
// gives its valid rules as RuleIR + matches, the dropped rules with their reasons, unresolved refs
// and the clusters it needs. Spec §4: invalid rules are dropped (PartiallyInvalid) and the route is
// Accepted while one rule remains; limits (maxItems) ⇒ UnsupportedValue; RequestRedirect with
// backendRefs ⇒ IncompatibleFilters; a rule with no backendRefs and no filters answers 500.
// Must not: attach routes to parents or sort entries (parent-refs.ts, precedence.ts do).
import type { GRPCRoute, GRPCRouteRule, HTTPRoute, HTTPRouteRule } from "../api/index.ts";
import type { BackendIR, GrpcMatchIR, HttpMatchIR, RouteRef, RuleIR } from "../ir/types.ts";
import type { BackendContext, ClusterDemand, RouteKind } from "./backend-refs.ts";
import { resolveBackendRef } from "./backend-refs.ts";
import type { Problem } from "./conditions.ts";
import { capMessage, generationOf } from "./conditions.ts";
import { compileFilters } from "./filters.ts";
import { checkHostname } from "./hostnames.ts";
import { LIMITS } from "./limits.ts";
import { compileGrpcMatches, compileHttpMatches } from "./matches.ts";
import { nsOf } from "./snapshot-index.ts";
import { compileRetry, compileSessionPersistence, compileTimeouts } from "./timeouts-retry.ts";

export type AnyRoute = HTTPRoute | GRPCRoute;

export interface CompiledRule {
  readonly rule: RuleIR;
  readonly matches: readonly (HttpMatchIR | GrpcMatchIR)[];
}

export interface CompiledRoute {
  readonly kind: RouteKind;
  readonly ref: RouteRef;
  readonly creationTimestamp: string;
  /** Validated spec.hostnames (ignored on mesh parents, spec §1.4). */
  readonly hostnames: readonly string[];
  /** Set when the whole route is invalid (limits, bad hostname, every rule dropped). */
  readonly routeProblem?: Problem;
  readonly rules: readonly CompiledRule[];
  /** One per dropped rule, message starting with "Dropped Rule <i>". */
  readonly dropped: readonly Problem[];
  readonly refProblems: readonly Problem[];
  readonly demands: readonly ClusterDemand[];
  readonly notes: readonly string[];
}

const DEFAULT_HTTP_RULES: readonly HTTPRouteRule[] = [{}];

function isProblem(x: unknown): x is Problem {
  return typeof x === "object" && x !== null && "reason" in x && "message" in x;
}

interface RuleAcc {
  demands: ClusterDemand[];
  refProblems: Problem[];
  notes: string[];
}

function compileBackends(rule: HTTPRouteRule | GRPCRouteRule, matches: readonly (HttpMatchIR | GrpcMatchIR)[], ctx: BackendContext, i: number, acc: RuleAcc): BackendIR[] | Problem {
  const refs = rule.backendRefs ?? [];
  if (refs.length > LIMITS.backendRefs) return { reason: "UnsupportedValue", message: `rules[${i}]: ${refs.length} backendRefs, over the limit of ${LIMITS.backendRefs}` };
  const out: BackendIR[] = [];
  for (const [j, ref] of refs.entries()) {
    const what = `backendRef ${j} of rule ${i}`;
    const weight = ref.weight ?? 1;
    if (!Number.isInteger(weight) || weight < 0 || weight > 1_000_000) return { reason: "UnsupportedValue", message: `${what}: weight ${weight} is not an integer 0-1000000` };
    const filters = compileFilters(ref.filters, matches, ctx, `${what}`);
    if (!filters.ok) return filters.problem;
    const res = resolveBackendRef(ref, ctx, what);
    if (!res.ok) {
      // The backend is not configured, so neither are its filters; their unresolved refs are still listed.
      acc.refProblems.push({ reason: res.reason, message: res.message }, ...filters.refProblems);
      out.push({ kind: "invalid", weight, status: 500, reason: res.reason, message: capMessage(res.message) });
      continue;
    }
    acc.demands.push(res.demand, ...filters.demands);
    acc.refProblems.push(...filters.refProblems);
    acc.notes.push(...filters.notes);
    out.push({ kind: "cluster", weight, cluster: res.demand.id, filters: filters.filters });
  }
  return out;
}

function compileRule(kind: RouteKind, ref: RouteRef, rule: HTTPRouteRule | GRPCRouteRule, i: number, ctx: BackendContext, acc: RuleAcc): CompiledRule | Problem {
  const where = `rules[${i}]`;
  const m = kind === "HTTPRoute" ? compileHttpMatches((rule as HTTPRouteRule).matches, where) : compileGrpcMatches((rule as GRPCRouteRule).matches, where);
  if (!m.ok) return m.problem;
  const local: RuleAcc = { demands: [], refProblems: [], notes: [] };
  const filters = compileFilters(rule.filters, m.matches, ctx, where);
  if (!filters.ok) return filters.problem;
  const hasRedirect = filters.filters.some((f) => f.type === "RequestRedirect");
  if (hasRedirect && (rule.backendRefs ?? []).length > 0) {
    return { reason: "IncompatibleFilters", message: `${where}: RequestRedirect cannot be combined with backendRefs` };
  }
  const backends = compileBackends(rule, m.matches, ctx, i, local);
  if (isProblem(backends)) return backends;
  const timeouts = kind === "HTTPRoute" ? compileTimeouts((rule as HTTPRouteRule).timeouts, where) : {};
  if (isProblem(timeouts)) return timeouts;
  const retry = kind === "HTTPRoute" ? compileRetry((rule as HTTPRouteRule).retry, where) : undefined;
  if (isProblem(retry)) return retry;
  const sp = compileSessionPersistence(rule.sessionPersistence, where);
  if (isProblem(sp)) return sp;
  if (sp !== undefined) {
    for (const b of rule.backendRefs ?? []) {
      const svc = ctx.index.services.get(`${b.namespace ?? ctx.routeNamespace}/${b.name}`);
      if (svc?.spec?.sessionAffinity === "ClientIP") {
        return { reason: "UnsupportedValue", message: `${where}: sessionPersistence conflicts with sessionAffinity ClientIP on Service ${b.namespace ?? ctx.routeNamespace}/${b.name} (GEP-1619)` };
      }
    }
  }
  acc.demands.push(...filters.demands, ...local.demands);
  acc.refProblems.push(...filters.refProblems, ...local.refProblems);
  acc.notes.push(...filters.notes, ...local.notes);
  const ruleIR: RuleIR = {
    id: `${kind}/${ref.namespace}/${ref.name}/${i}`,
    route: ref,
    ruleIndex: i,
    ...(rule.name === undefined ? {} : { ruleName: rule.name }),
    filters: filters.filters,
    backends,
    timeouts,
    ...(retry === undefined ? {} : { retry }),
    ...(sp === undefined ? {} : { sessionPersistence: sp }),
  };
  return { rule: ruleIR, matches: m.matches };
}

function overRule(i: number, field: string, n: number, max: number): Problem {
  return { reason: "UnsupportedValue", message: `spec.rules[${i}].${field}: ${n} ${field}, over the limit of ${max}` };
}

function routeLevelProblem(route: AnyRoute, rules: readonly (HTTPRouteRule | GRPCRouteRule)[], mesh: boolean): Problem | undefined {
  const hostnames = mesh ? [] : route.spec?.hostnames ?? [];
  if (hostnames.length > LIMITS.hostnames) return { reason: "UnsupportedValue", message: `spec.hostnames: ${hostnames.length} hostnames, over the limit of ${LIMITS.hostnames}` };
  for (const [i, h] of hostnames.entries()) {
    const err = checkHostname(h);
    if (err !== undefined) return { reason: "UnsupportedValue", message: `spec.hostnames[${i}]: ${err}` };
  }
  if (rules.length > LIMITS.rules) return { reason: "UnsupportedValue", message: `spec.rules: ${rules.length} rules, over the limit of ${LIMITS.rules}` };
  // CRD maxItems: the API server would refuse the whole object, so the whole route is refused.
  let total = 0;
  for (let i = 0; i < rules.length; i++) {
    const r = rules[i];
    const m = r?.matches?.length ?? 0;
    const b = r?.backendRefs?.length ?? 0;
    const f = r?.filters?.length ?? 0;
    if (m > LIMITS.matchesPerRule) return overRule(i, "matches", m, LIMITS.matchesPerRule);
    if (b > LIMITS.backendRefs) return overRule(i, "backendRefs", b, LIMITS.backendRefs);
    if (f > LIMITS.filters) return overRule(i, "filters", f, LIMITS.filters);
    total += Math.max(1, m);
  }
  if (total > LIMITS.matchesPerRoute) return { reason: "UnsupportedValue", message: `spec.rules: ${total} matches in total, over the limit of ${LIMITS.matchesPerRoute}` };
  return undefined;
}

export function compileRoute(route: AnyRoute, kind: RouteKind, ctx: BackendContext): CompiledRoute {
  const ref: RouteRef = { kind, namespace: nsOf(route.metadata), name: route.metadata.name, generation: generationOf(route.metadata) };
  const specRules = route.spec?.rules;
  const rules: readonly (HTTPRouteRule | GRPCRouteRule)[] = specRules === undefined || specRules.length === 0 ? (kind === "HTTPRoute" ? DEFAULT_HTTP_RULES : []) : specRules;
  const base = {
    kind,
    ref,
    creationTimestamp: route.metadata.creationTimestamp ?? "",
    hostnames: ctx.mesh ? [] : [...new Set(route.spec?.hostnames ?? [])].slice(0, LIMITS.hostnames),
  };
  const acc: RuleAcc = { demands: [], refProblems: [], notes: [] };
  const problem = routeLevelProblem(route, rules, ctx.mesh);
  if (problem !== undefined) return { ...base, routeProblem: problem, rules: [], dropped: [], refProblems: [], demands: [], notes: [] };
  const compiled: CompiledRule[] = [];
  const dropped: Problem[] = [];
  for (const [i, r] of rules.entries()) {
    let c: CompiledRule | Problem;
    try {
      c = compileRule(kind, ref, r, i, ctx, acc);
    } catch (e) {
      c = { reason: "UnsupportedValue", message: `rules[${i}]: malformed rule (${(e instanceof Error ? e.message : String(e)).slice(0, 120)})` };
    }
    if (isProblem(c)) dropped.push({ reason: c.reason, message: `Dropped Rule ${i}: ${c.message}` });
    else compiled.push(c);
  }
  const first = dropped[0];
  const routeProblem = compiled.length === 0 && first !== undefined ? { reason: first.reason, message: `no valid rule: ${dropped.map((d) => d.message).join("; ")}` } : undefined;
  return { ...base, ...(routeProblem === undefined ? {} : { routeProblem }), rules: compiled, dropped, refProblems: acc.refProblems, demands: acc.demands, notes: acc.notes };
}
