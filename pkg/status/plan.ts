// plan: decides whether a status write is needed and what to write.
// Takes the live object as read from the API server (or the informer cache), our StatusUpdate, our
// controllerName and `now`. Gives `{ write: true, status }` with the merged status, or
// `{ write: false, reason }` when the merged status equals the live one ("diff ⇒ no write") or the
// live status was written for a newer generation than ours (spec §4: "don't write if the stored
// observedGeneration is newer than yours").
// Must not: perform I/O.
import type { RouteStatus, StatusUpdate } from "../api/index.ts";
import { canonicalJson } from "../util/canonical-json.ts";
import { newestObservedGeneration } from "./conditions.ts";
import { mergeGatewayClassStatus, mergeGatewayStatus } from "./gateway-status.ts";
import { mergeRouteStatus } from "./route-status.ts";

export type StatusPlan =
  | { readonly write: true; readonly status: Record<string, unknown> }
  | { readonly write: false; readonly reason: "unchanged" | "stale" };

export interface LiveObject {
  readonly metadata?: { readonly namespace?: string; readonly generation?: number };
  readonly status?: unknown;
}

function record(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

export function planStatus(live: LiveObject, update: StatusUpdate, controllerName: string, now: string): StatusPlan {
  const liveStatus = record(live.status);
  const generation = update.target.generation;
  let next: Record<string, unknown>;
  let storedGeneration: number | undefined;
  if (update.target.kind === "HTTPRoute" || update.target.kind === "GRPCRoute") {
    const routeUpdate = update as Extract<StatusUpdate, { target: { kind: "HTTPRoute" | "GRPCRoute" } }>;
    const rs: RouteStatus = { parents: Array.isArray(liveStatus["parents"]) ? (liveStatus["parents"] as RouteStatus["parents"]) : [] };
    for (const p of rs.parents) {
      if (p.controllerName !== controllerName) continue;
      const g = newestObservedGeneration(p.conditions);
      if (g !== undefined && (storedGeneration === undefined || g > storedGeneration)) storedGeneration = g;
    }
    const parents = routeUpdate.parents.map((p) => ({ parentRef: p.parentRef, controllerName, conditions: p.conditions }));
    next = { ...liveStatus, ...mergeRouteStatus(rs, parents, { controllerName, namespace: update.target.namespace, generation, now }) };
  } else if (update.target.kind === "Gateway") {
    storedGeneration = newestObservedGeneration(liveStatus["conditions"] as never);
    next = mergeGatewayStatus(liveStatus, update as Extract<StatusUpdate, { target: { kind: "Gateway" } }>, now);
  } else {
    storedGeneration = newestObservedGeneration(liveStatus["conditions"] as never);
    next = mergeGatewayClassStatus(liveStatus, update as Extract<StatusUpdate, { target: { kind: "GatewayClass" } }>, now);
  }
  if (storedGeneration !== undefined && storedGeneration > generation) return { write: false, reason: "stale" };
  if (canonicalJson(next) === canonicalJson(liveStatus)) return { write: false, reason: "unchanged" };
  return { write: true, status: next };
}
