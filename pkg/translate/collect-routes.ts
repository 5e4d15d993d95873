// collect-routes: the "model gateways" and "collect routes" steps of a translate pass. Gives our
// Gateways as GatewayModels (listeners validated, certificates resolved), and for every HTTPRoute and
// GRPCRoute a RouteWork: each parentRef that names one of our Gateways or a Service, with the route
// compiled once per context (Gateway, mesh) and attached (allowedRoutes, hostnames, sectionName/port).
// A parentRef to a Gateway that is not ours or does not exist gets no status entry (spec §4), only a
// diagnostic saying why.
// Must not: decide acceptance (attach-routes.ts does), or throw for one bad object (guard).
import { GATEWAY_GROUP } from "../api/index.ts";
import type { RouteKind } from "./backend-refs.ts";
import type { Problem } from "./conditions.ts";
import { LIMITS } from "./limits.ts";
import { modelGateway, type GatewayModel } from "./listeners.ts";
import { attachToService } from "./mesh-parents.ts";
import { attachToGateway, parentTarget } from "./parent-refs.ts";
import { guard, type PassContext } from "./pass-context.ts";
import { compileRoute, type AnyRoute, type CompiledRoute } from "./route-rules.ts";
import type { ParentOutcome, RouteWork } from "./route-work.ts";
import type { SecretCache } from "./tls-certificates.ts";
import { keyOf, nsOf } from "./snapshot-index.ts";

export function modelGateways(ctx: PassContext, ours: ReadonlySet<string | undefined>): Map<string, GatewayModel> {
  const cache: SecretCache = new Map();
  const gateways = new Map<string, GatewayModel>();
  for (const gw of ctx.idx.gateways) {
    if (!ours.has(gw.spec?.gatewayClassName)) continue;
    const key = keyOf(gw.metadata);
    guard(ctx, `Gateway/${key}`, "translation", () => {
      if (!gateways.has(key)) gateways.set(key, modelGateway(ctx.idx, cache, gw));
    });
  }
  return gateways;
}

export function collectRoutes(ctx: PassContext, gateways: ReadonlyMap<string, GatewayModel>): RouteWork[] {
  const works: RouteWork[] = [];
  for (const [kind, routes] of [["HTTPRoute", ctx.idx.httpRoutes], ["GRPCRoute", ctx.idx.grpcRoutes]] as const) {
    for (const route of routes as readonly AnyRoute[]) {
      const work = guard(ctx, `${kind}/${keyOf(route.metadata)}`, "translation", () => collectRoute(ctx, gateways, kind, route));
      if (work !== undefined) works.push(work);
    }
  }
  return works;
}

function collectRoute(ctx: PassContext, gateways: ReadonlyMap<string, GatewayModel>, kind: RouteKind, route: AnyRoute): RouteWork {
  const { idx, diags } = ctx;
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
      diags.add("warning", "UnsupportedParentKind", object, `parentRef group "${p.group ?? GATEWAY_GROUP}" kind "${p.kind ?? "Gateway"}" is not a Gateway or Service; ignored`, path);
    }
  }
  for (const c of [gwCompiled, meshCompiled]) {
    for (const n of c?.notes ?? []) diags.add("warning", "UnsupportedFilter", object, n);
  }
  return { kind, route, object, parents, ...(tooMany === undefined ? {} : { tooMany }) };
}
