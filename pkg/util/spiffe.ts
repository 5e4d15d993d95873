// spiffe: parse and compare SPIFFE IDs (`spiffe://<trust-domain>/<path>`), and pull the URI SANs out of
// a certificate's `subjectaltname` string as node:tls reports it ("URI:spiffe://…, DNS:…").
// Takes strings, gives plain values. Must not: touch the network or trust anything it cannot parse.
// Peers are verified by SPIFFE ID, not hostname (design §1 Identity).

export interface SpiffeId {
  readonly trustDomain: string;
  /** Path with its leading "/" ("" when the id names the trust domain itself). */
  readonly path: string;
}

const trustDomainRe = /^[a-z0-9._-]+$/;
const segmentRe = /^[A-Za-z0-9._-]+$/;

/** Parse a SPIFFE ID strictly (SPIFFE-ID spec §2); undefined when it is not one. */
export function parseSpiffeId(text: string): SpiffeId | undefined {
  if (text.length > 2048 || !text.startsWith("spiffe://")) return undefined;
  const rest = text.slice("spiffe://".length);
  const slash = rest.indexOf("/");
  const trustDomain = slash === -1 ? rest : rest.slice(0, slash);
  const path = slash === -1 ? "" : rest.slice(slash);
  if (trustDomain.length === 0 || trustDomain.length > 255 || !trustDomainRe.test(trustDomain)) return undefined;
  if (path !== "") {
    const segments = path.slice(1).split("/");
    for (const s of segments) if (s === "" || s === "." || s === ".." || !segmentRe.test(s)) return undefined;
  }
  return { trustDomain, path };
}

/** Exact comparison of two SPIFFE IDs after strict parsing; anything unparsable never matches. */
export function sameSpiffeId(a: string, b: string): boolean {
  const pa = parseSpiffeId(a);
  const pb = parseSpiffeId(b);
  return pa !== undefined && pb !== undefined && pa.trustDomain === pb.trustDomain && pa.path === pb.path;
}

/** URI SANs from node:tls `subjectaltname` ("DNS:a, URI:spiffe://td/x"); values may be quoted by node. */
export function uriSansOf(subjectAltName: string | undefined): string[] {
  if (subjectAltName === undefined) return [];
  const out: string[] = [];
  for (const part of subjectAltName.split(/,\s*/)) {
    if (!part.startsWith("URI:")) continue;
    let v = part.slice(4);
    if (v.startsWith('"') && v.endsWith('"') && v.length >= 2) v = v.slice(1, -1);
    out.push(v);
  }
  return out;
}

/** The single SPIFFE ID in a certificate's SANs; undefined when none or more than one (X509-SVID rule). */
export function spiffeIdOfSans(subjectAltName: string | undefined): string | undefined {
  const ids = uriSansOf(subjectAltName).filter((u) => u.startsWith("spiffe://"));
  return ids.length === 1 && parseSpiffeId(ids[0]!) !== undefined ? ids[0] : undefined;
}

/** Build `spiffe://<td>/ns/<ns>/sa/<sa>` (the mesh's workload identity format). */
export function workloadSpiffeId(trustDomain: string, namespace: string, serviceAccount: string): string {
  return `spiffe://${trustDomain}/ns/${namespace}/sa/${serviceAccount}`;
}
