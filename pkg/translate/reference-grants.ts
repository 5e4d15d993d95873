// reference-grants: takes a cross-namespace reference (from kind/group/namespace, to
// kind/group/namespace/name), gives whether a ReferenceGrant in the TARGET namespace permits it.
// Spec §5: from (group, kind, namespace) and to (group, kind, optional name) must all match;
// entries within from/to are OR'd. Same-namespace refs never need a grant.
// Must not: be consulted for mesh backendRefs (spec §3) or for route→Gateway attachment.
import type { SnapshotIndex } from "./snapshot-index.ts";

export interface RefFrom {
  readonly group: string;
  readonly kind: string;
  readonly namespace: string;
}

export interface RefTo {
  readonly group: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

export function referencePermitted(index: SnapshotIndex, from: RefFrom, to: RefTo): boolean {
  if (from.namespace === to.namespace) return true;
  for (const grant of index.grantsByNamespace.get(to.namespace) ?? []) {
    const fromOk = (grant.spec?.from ?? []).some((f) => f.group === from.group && f.kind === from.kind && f.namespace === from.namespace);
    if (!fromOk) continue;
    const toOk = (grant.spec?.to ?? []).some((t) => t.group === to.group && t.kind === to.kind && (t.name === undefined || t.name === "" || t.name === to.name));
    if (toOk) return true;
  }
  return false;
}
