// allowed-routes: takes a listener's allowedRoutes and a route (namespace, kind), gives whether the
// listener admits it, and the listener's supportedKinds. Spec §6: default {namespaces: {from: Same}};
// from All / Same / Selector (label selector on the route's Namespace, matchLabels + matchExpressions);
// kinds empty ⇒ inferred from protocol; kinds Weft cannot serve ⇒ InvalidRouteKinds.
// Must not: consider hostnames or sectionName (parent-refs.ts).
import type { AllowedRoutes } from "../api/index.ts";
import { GATEWAY_GROUP } from "../api/index.ts";
import { checkSelector, selectorMatches } from "./label-selector.ts";
import type { SnapshotIndex } from "./snapshot-index.ts";

export interface GroupKind {
  readonly group: string;
  readonly kind: string;
}

export const HTTP_LISTENER_KINDS: readonly GroupKind[] = [
  { group: GATEWAY_GROUP, kind: "GRPCRoute" },
  { group: GATEWAY_GROUP, kind: "HTTPRoute" },
];

export interface KindsOutcome {
  readonly supportedKinds: readonly GroupKind[];
  readonly invalid: readonly string[];
}

export function listenerKinds(allowed: AllowedRoutes | undefined, protocolSupported: boolean): KindsOutcome {
  if (!protocolSupported) return { supportedKinds: [], invalid: [] };
  const kinds = allowed?.kinds;
  if (kinds === undefined || kinds.length === 0) return { supportedKinds: HTTP_LISTENER_KINDS, invalid: [] };
  const out: GroupKind[] = [];
  const invalid: string[] = [];
  for (const k of kinds) {
    const group = k.group ?? GATEWAY_GROUP;
    const ok = HTTP_LISTENER_KINDS.some((s) => s.group === group && s.kind === k.kind);
    if (!ok) invalid.push(`${group}/${k.kind}`);
    else if (!out.some((o) => o.group === group && o.kind === k.kind)) out.push({ group, kind: k.kind });
  }
  return { supportedKinds: out, invalid };
}

export type NamespacePolicy =
  | { readonly from: "Same" | "All" }
  | { readonly from: "Selector"; readonly selector: NonNullable<NonNullable<AllowedRoutes["namespaces"]>["selector"]> }
  | { readonly from: "Invalid"; readonly message: string };

export function namespacePolicy(allowed: AllowedRoutes | undefined): NamespacePolicy {
  const from = allowed?.namespaces?.from ?? "Same";
  if (from === "Same" || from === "All") return { from };
  if (from === "Selector") {
    const selector = allowed?.namespaces?.selector;
    if (selector === undefined) return { from: "Invalid", message: "allowedRoutes.namespaces.from is Selector but no selector is set" };
    const check = checkSelector(selector);
    if (!check.ok) return { from: "Invalid", message: `allowedRoutes.namespaces.selector: ${check.message}` };
    return { from, selector };
  }
  return { from: "Invalid", message: `allowedRoutes.namespaces.from: unsupported value "${String(from).slice(0, 32)}" (All, Same, Selector)` };
}

export function namespaceAdmitted(policy: NamespacePolicy, gatewayNamespace: string, routeNamespace: string, index: SnapshotIndex): boolean {
  switch (policy.from) {
    case "All":
      return true;
    case "Same":
      return routeNamespace === gatewayNamespace;
    case "Selector": {
      const labels = { ...(index.namespaces.get(routeNamespace)?.metadata.labels ?? {}), "kubernetes.io/metadata.name": routeNamespace };
      return selectorMatches(policy.selector, labels);
    }
    default:
      return false;
  }
}
