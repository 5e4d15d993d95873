// translate-pass: one translate pass as a script of named steps, from a ResourceSnapshot to the IR,
// statuses and diagnostics. Each step is a function in the file named for its concept:
//   accept classes        gateway-class.ts     which GatewayClasses are ours (and their status)
//   model gateways        collect-routes.ts    our Gateways' listeners, certificates, conflicts
//   collect routes        collect-routes.ts    every route's owned parentRefs, compiled and attached
//   resolve kind conflicts route-kind-conflicts.ts  HTTPRoute vs GRPCRoute on one parent (spec §1.9)
//   attach                attach-routes.ts     Accepted or not per parent; table members; demands
//   statuses              route-status.ts, gateway-status.ts
//   route tables          gateway-ir.ts, mesh-ir.ts   (precedence-sorted, route-tables.ts)
//   clusters              cluster-demands.ts   demanded clusters with their endpoints (endpoints.ts)
// Pure and deterministic: every list is sorted first. A bug inside one object's translation is caught
// (pass-context.ts guard) and becomes an "ObjectInternalError" diagnostic for that object; the pass
// continues (the pass-wide "InternalError" of index.ts means the whole pass failed: keep the last good IR).
// Must not: throw, read the clock, or perform I/O.
import type { ResourceSnapshot } from "../api/index.ts";
import { attachRoutes } from "./attach-routes.ts";
import { cmp } from "./diagnostics.ts";
import { collectRoutes, modelGateways } from "./collect-routes.ts";
import { passClusters } from "./cluster-demands.ts";
import { translateGatewayClasses } from "./gateway-class.ts";
import { gatewayTables } from "./gateway-ir.ts";
import { gatewayStatuses } from "./gateway-status.ts";
import { meshTables } from "./mesh-ir.ts";
import { startPass, type TranslateOptions } from "./pass-context.ts";
import type { TranslateResult } from "./result.ts";
import { resolveListenerConflicts, resolveMeshConflicts } from "./route-kind-conflicts.ts";
import { routeStatuses } from "./route-status.ts";

export { DEFAULT_TRUST_DOMAIN, OBJECT_INTERNAL_ERROR, PASS_INTERNAL_ERROR } from "./pass-context.ts";
export type { TranslateOptions } from "./pass-context.ts";

export function translatePass(snapshot: ResourceSnapshot, options: TranslateOptions = {}): TranslateResult {
  const ctx = startPass(snapshot, options);
  const classes = translateGatewayClasses(ctx.idx.gatewayClasses, ctx.controllerName);
  const gateways = modelGateways(ctx, classes.ours);
  const works = collectRoutes(ctx, gateways);
  resolveMeshConflicts(works, ctx.diags);
  resolveListenerConflicts(works, ctx.diags);
  const attachment = attachRoutes(works);
  const statuses = [...classes.statuses, ...routeStatuses(ctx, attachment), ...gatewayStatuses(ctx, gateways, attachment)];
  const gatewayIr = gatewayTables(ctx, gateways, attachment);
  const services = meshTables(ctx, attachment);
  const clusters = passClusters(ctx, attachment.demands);
  statuses.sort((a, b) => cmp(a.target.kind, b.target.kind) || cmp(a.target.namespace, b.target.namespace) || cmp(a.target.name, b.target.name));
  return {
    ir: { gateways: gatewayIr.gateways, services, clusters, secrets: gatewayIr.secrets },
    statuses,
    diagnostics: ctx.diags.sorted(),
  };
}
