// workload-id: the mesh's workload identity `spiffe://<trust-domain>/ns/<namespace>/sa/<serviceAccount>`
// with Kubernetes-valid names. Takes strings; gives parts or undefined (bad input is data).
// Kept self-contained in pkg/ca (same rules as pkg/util/spiffe.ts, whose API other tasks were
// still reshaping) so CA checks cannot drift with a shared helper's edits.
// Must not: accept other SPIFFE paths, query, fragment, port or userinfo.

export interface WorkloadId {
  readonly trustDomain: string;
  readonly namespace: string;
  readonly serviceAccount: string;
}

const K8S_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const TRUST_DOMAIN = /^[a-z0-9._-]{1,255}$/;
const SHAPE = /^spiffe:\/\/([^/]+)\/ns\/([^/]+)\/sa\/([^/]+)$/;

export function isValidTrustDomain(td: string): boolean {
  return TRUST_DOMAIN.test(td);
}

export function parseWorkloadId(id: string): WorkloadId | undefined {
  if (typeof id !== "string" || id.length > 2048) return undefined;
  const m = SHAPE.exec(id);
  if (m === null || !TRUST_DOMAIN.test(m[1]!) || !K8S_NAME.test(m[2]!) || !K8S_NAME.test(m[3]!)) return undefined;
  return { trustDomain: m[1]!, namespace: m[2]!, serviceAccount: m[3]! };
}

export function formatWorkloadId(id: WorkloadId): string {
  return `spiffe://${id.trustDomain}/ns/${id.namespace}/sa/${id.serviceAccount}`;
}
