// attach-routes: the "attach" step of a translate pass. Takes the collected routes (after kind
// conflicts are resolved); decides for every parentRef whether the route is Accepted there (the first
// problem of: attachment, route-type conflict, too many parentRefs, the route itself) and with which
// message, and gives what the later steps build from: the members of every listener's and every mesh
// Service port's route tables (mesh ports grouped producer "" / consumer namespace, spec §2), the
// routes attached per listener (attachedRoutes) and the clusters accepted routes need.
// Must not: build statuses or IR (route-status.ts, gateway-status.ts, gateway-ir.ts, mesh-ir.ts do).
import type { ParentReference } from "../api/index.ts";
import { ClusterDemands } from "./cluster-demands.ts";
import type { Problem } from "./conditions.ts";
import type { RouteKind } from "./backend-refs.ts";
import type { CompiledRoute } from "./route-rules.ts";
import type { TableMember } from "./route-tables.ts";
import type { ParentOutcome, RouteWork } from "./route-work.ts";
import { keyOf } from "./snapshot-index.ts";

/** Mesh table members keyed by "ns/svc:port", then by group ("" = producer, else consumer namespace). */
export type MeshMembers = ReadonlyMap<string, ReadonlyMap<string, readonly TableMember[]>>;

export interface ParentVerdict {
  readonly pref: ParentReference;
  readonly compiled: CompiledRoute;
  /** Why the route is not Accepted on this parent; undefined = Accepted. */
  readonly notAccepted: Problem | undefined;
  readonly acceptedMessage: string;
}

export interface RouteVerdicts {
  readonly kind: RouteKind;
  readonly object: string;
  readonly parents: readonly ParentVerdict[];
}

export interface Attachment {
  readonly routes: readonly RouteVerdicts[];
  /** listener id → its members, one per route. */
  readonly listenerMembers: ReadonlyMap<string, readonly TableMember[]>;
  readonly meshMembers: MeshMembers;
  /** listener id → routes Accepted on it (objects). */
  readonly attached: ReadonlyMap<string, ReadonlySet<string>>;
  readonly demands: ClusterDemands;
}

function verdictOf(w: RouteWork, p: ParentOutcome): ParentVerdict {
  const attachProblem = p.gatewayAttachment?.ok === false ? p.gatewayAttachment.problem : p.mesh?.ok === false ? p.mesh.problem : undefined;
  const notAccepted = attachProblem ?? p.conflict ?? w.tooMany ?? p.compiled.routeProblem;
  let acceptedMessage = "Route is accepted";
  if (notAccepted === undefined && p.gatewayAttachment?.ok === true && p.gateway !== undefined) {
    const ls = p.gatewayAttachment.listeners;
    acceptedMessage = `Route is accepted on listener${ls.length > 1 ? "s" : ""} ${ls.map((l) => l.listener.listener.name).join(", ")} of Gateway ${p.gateway.namespace}/${p.gateway.name}`;
  } else if (notAccepted === undefined && p.mesh?.ok === true) {
    const m = p.mesh;
    acceptedMessage = `Route is accepted on Service ${keyOf(m.service.metadata)} port${m.ports.length > 1 ? "s" : ""} ${m.ports.map((sp) => sp.port).join(", ")} as a ${
      m.group === "" ? "producer route" : `consumer route for namespace ${m.group}`
    }`;
  }
  return { pref: p.pref, compiled: p.compiled, notAccepted, acceptedMessage };
}

/** One member per route and table; a route attached twice to a table gets the union of its hostnames ([] = any). */
function addMember(map: Map<string, Map<string, TableMember>>, key: string, route: CompiledRoute, hostnames: readonly string[]): void {
  let byRoute = map.get(key);
  if (byRoute === undefined) map.set(key, byRoute = new Map<string, TableMember>());
  const rk = `${route.ref.namespace}/${route.ref.name}`;
  const prev = byRoute.get(rk);
  const merged = prev === undefined ?
    hostnames
    : prev.hostnames.length === 0 || hostnames.length === 0
    ? []
    : [...new Set([...prev.hostnames, ...hostnames])].sort();
  byRoute.set(rk, { route, hostnames: merged });
}

/** mesh members are keyed "ns/svc:port" then by route; regroup by producer "" / consumer namespace. */
function groupMesh(meshMembers: ReadonlyMap<string, ReadonlyMap<string, TableMember>>): Map<string, Map<string, TableMember[]>> {
  const grouped = new Map<string, Map<string, TableMember[]>>();
  for (const [portKey, byRoute] of meshMembers) {
    const serviceNamespace = portKey.slice(0, portKey.indexOf("/"));
    for (const member of byRoute.values()) {
      const group = member.route.ref.namespace === serviceNamespace ? "" : member.route.ref.namespace;
      let groups = grouped.get(portKey);
      if (groups === undefined) grouped.set(portKey, groups = new Map<string, TableMember[]>());
      const list = groups.get(group);
      if (list) list.push(member);
      else groups.set(group, [member]);
    }
  }
  return grouped;
}

export function attachRoutes(works: readonly RouteWork[]): Attachment {
  const listenerMembers = new Map<string, Map<string, TableMember>>();
  const meshMembers = new Map<string, Map<string, TableMember>>();
  const attached = new Map<string, Set<string>>();
  const demands = new ClusterDemands();
  const routes: RouteVerdicts[] = [];
  for (const w of works) {
    const parents = w.parents.map((p) => {
      const verdict = verdictOf(w, p);
      if (verdict.notAccepted !== undefined) return verdict;
      if (p.gatewayAttachment?.ok === true && p.gateway !== undefined) {
        for (const l of p.gatewayAttachment.listeners) {
          addMember(listenerMembers, l.listener.id, p.compiled, l.hostnames);
          let set = attached.get(l.listener.id);
          if (set === undefined) attached.set(l.listener.id, set = new Set());
          set.add(w.object);
        }
        p.compiled.demands.forEach(demands.add);
      } else if (p.mesh?.ok === true) {
        for (const sp of p.mesh.ports) addMember(meshMembers, `${keyOf(p.mesh.service.metadata)}:${sp.port}`, p.compiled, []);
        p.compiled.demands.forEach(demands.add);
      }
      return verdict;
    });
    routes.push({ kind: w.kind, object: w.object, parents });
  }
  const members = new Map([...listenerMembers].map(([id, byRoute]) => [id, [...byRoute.values()]]));
  return { routes, listenerMembers: members, meshMembers: groupMesh(meshMembers), attached, demands };
}
