// spiffe: pure parse / format / compare of Weft workload identities
// `spiffe://<trust-domain>/ns/<namespace>/sa/<serviceAccount>` (design §2 identity).
// Takes strings, gives a parsed SpiffeId or undefined (bad input is data, never a throw).
// Must not: touch the network or the file system, or accept ids with query, fragment, port or userinfo.

export interface SpiffeId {
  readonly trustDomain: string;
  readonly namespace: string;
  readonly serviceAccount: string;
}

const MAX_ID_LENGTH = 2048;
/** SPIFFE trust domain: lower-case letters, digits, dots, dashes, underscores. */
const TRUST_DOMAIN = /^[a-z0-9._-]{1,255}$/;
/** Kubernetes DNS-1123 subdomain, the shape of namespace and ServiceAccount names. */
const K8S_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

export function isValidTrustDomain(td: string): boolean {
  return TRUST_DOMAIN.test(td);
}

/** Parse `spiffe://td/ns/<ns>/sa/<sa>`; undefined when the string is not exactly that shape. */
export function parseSpiffeId(id: string): SpiffeId | undefined {
  if (typeof id !== "string" || id.length > MAX_ID_LENGTH || !id.startsWith("spiffe://")) return undefined;
  const rest = id.slice("spiffe://".length);
  const parts = rest.split("/");
  if (parts.length !== 5) return undefined;
  const [td, nsKey, ns, saKey, sa] = parts as [string, string, string, string, string];
  if (!TRUST_DOMAIN.test(td) || nsKey !== "ns" || saKey !== "sa") return undefined;
  if (!K8S_NAME.test(ns) || !K8S_NAME.test(sa)) return undefined;
  return { trustDomain: td, namespace: ns, serviceAccount: sa };
}

/** Format an id; throws only on programmer error (invalid parts), never on user input paths. */
export function formatSpiffeId(id: SpiffeId): string {
  const out = `spiffe://${id.trustDomain}/ns/${id.namespace}/sa/${id.serviceAccount}`;
  if (parseSpiffeId(out) === undefined) throw new TypeError(`formatSpiffeId: invalid parts ${JSON.stringify(id)}`);
  return out;
}

/** True when both strings parse and name the same workload identity. */
export function sameSpiffeId(a: string, b: string): boolean {
  const pa = parseSpiffeId(a);
  const pb = parseSpiffeId(b);
  return (
    pa !== undefined &&
    pb !== undefined &&
    pa.trustDomain === pb.trustDomain &&
    pa.namespace === pb.namespace &&
    pa.serviceAccount === pb.serviceAccount
  );
}
