// gateway-status: takes a Gateway model and the number of Accepted routes per listener, gives the
// Gateway StatusUpdate. Spec §6: listener Accepted / Conflicted / ResolvedRefs / Programmed,
// supportedKinds, attachedRoutes (counted even when the listener is not Accepted); Gateway Accepted
// (ListenersNotValid when any listener is invalid: True while one listener serves, else False) and
// Programmed. spec.addresses (unsupported) ⇒ Accepted=False/UnsupportedAddress; any spec.infrastructure.parametersRef
// (Weft has no Gateway parameters) ⇒ Accepted=False/InvalidParameters; either ⇒ Programmed=False.
// Must not: build IR.
import type { Condition, ListenerStatus, StatusUpdate } from "../api/index.ts";
import type { Attachment } from "./attach-routes.ts";
import { guard, type PassContext } from "./pass-context.ts";
import { condition, joinMessages } from "./conditions.ts";
import type { GatewayModel, ListenerModel } from "./listeners.ts";
import { isServed } from "./listeners.ts";

function listenerConditions(l: ListenerModel, g: number): Condition[] {
  const out: Condition[] = [
    l.notAccepted === undefined
      ? condition("Accepted", "True", "Accepted", "Listener is accepted", g)
      : condition("Accepted", "False", l.notAccepted.reason, l.notAccepted.message, g),
    l.conflicted === undefined
      ? condition("Conflicted", "False", "NoConflicts", "No conflicts", g)
      : condition("Conflicted", "True", l.conflicted.reason, l.conflicted.message, g),
    l.refProblems.length === 0
      ? condition("ResolvedRefs", "True", "ResolvedRefs", "All references are resolved", g)
      : condition("ResolvedRefs", "False", l.refProblems[0]!.reason, joinMessages(l.refProblems.map((p) => p.message)), g),
    isServed(l)
      ? condition("Programmed", "True", "Programmed", "Listener is programmed", g)
      : condition("Programmed", "False", "Invalid", "Listener is not served: see its other conditions", g),
  ];
  return out;
}

export function gatewayStatus(gw: GatewayModel, attached: ReadonlyMap<string, number>): StatusUpdate {
  const g = gw.generation;
  const listeners: ListenerStatus[] = gw.listeners.map((l) => ({
    name: l.listener.name,
    supportedKinds: l.supportedKinds.map((k) => ({ group: k.group, kind: k.kind })),
    attachedRoutes: attached.get(l.id) ?? 0,
    conditions: listenerConditions(l, g),
  }));
  const invalid = gw.listeners.filter((l) => l.notAccepted !== undefined || l.conflicted !== undefined || l.refProblems.length > 0);
  const served = gw.listeners.filter(isServed);
  const invalidMsg = `Listeners ${invalid.map((l) => l.listener.name).join(", ")} are not valid`;
  const conditions: Condition[] = gw.invalidParameters !== undefined ?
    [
      condition("Accepted", "False", "InvalidParameters", gw.invalidParameters, g),
      condition("Programmed", "False", "Invalid", "Gateway is not served while its parametersRef is invalid", g),
    ] :
    gw.unsupportedAddress !== undefined ?
    [
      condition("Accepted", "False", "UnsupportedAddress", gw.unsupportedAddress, g),
      condition("Programmed", "False", "AddressNotUsable", "Gateway is not served while spec.addresses is set", g),
    ] :
    [
      invalid.length === 0 && served.length > 0
        ? condition("Accepted", "True", "Accepted", "Gateway is accepted", g)
        : condition("Accepted", served.length > 0 ? "True" : "False", "ListenersNotValid", gw.listeners.length === 0 ? "Gateway has no listeners" : invalidMsg, g),
      served.length > 0
        ? condition("Programmed", "True", "Programmed", `${served.length} of ${gw.listeners.length} listeners are programmed`, g)
        : condition("Programmed", "False", "Invalid", "No listener can be served", g),
    ];
  return { target: { kind: "Gateway", namespace: gw.namespace, name: gw.name, generation: g }, conditions, listeners };
}

/** The "statuses" step for our Gateways: attachedRoutes counts the routes Accepted on each listener. */
export function gatewayStatuses(ctx: PassContext, gateways: ReadonlyMap<string, GatewayModel>, attachment: Attachment): StatusUpdate[] {
  const out: StatusUpdate[] = [];
  for (const gm of gateways.values()) {
    const status = guard(ctx, `Gateway/${gm.namespace}/${gm.name}`, "translation", () => gatewayStatus(gm, new Map(gm.listeners.map((l) => [l.id, attachment.attached.get(l.id)?.size ?? 0]))));
    if (status !== undefined) out.push(status);
  }
  return out;
}
