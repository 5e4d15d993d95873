// route-status-fixture: the route status the status decorations (weft.dev/Programmed, weft.dev/MeshTLS) are
// tested on: HTTPRoute shop/cart at a generation, one parent (Service svc<i>) per list of conditions, and the
// Accepted conditions its parents carry. Gives StatusUpdates and a reader of their parents. Test support only.
import type { Condition, StatusUpdate } from "../../pkg/api/index.ts";

/** Accepted=True, and Accepted=False for `rejectedReason`, both observed at `generation`. */
export function acceptedConditions(generation: number, rejectedReason: string): { accepted: Condition; rejected: Condition } {
  return {
    accepted: { type: "Accepted", status: "True", reason: "Accepted", message: "ok", observedGeneration: generation },
    rejected: { type: "Accepted", status: "False", reason: rejectedReason, message: "no", observedGeneration: generation },
  };
}

/** HTTPRoute shop/cart at `generation` with one Service parent per entry of `conditions`. */
export function routeStatus(conditions: Condition[][], generation: number): StatusUpdate {
  return {
    target: { kind: "HTTPRoute", namespace: "shop", name: "cart", generation },
    parents: conditions.map((c, i) => ({ parentRef: { group: "", kind: "Service", name: `svc${i}` }, controllerName: "weft.dev/gateway-controller", conditions: c })),
  };
}

export const parents = (s: StatusUpdate) => (s as Extract<StatusUpdate, { parents: unknown }>).parents;
