// route-status: merges our per-parentRef route status into the live HTTPRoute/GRPCRoute status.
// Takes the live status (maybe absent), our parent entries, our controllerName, the route's
// namespace (to default parentRef.namespace), generation and `now`.
// Gives the new status: every other controller's entry kept untouched and in place, ours replaced
// per parentRef (entries for parentRefs we no longer report removed), ≤ MAX_PARENTS entries.
// Spec §4: "Update only entries with your own controllerName; never touch others; treat each
// parentRef separately; ≤32 parents." A live parentRef equal to ours after defaults keeps its stored
// spelling (the API server fills in group/kind), so an unchanged status never causes a write.
// Must not: drop, reorder or edit an entry whose controllerName is not ours.
import type { ParentReference, RouteParentStatus, RouteStatus } from "../api/index.ts";
import { GATEWAY_GROUP } from "../api/index.ts";
import { mergeConditions } from "./conditions.ts";

export const MAX_PARENTS = 32;

/** Identity of a parentRef with the spec defaults applied. */
export function parentRefKey(ref: ParentReference, routeNamespace: string): string {
  return JSON.stringify([
    ref.group ?? GATEWAY_GROUP,
    ref.kind ?? "Gateway",
    ref.namespace ?? routeNamespace,
    ref.name,
    ref.sectionName ?? "",
    ref.port ?? 0,
  ]);
}

export interface RouteMergeContext {
  readonly controllerName: string;
  readonly namespace: string;
  readonly generation: number;
  readonly now: string;
}

export function mergeRouteStatus(
  live: RouteStatus | undefined,
  ours: readonly RouteParentStatus[],
  ctx: RouteMergeContext,
): RouteStatus {
  const liveParents = live?.parents ?? [];
  const others = liveParents.filter((p) => p.controllerName !== ctx.controllerName);
  const liveOurs = new Map<string, RouteParentStatus>();
  for (const p of liveParents) {
    if (p.controllerName === ctx.controllerName) liveOurs.set(parentRefKey(p.parentRef, ctx.namespace), p);
  }
  const room = Math.max(0, MAX_PARENTS - others.length);
  const seen = new Set<string>();
  const merged: RouteParentStatus[] = [];
  for (const p of ours) {
    const key = parentRefKey(p.parentRef, ctx.namespace);
    if (seen.has(key) || merged.length >= room) continue;
    seen.add(key);
    const prev = liveOurs.get(key);
    merged.push({
      parentRef: prev?.parentRef ?? p.parentRef,
      controllerName: ctx.controllerName,
      conditions: mergeConditions(prev?.conditions, p.conditions, ctx.generation, ctx.now),
    });
  }
  return { parents: [...others, ...merged] };
}
