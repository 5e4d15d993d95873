// parent-refs: takes one route parentRef that names a Gateway of ours, gives the listeners the route
// attaches to (with effective hostnames) or the reason it does not. Spec §6: sectionName ⇒ that
// listener, port ⇒ listeners on that port, both ⇒ the same listener, none match ⇒ NoMatchingParent;
// allowedRoutes namespaces/kinds ⇒ NotAllowedByListeners; spec §7 hostname intersection ⇒
// NoMatchingListenerHostname.
// Must not: decide route validity (route-rules.ts) or count attachments (gateway-status.ts).
import type { ParentReference } from "../api/index.ts";
import { GATEWAY_GROUP } from "../api/index.ts";
import { namespaceAdmitted } from "./allowed-routes.ts";
import type { RouteKind } from "./backend-refs.ts";
import type { Problem } from "./conditions.ts";
import { effectiveHostnames } from "./hostnames.ts";
import type { GatewayModel, ListenerModel } from "./listeners.ts";
import type { SnapshotIndex } from "./snapshot-index.ts";

export interface ListenerAttachment {
  readonly listener: ListenerModel;
  readonly hostnames: readonly string[];
}

export type GatewayAttachment = { readonly ok: true; readonly listeners: readonly ListenerAttachment[] } | { readonly ok: false; readonly problem: Problem };

export type ParentTarget = "Gateway" | "Service" | "Other";

export function parentTarget(p: ParentReference): ParentTarget {
  const group = p.group ?? GATEWAY_GROUP;
  const kind = p.kind ?? "Gateway";
  if (group === GATEWAY_GROUP && kind === "Gateway") return "Gateway";
  if (group === "" && kind === "Service") return "Service";
  return "Other";
}

/** The parentRef as written, with the CRD defaults for group and kind filled in (status echo). */
export function echoParentRef(p: ParentReference): ParentReference {
  return {
    group: p.group ?? GATEWAY_GROUP,
    kind: p.kind ?? "Gateway",
    ...(p.namespace === undefined ? {} : { namespace: p.namespace }),
    name: p.name,
    ...(p.sectionName === undefined ? {} : { sectionName: p.sectionName }),
    ...(p.port === undefined ? {} : { port: p.port }),
  };
}

function fail(reason: Problem["reason"], message: string): GatewayAttachment {
  return { ok: false, problem: { reason, message } };
}

export function attachToGateway(
  index: SnapshotIndex,
  gw: GatewayModel,
  p: ParentReference,
  route: { readonly kind: RouteKind; readonly namespace: string; readonly hostnames: readonly string[] },
): GatewayAttachment {
  const gwName = `Gateway ${gw.namespace}/${gw.name}`;
  const candidates = gw.listeners.filter((l) => (p.sectionName === undefined || l.listener.name === p.sectionName) && (p.port === undefined || l.listener.port === p.port));
  if (candidates.length === 0) {
    const what = p.sectionName !== undefined && p.port !== undefined ?
      `listener "${p.sectionName}" on port ${p.port}`
      : p.sectionName !== undefined
      ? `listener "${p.sectionName}"`
      : p.port !== undefined
      ? `listener on port ${p.port}`
      : "listener";
    return fail("NoMatchingParent", `${gwName} has no ${what}`);
  }
  const kindOk = candidates.filter((l) => l.supportedKinds.some((k) => k.group === GATEWAY_GROUP && k.kind === route.kind));
  if (kindOk.length === 0) return fail("NotAllowedByListeners", `no matching listener of ${gwName} allows kind ${route.kind}`);
  const nsOk = kindOk.filter((l) => namespaceAdmitted(l.policy, gw.namespace, route.namespace, index));
  if (nsOk.length === 0) return fail("NotAllowedByListeners", `no matching listener of ${gwName} allows routes from namespace ${route.namespace}`);
  const out: ListenerAttachment[] = [];
  for (const l of nsOk) {
    const hostnames = effectiveHostnames(l.listener.hostname, route.hostnames);
    if (hostnames !== undefined) out.push({ listener: l, hostnames });
  }
  if (out.length === 0) {
    return fail("NoMatchingListenerHostname", `route hostnames ${route.hostnames.join(", ")} do not intersect any matching listener hostname of ${gwName}`);
  }
  return { ok: true, listeners: out };
}
