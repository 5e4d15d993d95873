// explain: builds the explanation `weftctl explain` prints. Takes a translate run (IR,
// statuses, diagnostics), a target (east-west: client namespace; north-south: a Gateway) and a
// parsed request; gives an ExplainReport: which parent and which route table apply and why (GAMMA
// spec §1.4/§1.8/§2; listener selection and isolation spec §6/§7), every entry tried in precedence
// order with the conditions that failed (pkg/router/explain-entry.ts), and for the winner its
// filters, timeouts, retry, backends with shares and endpoint counts, the predicted response, the
// route's status conditions for that parent and the diagnostics that concern it.
// The router itself (matchRoute, selectListener, lookupMeshDestination) is run too; explain's
// winner must be the router's (`routerAgrees`).
// Must not: print, or do I/O; show sensitive request header values.
import type { ClusterIR, FilterIR, MeshIR } from "../ir/types.ts";
import { explainRoutes } from "../router/explain-entry.ts";
import { applyPathModifier, matchRoute } from "../router/index.ts";
import { redirectLocation } from "../proxy/stack/redirect.ts";
import type { TranslateRun } from "./translate-run.ts";
import { describeBackends, describeFilter, describeMatch, describeRetry, describeTimeouts, type BackendReport } from "./describe.ts";
import { conditionLine, gatewayRouted, meshRouted, type ListenerReport, type ParentKey, type Routed } from "./explain-parent.ts";
import { SENSITIVE_HEADERS, type ExplainRequest } from "./request.ts";

export type { ListenerReport } from "./explain-parent.ts";

export type ExplainTarget =
  | { readonly mode: "mesh"; readonly fromNamespace: string; readonly workload?: string }
  | { readonly mode: "gateway"; readonly namespace: string; readonly name: string };

/** A route table entry as the report names it: its route, rule (index and name), match index and conditions. */
export interface EntryReport {
  readonly route: string;
  readonly rule: number;
  readonly ruleName?: string;
  readonly match: number;
  readonly conditions: string;
}

export interface CandidateReport extends EntryReport {
  readonly rank: number;
  readonly hostnames: readonly string[];
  readonly matched: boolean;
  readonly reasons: readonly string[];
}

export interface MatchedReport extends EntryReport {
  readonly filters: readonly string[];
  readonly timeouts: string;
  readonly retry: string;
  readonly sessionPersistence?: string;
  readonly upstreamRequest?: string;
  readonly backends: readonly BackendReport[];
}

export interface ExplainReport {
  readonly request: { readonly method: string; readonly url: string; readonly grpc: boolean; readonly headers: Readonly<Record<string, string>> };
  readonly parent: string;
  readonly selection: readonly string[];
  readonly listeners?: readonly ListenerReport[];
  readonly tablesTried: readonly string[];
  readonly candidates: readonly CandidateReport[];
  readonly notTried: number;
  readonly outcome: "matched" | "passthrough" | "no-match" | "no-listener";
  readonly response: string;
  readonly matched?: MatchedReport;
  readonly passthrough?: { readonly cluster: string; readonly backends: readonly BackendReport[] };
  readonly status: readonly { readonly parentRef: string; readonly conditions: readonly string[] }[];
  readonly diagnostics: readonly string[];
  /** Routes naming this parent that are not attached to it (Accepted≠True), with the reason. */
  readonly notAttached?: readonly string[];
  /** On no match: routes elsewhere that would have matched, and why they are not used. */
  readonly notes?: readonly string[];
  readonly routerAgrees: boolean;
}

export type ExplainResult = { readonly report: ExplainReport } | { readonly error: string };

const TABLE_KIND = { http: "HTTPRoute", grpc: "GRPCRoute" } as const;

/** Reasons mentioning a sensitive request header must not echo its value. */
function safeReason(message: string): string {
  const m = /^header ([^:]+): /.exec(message);
  if (m !== null && SENSITIVE_HEADERS.has(m[1] ?? "") && !message.endsWith(": missing")) return `header ${m[1]}: value does not match (redacted)`;
  return message;
}

function refersTo(ref: { kind?: string; group?: string; name: string; namespace?: string }, routeNs: string, parent: ParentKey): boolean {
  const kind = ref.kind ?? "Gateway";
  const group = ref.group ?? "gateway.networking.k8s.io";
  const groupOk = parent.kind === "Service" ? group === "" : group === "gateway.networking.k8s.io";
  return kind === parent.kind && groupOk && ref.name === parent.name && (ref.namespace ?? routeNs) === parent.namespace;
}

/** Routes that name this parent but are not attached to it (Accepted≠True): the usual "why is my route ignored". */
function rejectedRoutes(run: TranslateRun, parent: ParentKey): string[] {
  const out: string[] = [];
  for (const s of run.result.statuses) {
    if (!("parents" in s)) continue;
    for (const p of s.parents) {
      if (!refersTo(p.parentRef, s.target.namespace, parent)) continue;
      const accepted = p.conditions.find((c) => c.type === "Accepted");
      if (accepted === undefined || accepted.status === "True") continue;
      const where = [p.parentRef.sectionName !== undefined ? `section ${p.parentRef.sectionName}` : "", p.parentRef.port !== undefined ? `port ${p.parentRef.port}` : ""].filter((x) => x !== "").join(
        " ",
      );
      out.push(`${s.target.kind}/${s.target.namespace}/${s.target.name}${where === "" ? "" : ` (${where})`}: ${conditionLine(accepted)}`);
    }
  }
  return out;
}

function routeStatus(run: TranslateRun, route: { kind: string; namespace: string; name: string }, parent: ParentKey): ExplainReport["status"] {
  const s = run.result.statuses.find((u) => u.target.kind === route.kind && u.target.namespace === route.namespace && u.target.name === route.name);
  if (s === undefined || !("parents" in s)) return [];
  return s.parents
    .filter((p) => refersTo(p.parentRef, route.namespace, parent))
    .map((p) => {
      const ref = p.parentRef;
      const extra = [ref.sectionName !== undefined ? `section ${ref.sectionName}` : "", ref.port !== undefined ? `port ${ref.port}` : ""].filter((x) => x !== "").join(" ");
      return { parentRef: `${parent.kind} ${parent.namespace}/${parent.name}${extra === "" ? "" : ` ${extra}`}`, conditions: p.conditions.map(conditionLine) };
    });
}

function diagnosticsFor(run: TranslateRun, objects: readonly string[]): string[] {
  return run.diagnostics
    .filter((d) => objects.some((o) => d.object === o || d.object.startsWith(`${o}/`) || d.object.startsWith(`${o} `)))
    .map((d) => `${d.severity} ${d.code} ${d.object}${d.path === undefined ? "" : ` ${d.path}`}: ${d.message}`);
}

function clusterMap(ir: MeshIR): Map<string, ClusterIR> {
  return new Map(ir.clusters.map((c) => [c.id, c]));
}

function predictResponse(req: ExplainRequest, m: MatchedReport, filters: readonly FilterIR[]): string {
  const redirect = filters.find((f) => f.type === "RequestRedirect");
  if (redirect !== undefined && redirect.type === "RequestRedirect") {
    const r = redirectLocation(redirect, { scheme: req.scheme, host: req.view.host, path: req.path, query: req.query, listenerPort: req.port });
    return `${r.status} redirect, Location: ${r.location}`;
  }
  const unsupported = filters.find((f) => f.type === "Unsupported");
  if (unsupported !== undefined && unsupported.type === "Unsupported") return `${unsupported.status}: ${unsupported.reason}`;
  const live = m.backends.filter((b) => b.weight > 0);
  if (live.length === 0) return `500: no backend with a positive weight (spec §3)${req.grpc ? " (gRPC UNAVAILABLE)" : ""}`;
  const parts = live.map((b) => `${b.share}% ${b.answer === "forwarded" ? `→ ${b.target}` : `→ ${b.answer.split(":")[0]}`}`);
  return `forwarded by weight: ${parts.join("; ")}`;
}

function explainTables(run: TranslateRun, req: ExplainRequest, routed: Routed,
  base: Omit<ExplainReport, "tablesTried" | "candidates" | "notTried" | "outcome" | "response" | "status" | "diagnostics" | "routerAgrees" | "selection" | "parent">): ExplainReport
{
  const ex = explainRoutes(routed.tables, req.view);
  const hit = matchRoute(routed.compiled, req.view);
  const routerAgrees = hit?.entry === ex.winner?.entry;
  const candidates: CandidateReport[] = ex.verdicts.map((v, i) => {
    const r = v.rule?.route;
    return {
      rank: i + 1,
      route: r === undefined ? `(malformed ${TABLE_KIND[v.table]} entry ${v.index})` : `${r.kind}/${r.namespace}/${r.name}`,
      rule: v.rule?.ruleIndex ?? -1,
      ...(v.rule?.ruleName !== undefined ? { ruleName: v.rule.ruleName } : {}),
      match: v.entry?.matchIndex ?? -1,
      conditions: v.entry?.match === undefined ? "?" : describeMatch(v.entry.match),
      hostnames: v.entry?.hostnames ?? [],
      matched: v.failures.length === 0,
      reasons: v.failures.map((f) => safeReason(f.message)),
    };
  });
  const common = {
    ...base,
    parent: routed.parentText,
    selection: routed.selection,
    ...(routed.listeners !== undefined ? { listeners: routed.listeners } : {}),
    tablesTried: ex.tablesTried.map((t) => TABLE_KIND[t]),
    candidates,
    notTried: ex.notTried,
    routerAgrees,
  };
  const w = ex.winner;
  if (w === undefined || w.rule === undefined) {
    const objects = [...new Set(candidates.map((c) => c.route))];
    const notes = routed.shadowed.flatMap((sh) => {
      const other = matchRoute(sh.compiled, req.view);
      if (other === undefined) return [];
      const r = other.rule.route;
      return [`${r.kind}/${r.namespace}/${r.name} rule ${other.rule.ruleIndex} would match, but ${sh.why}`];
    });
    return {
      ...common,
      ...(notes.length > 0 ? { notes } : {}),
      outcome: "no-match",
      response: req.grpc ? "gRPC UNIMPLEMENTED (status 12): no route matched" : "404 Not Found: no route matched",
      status: [],
      diagnostics: diagnosticsFor(run, [`${routed.parent.kind}/${routed.parent.namespace}/${routed.parent.name}`, ...objects]),
    };
  }
  const rule = w.rule;
  const routeId = `${rule.route.kind}/${rule.route.namespace}/${rule.route.name}`;
  const rewrite = rule.filters.find((f) => f.type === "URLRewrite");
  let upstream: string | undefined;
  if (rewrite !== undefined && rewrite.type === "URLRewrite") {
    const path = rewrite.path === undefined ? req.path : applyPathModifier(req.path, rewrite.path);
    upstream = `${req.method} ${path}${req.query === "" ? "" : `?${req.query}`} Host: ${rewrite.hostname ?? req.view.host}`;
  }
  const sp = rule.sessionPersistence;
  const matched: MatchedReport = {
    route: routeId,
    rule: rule.ruleIndex,
    ...(rule.ruleName !== undefined ? { ruleName: rule.ruleName } : {}),
    match: w.entry.matchIndex,
    conditions: describeMatch(w.entry.match),
    filters: rule.filters.map(describeFilter),
    timeouts: describeTimeouts(rule),
    retry: describeRetry(rule),
    ...(sp !== undefined ? { sessionPersistence: `${sp.type} ${sp.name} (${sp.lifetimeType})` } : {}),
    ...(upstream !== undefined ? { upstreamRequest: upstream } : {}),
    backends: describeBackends(rule.backends, clusterMap(run.result.ir), req.grpc),
  };
  return {
    ...common,
    outcome: "matched",
    response: predictResponse(req, matched, rule.filters),
    matched,
    status: routeStatus(run, rule.route, routed.parent),
    diagnostics: diagnosticsFor(run, [routeId]),
  };
}

/** The whole explanation, or an input error (unknown Gateway/Service/port). */
export function explainRequest(run: TranslateRun, target: ExplainTarget, req: ExplainRequest): ExplainResult {
  const result = explainParent(run, target, req);
  if ("error" in result) return result;
  const parent: ParentKey = target.mode === "gateway"
    ? { kind: "Gateway", namespace: target.namespace, name: target.name }
    : { kind: "Service", namespace: result.parentKey.namespace, name: result.parentKey.name };
  return withRejected(run, parent, { report: result.report });
}

function explainParent(run: TranslateRun, target: ExplainTarget, req: ExplainRequest): { error: string } | { report: ExplainReport; parentKey: ParentKey } {
  const request = { method: req.method, url: `${req.scheme}://${req.host.includes(":") ? `[${req.host}]` : req.host}:${req.port}${req.path}${req.query === "" ? "" : `?${req.query}`}`, grpc: req.grpc,
    headers: req.shownHeaders };
  const base = { request };
  const routed = target.mode === "mesh" ? meshRouted(run, req, target.fromNamespace, target.workload) : gatewayRouted(run, req, target.namespace, target.name);
  if ("error" in routed) return { error: routed.error };
  if ("passthrough" in routed) {
    const p = routed.passthrough;
    const backends = describeBackends([{ kind: "cluster", weight: 1, cluster: p.port.cluster, filters: [] }], clusterMap(run.result.ir), req.grpc);
    const b = backends[0];
    return {
      parentKey: p.parent,
      report: {
        ...base,
        parent: p.text,
        selection: p.selection,
        tablesTried: [],
        candidates: [],
        notTried: 0,
        outcome: "passthrough",
        response: b === undefined || b.answer === "forwarded" ? `forwarded to ${p.port.cluster}` : b.answer,
        passthrough: { cluster: p.port.cluster, backends },
        status: [],
        diagnostics: diagnosticsFor(run, [`Service/${p.parent.namespace}/${p.parent.name}`]),
        routerAgrees: true,
      },
    };
  }
  if ("noListener" in routed) {
    const n = routed.noListener;
    return {
      parentKey: n.parent,
      report: {
        ...base,
        parent: n.text,
        selection: n.selection,
        listeners: n.listeners,
        tablesTried: [],
        candidates: [],
        notTried: 0,
        outcome: "no-listener",
        response: n.listeners.length === 0 ? "connection refused (no listener on this port)" : "404 Not Found: no listener for this host",
        status: [],
        diagnostics: diagnosticsFor(run, [`Gateway/${n.parent.namespace}/${n.parent.name}`]),
        routerAgrees: true,
      },
    };
  }
  return { report: explainTables(run, req, routed, base), parentKey: routed.parent };
}

function withRejected(run: TranslateRun, parent: ParentKey, result: ExplainResult): ExplainResult {
  if ("error" in result) return result;
  const rejected = rejectedRoutes(run, parent);
  return rejected.length === 0 ? result : { report: { ...result.report, notAttached: rejected } };
}

/** Process exit code for a report: 0 served (matched or passthrough), 3 not routed (404/UNIMPLEMENTED/refused). */
export function explainExitCode(report: ExplainReport): number {
  return report.outcome === "matched" || report.outcome === "passthrough" ? 0 : 3;
}
