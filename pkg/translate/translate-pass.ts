// translate-pass: takes a ResourceSnapshot and options, gives one TranslateResult: the IR, statuses
// and diagnostics. Order: GatewayClasses → our Gateways (listeners) → routes (parentRefs, rules,
// attachment) → mesh route-type conflicts (spec §1.9) → statuses → route tables → clusters.
// Pure and deterministic: every list is sorted first. A bug inside one object's translation is
// caught and becomes an "ObjectInternalError" diagnostic for that object; the pass continues (the
// pass-wide "InternalError" of index.ts means the whole pass failed: keep the last good IR).
// Must not: throw, read the clock, or perform I/O.
import type { ResourceSnapshot, StatusUpdate } from "../api/index.ts";
import { GATEWAY_GROUP, WEFT_CONTROLLER_NAME } from "../api/index.ts";
import type { GatewayIR, TlsSecretIR } from "../ir/types.ts";
import type { ClusterDemand, RouteKind } from "./backend-refs.ts";
import type { Problem } from "./conditions.ts";
import { Diagnostics, cmp } from "./diagnostics.ts";
import type { ClusterSpec } from "./endpoints.ts";
import { backendLimitsOf } from "./backend-limits.ts";
import { buildClusters } from "./endpoints.ts";
import { gatewayIR } from "./gateway-ir.ts";
import { translateGatewayClasses } from "./gateway-class.ts";
import { gatewayStatus } from "./gateway-status.ts";
import { LIMITS } from "./limits.ts";
import type { GatewayModel } from "./listeners.ts";
import { isServed, modelGateway } from "./listeners.ts";
import { attachToService } from "./mesh-parents.ts";
import { meshServicesIR } from "./mesh-ir.ts";
import { attachToGateway, echoParentRef, parentTarget } from "./parent-refs.ts";
import type { TranslateResult } from "./result.ts";
import type { AnyRoute, CompiledRoute } from "./route-rules.ts";
import { compileRoute } from "./route-rules.ts";
import { routeParentConditions } from "./route-status.ts";
import type { TableMember } from "./route-tables.ts";
import { resolveListenerConflicts, resolveMeshConflicts } from "./route-kind-conflicts.ts";
import type { ParentOutcome, RouteWork } from "./route-work.ts";
import type { SnapshotIndex } from "./snapshot-index.ts";
import { indexEndpoints, indexSnapshot, keyOf, nsOf } from "./snapshot-index.ts";
import type { SecretCache } from "./tls-certificates.ts";

export interface TranslateOptions {
  readonly controllerName?: string;
  readonly trustDomain?: string;
}

export const DEFAULT_TRUST_DOMAIN = "cluster.local";

/** Diagnostic code: one object failed to translate (a bug); the rest of the pass is valid. */
export const OBJECT_INTERNAL_ERROR = "ObjectInternalError";
/** Diagnostic code: the whole pass failed (a bug); the IR is empty, keep the last good one. */
export const PASS_INTERNAL_ERROR = "InternalError";

function errorText(e: unknown): string {
  return (e instanceof Error ? `${e.name}: ${e.message}` : String(e)).slice(0, 300);
}

function collectRoute(
  idx: SnapshotIndex, gateways: ReadonlyMap<string, GatewayModel>, diags: Diagnostics, kind: RouteKind, route: AnyRoute,
): RouteWork {
  const ns = nsOf(route.metadata);
  const object = `${kind}/${ns}/${route.metadata.name}`;
  const all = route.spec?.parentRefs ?? [];
  const tooMany: Problem | undefined = all.length > LIMITS.parentRefs
    ? { reason: "UnsupportedValue", message: `spec.parentRefs: ${all.length} parentRefs, over the limit of ${LIMITS.parentRefs}` }
    : undefined;
  let gwCompiled: CompiledRoute | undefined;
  let meshCompiled: CompiledRoute | undefined;
  const parents: ParentOutcome[] = [];
  const seen = new Set<string>();
  for (const [i, p] of all.slice(0, LIMITS.parentRefs).entries()) {
    if (p === null || typeof p !== "object" || typeof p.name !== "string") {
      diags.add("warning", "MalformedParentRef", object, "parentRef is not an object with a name; ignored", `spec.parentRefs[${i}]`);
      continue;
    }
    const pns = p.namespace ?? ns;
    const dedupe = `${p.group ?? GATEWAY_GROUP}|${p.kind ?? "Gateway"}|${pns}|${p.name}|${p.sectionName ?? ""}|${p.port ?? ""}`;
    if (seen.has(dedupe)) continue;
    seen.add(dedupe);
    const target = parentTarget(p);
    const path = `spec.parentRefs[${i}]`;
    if (target === "Gateway") {
      const gm = gateways.get(`${pns}/${p.name}`);
      if (gm === undefined) {
        const existing = idx.gatewaysByKey.get(`${pns}/${p.name}`);
        const className = existing?.spec?.gatewayClassName;
        if (existing !== undefined && !idx.classesByName.has(className ?? "")) {
          diags.add("warning", "ParentClassNotFound", object, `Gateway ${pns}/${p.name} names GatewayClass "${className}", which does not exist; no status written for it`, path);
        } else if (existing !== undefined) diags.add("info", "ParentNotOurs", object, `Gateway ${pns}/${p.name} belongs to another controller; no status written for it`, path);
        else diags.add("warning", "ParentNotFound", object, `Gateway ${pns}/${p.name} not found; no status entry is written for it (spec §4)`, path);
        continue;
      }
      gwCompiled ??= compileRoute(route, kind, { index: idx, routeKind: kind, routeNamespace: ns, mesh: false });
      const gatewayAttachment = attachToGateway(idx, gm, p, { kind, namespace: ns, hostnames: gwCompiled.hostnames });
      parents.push({ pref: p, compiled: gwCompiled, gateway: gm, gatewayAttachment });
    } else if (target === "Service") {
      const svc = idx.services.get(`${pns}/${p.name}`);
      if (svc === undefined) {
        diags.add("warning", "ParentNotFound", object, `Service ${pns}/${p.name} not found; no status entry is written for it (spec §4)`, path);
        continue;
      }
      meshCompiled ??= compileRoute(route, kind, { index: idx, routeKind: kind, routeNamespace: ns, mesh: true });
      parents.push({ pref: p, compiled: meshCompiled, mesh: attachToService(svc, p, ns) });
    } else {
      diags.add("warning", "UnsupportedParentKind", object, `parentRef kind ${p.group ?? ""}/${p.kind ?? ""} is not a Gateway or Service; ignored`, path);
    }
  }
  for (const c of [gwCompiled, meshCompiled]) {
    for (const n of c?.notes ?? []) diags.add("warning", "UnsupportedFilter", object, n);
  }
  return { kind, route, object, parents, ...(tooMany === undefined ? {} : { tooMany }) };
}

function addMember(map: Map<string, Map<string, TableMember>>, key: string, route: CompiledRoute, hostnames: readonly string[]): void {
  let byRoute = map.get(key);
  if (byRoute === undefined) map.set(key, (byRoute = new Map()));
  const rk = `${route.ref.namespace}/${route.ref.name}`;
  const prev = byRoute.get(rk);
  const merged = prev === undefined ? hostnames
    : prev.hostnames.length === 0 || hostnames.length === 0 ? [] : [...new Set([...prev.hostnames, ...hostnames])].sort();
  byRoute.set(rk, { route, hostnames: merged });
}

export function translatePass(snapshot: ResourceSnapshot, options: TranslateOptions = {}): TranslateResult {
  const controllerName = options.controllerName ?? WEFT_CONTROLLER_NAME;
  const trustDomain = options.trustDomain ?? DEFAULT_TRUST_DOMAIN;
  const diags = new Diagnostics();
  const idx = indexSnapshot(snapshot);
  const statuses: StatusUpdate[] = [];

  const classes = translateGatewayClasses(idx.gatewayClasses, controllerName);
  statuses.push(...classes.statuses);

  const cache: SecretCache = new Map();
  const gateways = new Map<string, GatewayModel>();
  for (const gw of idx.gateways) {
    if (!classes.ours.has(gw.spec?.gatewayClassName)) continue;
    try {
      const key = keyOf(gw.metadata);
      if (!gateways.has(key)) gateways.set(key, modelGateway(idx, cache, gw));
    } catch (e) {
      diags.add("error", OBJECT_INTERNAL_ERROR, `Gateway/${keyOf(gw.metadata)}`, `translation failed: ${errorText(e)}`);
    }
  }

  const works: RouteWork[] = [];
  for (const [kind, routes] of [["HTTPRoute", idx.httpRoutes], ["GRPCRoute", idx.grpcRoutes]] as const) {
    for (const route of routes as readonly AnyRoute[]) {
      try {
        works.push(collectRoute(idx, gateways, diags, kind, route));
      } catch (e) {
        diags.add("error", OBJECT_INTERNAL_ERROR, `${kind}/${keyOf(route.metadata)}`, `translation failed: ${errorText(e)}`);
      }
    }
  }
  resolveMeshConflicts(works, diags);
  resolveListenerConflicts(works, diags);

  const listenerMembers = new Map<string, Map<string, TableMember>>();
  const meshMembers = new Map<string, Map<string, TableMember>>();
  const attached = new Map<string, Set<string>>();
  const demands = new Map<string, ClusterDemand>();
  const demand = (d: ClusterDemand): void => {
    const prev = demands.get(d.id);
    if (prev === undefined) demands.set(d.id, d);
    else if ((d.grpc && !prev.grpc) || (prev.declared === undefined && d.declared !== undefined)) {
      const declared = prev.declared ?? d.declared;
      demands.set(d.id, { ...prev, grpc: prev.grpc || d.grpc, ...(declared === undefined ? {} : { declared }) });
    }
  };

  for (const w of works) {
    try {
      const parents = [];
      for (const p of w.parents) {
        const attachProblem = p.gatewayAttachment?.ok === false ? p.gatewayAttachment.problem : p.mesh?.ok === false ? p.mesh.problem : undefined;
        const notAccepted = attachProblem ?? p.conflict ?? w.tooMany ?? p.compiled.routeProblem;
        let message = "Route is accepted";
        if (notAccepted === undefined && p.gatewayAttachment?.ok === true && p.gateway) {
          const ls = p.gatewayAttachment.listeners;
          message = `Route is accepted on listener${ls.length > 1 ? "s" : ""} ${ls.map((l) => l.listener.listener.name).join(", ")} of Gateway ${p.gateway.namespace}/${p.gateway.name}`;
          for (const l of ls) {
            addMember(listenerMembers, l.listener.id, p.compiled, l.hostnames);
            let set = attached.get(l.listener.id);
            if (set === undefined) attached.set(l.listener.id, (set = new Set()));
            set.add(w.object);
          }
          p.compiled.demands.forEach(demand);
        } else if (notAccepted === undefined && p.mesh?.ok === true) {
          const m = p.mesh;
          message = `Route is accepted on Service ${keyOf(m.service.metadata)} port${m.ports.length > 1 ? "s" : ""} ${m.ports.map((sp) => sp.port).join(", ")} as a ${m.group === "" ? "producer route" : `consumer route for namespace ${m.group}`}`;
          for (const sp of m.ports) addMember(meshMembers, `${keyOf(m.service.metadata)}:${sp.port}`, p.compiled, []);
          p.compiled.demands.forEach(demand);
        }
        parents.push({ parentRef: echoParentRef(p.pref), controllerName, conditions: routeParentConditions(p.compiled, notAccepted, message) });
      }
      if (parents.length === 0) continue;
      const ref = w.parents[0]!.compiled.ref;
      statuses.push({ target: { kind: w.kind, namespace: ref.namespace, name: ref.name, generation: ref.generation }, parents });
    } catch (e) {
      diags.add("error", OBJECT_INTERNAL_ERROR, w.object, `status failed: ${errorText(e)}`);
    }
  }

  // mesh members are keyed "ns/svc:port" then by group; regroup for mesh-ir.
  const meshGrouped = new Map<string, Map<string, TableMember[]>>();
  for (const [portKey, byRoute] of meshMembers) {
    const serviceNamespace = portKey.slice(0, portKey.indexOf("/"));
    for (const member of byRoute.values()) {
      const group = member.route.ref.namespace === serviceNamespace ? "" : member.route.ref.namespace;
      let groups = meshGrouped.get(portKey);
      if (groups === undefined) meshGrouped.set(portKey, (groups = new Map()));
      const list = groups.get(group);
      if (list) list.push(member);
      else groups.set(group, [member]);
    }
  }

  const gatewaysIR: GatewayIR[] = [];
  const secrets = new Map<string, TlsSecretIR>();
  for (const gm of gateways.values()) {
    try {
      const counts = new Map<string, number>();
      for (const l of gm.listeners) counts.set(l.id, attached.get(l.id)?.size ?? 0);
      statuses.push(gatewayStatus(gm, counts));
      const members = new Map<string, TableMember[]>();
      for (const l of gm.listeners) members.set(l.id, [...(listenerMembers.get(l.id)?.values() ?? [])]);
      gatewaysIR.push(gatewayIR(gm, members));
      if (gm.unsupportedAddress === undefined) for (const l of gm.listeners) if (isServed(l)) for (const s of l.secrets) secrets.set(s.id, s);
    } catch (e) {
      diags.add("error", OBJECT_INTERNAL_ERROR, `Gateway/${gm.namespace}/${gm.name}`, `translation failed: ${errorText(e)}`);
    }
  }

  const services = meshServicesIR(idx.sortedServices, meshGrouped, demand, (svc, e) =>
    diags.add("error", OBJECT_INTERNAL_ERROR, `Service/${keyOf(svc.metadata)}`, `translation failed: ${errorText(e)}`));
  const specs: ClusterSpec[] = [...demands.values()].map((d) => ({
    id: d.id, namespace: d.namespace, service: d.service, port: d.port, protocol: d.declared ?? (d.grpc ? "grpc" : "http1"),
  }));
  const clusters = buildClusters(specs, idx.services, indexEndpoints(snapshot), trustDomain);
  for (const key of new Set(specs.map((c) => `${c.namespace}/${c.service}`))) {
    for (const p of backendLimitsOf(idx.services.get(key)).problems) {
      diags.add("warning", "InvalidBackendLimit", `Service/${key}`, p.message, `metadata.annotations["${p.annotation}"]`);
    }
  }

  statuses.sort((a, b) => cmp(a.target.kind, b.target.kind) || cmp(a.target.namespace, b.target.namespace) || cmp(a.target.name, b.target.name));
  return {
    ir: {
      gateways: gatewaysIR,
      services,
      clusters,
      secrets: [...secrets.values()].sort((a, b) => cmp(a.id, b.id)),
    },
    statuses,
    diagnostics: diags.sorted(),
  };
}
