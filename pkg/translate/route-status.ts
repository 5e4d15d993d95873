// route-status: takes the outcome of one route parentRef (attachment problem, route validity, refs),
// gives its conditions. Spec §4: Accepted True/False with the specific reason; ResolvedRefs
// True/False (the first problem's reason in spec order, every problem's message: docs/translate.md);
// PartiallyInvalid=True/UnsupportedValue with "Dropped Rule" messages only when the route is Accepted
// and some rules were dropped. observedGeneration = metadata.generation on every condition.
// routeStatuses is the pass step: every route's parents, decided by attach-routes.ts.
// Must not: decide attachment; callers pass problems in.
import type { Condition, StatusUpdate } from "../api/index.ts";
import type { Attachment } from "./attach-routes.ts";
import { echoParentRef } from "./parent-refs.ts";
import { guard, type PassContext } from "./pass-context.ts";
import type { Problem } from "./conditions.ts";
import { condition, joinMessages } from "./conditions.ts";
import type { CompiledRoute } from "./route-rules.ts";

export function routeParentConditions(route: CompiledRoute, notAccepted: Problem | undefined, acceptedMessage: string): Condition[] {
  const g = route.ref.generation;
  const out: Condition[] = [
    notAccepted === undefined
      ? condition("Accepted", "True", "Accepted", acceptedMessage, g)
      : condition("Accepted", "False", notAccepted.reason, notAccepted.message, g),
  ];
  const refs = route.refProblems;
  out.push(refs.length === 0
    ? condition("ResolvedRefs", "True", "ResolvedRefs", "All references are resolved", g)
    : condition("ResolvedRefs", "False", refs[0]!.reason, joinMessages(refs.map((r) => r.message)), g));
  if (notAccepted === undefined && route.dropped.length > 0) {
    out.push(condition("PartiallyInvalid", "True", "UnsupportedValue", joinMessages(route.dropped.map((d) => `${d.message} (${d.reason})`)), g));
  }
  return out;
}

/** The "statuses" step for routes: one StatusUpdate per route with an owned parent, our entries only. */
export function routeStatuses(ctx: PassContext, attachment: Attachment): StatusUpdate[] {
  const out: StatusUpdate[] = [];
  for (const r of attachment.routes) {
    guard(ctx, r.object, "status", () => {
      if (r.parents.length === 0) return;
      const parents = r.parents.map((p) => ({
        parentRef: echoParentRef(p.pref),
        controllerName: ctx.controllerName,
        conditions: routeParentConditions(p.compiled, p.notAccepted, p.acceptedMessage),
      }));
      const ref = r.parents[0]!.compiled.ref;
      out.push({ target: { kind: r.kind, namespace: ref.namespace, name: ref.name, generation: ref.generation }, parents });
    });
  }
  return out;
}
