// peer-verify: verifies a peer's certificate the mesh way — by SPIFFE id, not hostname.
// Takes the peer's certificate (PEM chain: leaf first, then intermediates; or an X509Certificate
// plus optional intermediates), the trust bundle (PEM roots) and the expected SPIFFE id; gives
// { ok: true, identity } or { ok: false, reason }. Checks: every certificate in the path is within
// its validity, the path (≤ 4 deep) chains by issuer name and signature to a bundle root, issuers
// are CAs, the leaf is not a CA and carries exactly one spiffe:// URI SAN equal to the expected id.
// Uses node:crypto X509Certificate. Must not: throw on bad input; accept an id by prefix.
import { X509Certificate } from "node:crypto";
import { parseSpiffeId } from "../util/spiffe.ts";

export type PeerVerification = { readonly ok: true; readonly identity: string } | { readonly ok: false; readonly reason: string };

const MAX_DEPTH = 4;
const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

export function splitPemCertificates(pem: string): string[] {
  return pem.match(PEM_CERT) ?? [];
}

export function verifyPeerIdentity(
  peer: string | X509Certificate,
  trustBundle: string | readonly X509Certificate[],
  expectedSpiffeId: string,
  opts: { readonly intermediates?: string | readonly X509Certificate[]; readonly now?: number } = {},
): PeerVerification {
  try {
    const now = opts.now ?? Date.now();
    const chain = typeof peer === "string" ? splitPemCertificates(peer).map((p) => new X509Certificate(p)) : [peer];
    const leaf = chain[0];
    if (leaf === undefined) return fail("peer presented no certificate");
    const extra = typeof opts.intermediates === "string" ? splitPemCertificates(opts.intermediates).map((p) => new X509Certificate(p)) : (opts.intermediates ?? []);
    const intermediates = [...chain.slice(1), ...extra];
    const roots = typeof trustBundle === "string" ? splitPemCertificates(trustBundle).map((p) => new X509Certificate(p)) : trustBundle;
    if (roots.length === 0) return fail("trust bundle is empty");

    if (leaf.ca) return fail("peer certificate is a CA certificate");
    const ids = uriSans(leaf.subjectAltName).filter((u) => u.startsWith("spiffe://"));
    if (ids.length !== 1) return fail(`peer certificate must carry exactly one SPIFFE URI SAN, found ${ids.length}`);
    const id = ids[0]!;
    if (parseSpiffeId(id) === undefined) return fail(`peer SPIFFE id ${JSON.stringify(id.slice(0, 200))} is malformed`);
    if (id !== expectedSpiffeId) return fail(`peer identity ${id} does not match expected ${expectedSpiffeId}`);

    let cur = leaf;
    for (let depth = 0; depth <= MAX_DEPTH; depth++) {
      const validity = checkValidity(cur, now);
      if (validity !== undefined) return fail(`${depth === 0 ? "peer" : "issuer"} certificate ${validity}`);
      const root = roots.find((r) => issuedBy(cur, r));
      if (root !== undefined) {
        const rv = checkValidity(root, now);
        return rv === undefined ? { ok: true, identity: id } : fail(`trust root ${rv}`);
      }
      const next = intermediates.find((c) => c !== cur && issuedBy(cur, c));
      if (next === undefined) return fail("peer certificate does not chain to the trust bundle");
      cur = next;
    }
    return fail(`certificate chain is longer than ${MAX_DEPTH}`);
  } catch {
    return fail("peer certificate could not be parsed");
  }
}

function issuedBy(cert: X509Certificate, issuer: X509Certificate): boolean {
  return issuer.ca && cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
}

function checkValidity(cert: X509Certificate, now: number): string | undefined {
  if (now < Date.parse(cert.validFrom)) return "is not yet valid";
  if (now > Date.parse(cert.validTo)) return `expired at ${new Date(cert.validTo).toISOString()}`;
  return undefined;
}

function uriSans(san: string | undefined): string[] {
  if (san === undefined) return [];
  const out: string[] = [];
  for (const part of san.split(/,\s*/)) {
    if (!part.startsWith("URI:")) continue;
    let v = part.slice(4);
    if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1);
    out.push(v);
  }
  return out;
}

function fail(reason: string): PeerVerification {
  return { ok: false, reason };
}
