// gateway-secrets: which Secrets the Gateways reference — the TLS Secrets named by a listener's
// certificateRefs (core group, kind Secret; the namespace defaults to the Gateway's). The one answer
// the controller's snapshot (pkg/k8s kube-provider) and weftctl's listing (pkg/weftctl/kube.ts) share,
// so neither holds Secret data translate never reads.
// Takes Gateways and Secrets; gives the referenced Secrets in the order given.
// Must not: decide whether a reference is permitted (translate does, with ReferenceGrants).
import type { Secret } from "./core-types.ts";
import type { Gateway } from "./gateway-types.ts";

export function secretsReferencedByGateways(gateways: readonly Gateway[], secrets: readonly Secret[]): Secret[] {
  const wanted = new Set<string>();
  for (const g of gateways) {
    for (const l of g.spec?.listeners ?? []) {
      for (const ref of l.tls?.certificateRefs ?? []) {
        if ((ref.group ?? "") !== "" || (ref.kind ?? "Secret") !== "Secret") continue;
        wanted.add(`${ref.namespace ?? g.metadata.namespace ?? ""}/${ref.name}`);
      }
    }
  }
  return secrets.filter((s) => wanted.has(`${s.metadata.namespace ?? ""}/${s.metadata.name}`));
}
