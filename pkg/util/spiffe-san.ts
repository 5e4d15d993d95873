// spiffe-san: read SPIFFE IDs out of a certificate's `subjectaltname` string as node:tls reports it
// ("DNS:a, URI:spiffe://td/ns/x/sa/y") and compare with an expected identity (X509-SVID: exactly one
// URI SAN that is a SPIFFE ID). Pure. Must not: trust anything that does not parse (spiffe.ts rules).
import { sameSpiffeId } from "./spiffe.ts";

/** URI SANs from node:tls `subjectaltname`; node may quote values containing separators. */
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

/** The single SPIFFE ID among the SANs; undefined when there is none or more than one. */
export function spiffeIdOfSans(subjectAltName: string | undefined): string | undefined {
  const ids = uriSansOf(subjectAltName).filter((u) => u.startsWith("spiffe://"));
  return ids.length === 1 ? ids[0] : undefined;
}

/** True when the certificate's single SPIFFE ID names the same workload as `expected`. */
export function sansMatchIdentity(subjectAltName: string | undefined, expected: string): boolean {
  const id = spiffeIdOfSans(subjectAltName);
  return id !== undefined && sameSpiffeId(id, expected);
}
