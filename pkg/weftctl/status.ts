// status: the route and gateway health `weftctl status` shows. Takes either translate's
// computed statuses (offline, -f) or the objects' live .status (cluster), gives one model for both:
// routes with, per parent, Accepted / ResolvedRefs / PartiallyInvalid / weft.dev/Programmed
// ("applied by N/M proxies"), weft.dev/MeshTLS as the backends' transport (mTLS, or which are reached in
// plaintext; information, never health) and the first unhappy message; gateways with their conditions and
// listeners (attachedRoutes). A route is healthy when every Weft parent is Accepted=True and
// ResolvedRefs=True; a gateway when Accepted=True and Programmed=True (spec §4, §6).
// Must not: print, or read anything but status (no Secret data).
import type { Condition, GRPCRoute, HTTPRoute, ParentReference, ResourceSnapshot, StatusUpdate } from "../api/index.ts";
import { WEFT_CONTROLLER_NAME } from "../api/index.ts";
import { renderTable } from "./output.ts";

import { PROGRAMMED_CONDITION } from "../status/programmed.ts";
import { MESH_TLS_CONDITION } from "../status/mesh-tls.ts";

export { PROGRAMMED_CONDITION };

export interface RouteParentStatus {
  readonly parent: string;
  readonly accepted: string;
  readonly resolvedRefs: string;
  readonly partiallyInvalid?: string;
  readonly programmed?: string;
  /** weft.dev/MeshTLS: "mTLS", "plaintext (…)" naming the backends without a sidecar, or "-": information, not health. */
  readonly transport?: string;
  readonly message: string;
  readonly healthy: boolean;
}

export interface RouteStatusRow {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly parents: readonly RouteParentStatus[];
}

export interface GatewayStatusRow {
  readonly namespace: string;
  readonly name: string;
  readonly className: string;
  readonly accepted: string;
  readonly programmed: string;
  readonly message: string;
  readonly healthy: boolean;
  readonly listeners: readonly { readonly name: string; readonly attachedRoutes: number; readonly accepted: string; readonly programmed: string; readonly resolvedRefs: string;
    readonly message: string }[];
}

export interface StatusReport {
  readonly routes: readonly RouteStatusRow[];
  readonly gateways: readonly GatewayStatusRow[];
  readonly healthy: boolean;
}

function cond(conditions: readonly Condition[], type: string): string {
  const c = conditions.find((x) => x.type === type);
  if (c === undefined) return "-";
  return c.status === "True" && (c.reason === type || type === PROGRAMMED_CONDITION) ? "True" : `${c.status} (${c.reason})`;
}

/** Conditions whose True means trouble (spec §4, §6). */
const NEGATIVE: ReadonlySet<string> = new Set(["PartiallyInvalid", "Conflicted"]);

/** Conditions that inform but never make an object unhappy: backends partly in plaintext are a choice (incremental adoption). */
const INFORMATIONAL: ReadonlySet<string> = new Set([MESH_TLS_CONDITION]);

function firstUnhappy(conditions: readonly Condition[]): string {
  const bad = conditions.find((c) => !INFORMATIONAL.has(c.type) && (NEGATIVE.has(c.type) ? c.status === "True" : c.status !== "True"));
  const m = bad?.message ?? "";
  return m.length > 100 ? `${m.slice(0, 100)}…` : m;
}

function isTrue(conditions: readonly Condition[], type: string): boolean {
  return conditions.some((c) => c.type === type && c.status === "True");
}

function parentText(ref: ParentReference, routeNs: string): string {
  const kind = ref.kind ?? "Gateway";
  const extra = [ref.sectionName !== undefined ? `/${ref.sectionName}` : "", ref.port !== undefined ? `:${ref.port}` : ""].join("");
  return `${kind} ${ref.namespace ?? routeNs}/${ref.name}${extra}`;
}

function parentStatus(ref: ParentReference, routeNs: string, conditions: readonly Condition[]): RouteParentStatus {
  const programmed = conditions.find((c) => c.type === PROGRAMMED_CONDITION);
  const pi = conditions.find((c) => c.type === "PartiallyInvalid");
  const tls = conditions.find((c) => c.type === MESH_TLS_CONDITION);
  return {
    parent: parentText(ref, routeNs),
    accepted: cond(conditions, "Accepted"),
    resolvedRefs: cond(conditions, "ResolvedRefs"),
    ...(pi !== undefined ? { partiallyInvalid: `${pi.status} (${pi.reason})` } : {}),
    ...(programmed !== undefined ? { programmed: programmed.message === "" ? programmed.status : programmed.message } : {}),
    ...(tls !== undefined ? { transport: tls.status === "True" ? "mTLS" : tls.status === "False" ? tls.message : "-" } : {}),
    message: firstUnhappy(conditions),
    healthy: isTrue(conditions, "Accepted") && isTrue(conditions, "ResolvedRefs"),
  };
}

function inNamespace(ns: string, filter: string | undefined): boolean {
  return filter === undefined || ns === filter;
}

function finish(routes: RouteStatusRow[], gateways: GatewayStatusRow[]): StatusReport {
  const key = (a: { namespace: string; name: string; kind?: string }): string => `${a.namespace}/${a.kind ?? ""}/${a.name}`;
  routes.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  gateways.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  const healthy = routes.every((r) => r.parents.every((p) => p.healthy)) && gateways.every((g) => g.healthy);
  return { routes, gateways, healthy };
}

/** From translate's statuses (offline). */
export function statusFromTranslate(statuses: readonly StatusUpdate[], snapshot: ResourceSnapshot, namespace?: string): StatusReport {
  const routes: RouteStatusRow[] = [];
  const gateways: GatewayStatusRow[] = [];
  for (const s of statuses) {
    if (!inNamespace(s.target.namespace, namespace)) continue;
    if ("parents" in s) {
      routes.push({ kind: s.target.kind, namespace: s.target.namespace, name: s.target.name, parents: s.parents.map((p) => parentStatus(p.parentRef, s.target.namespace, p.conditions)) });
    } else if ("listeners" in s) {
      const gw = snapshot.gateways.find((g) => g.metadata.namespace === s.target.namespace && g.metadata.name === s.target.name);
      gateways.push(gatewayRow(s.target.namespace, s.target.name, gw?.spec.gatewayClassName ?? "-", s.conditions, s.listeners));
    }
  }
  return finish(routes, gateways);
}

function gatewayRow(namespace: string, name: string, className: string, conditions: readonly Condition[],
  listeners: readonly { name: string; attachedRoutes: number; conditions: readonly Condition[] }[]): GatewayStatusRow
{
  return {
    namespace,
    name,
    className,
    accepted: cond(conditions, "Accepted"),
    programmed: cond(conditions, "Programmed"),
    message: firstUnhappy(conditions),
    healthy: isTrue(conditions, "Accepted") && isTrue(conditions, "Programmed"),
    listeners: listeners.map((l) => ({
      name: l.name,
      attachedRoutes: l.attachedRoutes,
      accepted: cond(l.conditions, "Accepted"),
      programmed: cond(l.conditions, "Programmed"),
      resolvedRefs: cond(l.conditions, "ResolvedRefs"),
      message: firstUnhappy(l.conditions),
    })),
  };
}

interface LiveGatewayStatus {
  readonly conditions?: readonly Condition[];
  readonly listeners?: readonly { readonly name?: string; readonly attachedRoutes?: number; readonly conditions?: readonly Condition[] }[];
}

/** From the objects' live .status (only entries written by Weft's controllerName; Gateways of Weft's classes). */
export function statusFromCluster(snapshot: ResourceSnapshot, namespace?: string): StatusReport {
  const routes: RouteStatusRow[] = [];
  const ours = new Set(snapshot.gatewayClasses.filter((c) => c.spec.controllerName === WEFT_CONTROLLER_NAME).map((c) => c.metadata.name));
  const addRoute = (kind: string, r: HTTPRoute | GRPCRoute): void => {
    const ns = r.metadata.namespace ?? "default";
    if (!inNamespace(ns, namespace)) return;
    const parents = (r.status?.parents ?? []).filter((p) => p.controllerName === WEFT_CONTROLLER_NAME);
    if (parents.length === 0) return;
    routes.push({ kind, namespace: ns, name: r.metadata.name, parents: parents.map((p) => parentStatus(p.parentRef, ns, p.conditions ?? [])) });
  };
  for (const r of snapshot.httpRoutes) addRoute("HTTPRoute", r);
  for (const r of snapshot.grpcRoutes) addRoute("GRPCRoute", r);
  const gateways: GatewayStatusRow[] = [];
  for (const g of snapshot.gateways) {
    const ns = g.metadata.namespace ?? "default";
    if (!ours.has(g.spec.gatewayClassName) || !inNamespace(ns, namespace)) continue;
    const st = (g.status ?? {}) as LiveGatewayStatus;
    const live: LiveGatewayStatus["listeners"] = Array.isArray(st.listeners) ? st.listeners : [];
    const listeners = (live ?? []).map((l) => ({ name: String(l.name ?? ""), attachedRoutes: Number(l.attachedRoutes ?? 0), conditions: l.conditions ?? [] }));
    gateways.push(gatewayRow(ns, g.metadata.name, g.spec.gatewayClassName, Array.isArray(st.conditions) ? st.conditions : [], listeners));
  }
  return finish(routes, gateways);
}

export function renderStatusTable(r: StatusReport): string {
  let out = "";
  if (r.gateways.length > 0) {
    out += "GATEWAYS\n";
    out += renderTable(
      ["NAMESPACE", "NAME", "CLASS", "LISTENER", "ATTACHED", "ACCEPTED", "PROGRAMMED", "MESSAGE"],
      r.gateways.flatMap((g) => [
        [g.namespace, g.name, g.className, "*", String(g.listeners.reduce((s, l) => s + l.attachedRoutes, 0)), g.accepted, g.programmed, g.message],
        ...g.listeners.map((
          l,
        ) => ["", "", "", l.name, String(l.attachedRoutes), l.accepted, l.programmed, l.resolvedRefs === "True" || l.resolvedRefs === "-" ? l.message : `ResolvedRefs ${l.resolvedRefs} ${l.message}`]),
      ]),
    );
  }
  if (r.routes.length > 0) {
    if (out !== "") out += "\n";
    out += "ROUTES\n";
    out += renderTable(
      ["NAMESPACE", "KIND", "NAME", "PARENT", "ACCEPTED", "RESOLVEDREFS", "PROGRAMMED", "TRANSPORT", "MESSAGE"],
      r.routes.flatMap((route) =>
        route.parents.map((p, i) => [
          i === 0 ? route.namespace : "",
          i === 0 ? route.kind : "",
          i === 0 ? route.name : "",
          p.parent,
          p.accepted,
          p.resolvedRefs,
          p.programmed ?? "-",
          p.transport ?? "-",
          `${p.partiallyInvalid !== undefined ? `PartiallyInvalid ${p.partiallyInvalid}: ` : ""}${p.message}`,
        ])
      ),
    );
  }
  if (out === "") out = "no Gateway API objects handled by Weft\n";
  out += `\n${r.healthy ? "all routes Accepted and ResolvedRefs" : "some routes or gateways are not healthy (exit 4)"}\n`;
  return out;
}
