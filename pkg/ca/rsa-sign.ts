// rsa-sign: RSA signatures for certificates and CSRs built with node-forge (the subject's key may be EC:
// its SPKI goes into the signed structure as DER). Two signers:
//  - "native": forge builds the TBS structure, node:crypto signs its DER (OpenSSL, ~10-50x faster);
//  - "forge": node-forge's pure-JS RSA (kept for comparison in benchmarks/ca).
// Both give byte-identical certificate structure (sha256WithRSAEncryption).
// Must not: log or return private key material.
import { createPrivateKey, createPublicKey, sign as cryptoSign, verify as cryptoVerify, type KeyObject } from "node:crypto";
import forge from "node-forge";

export type SignerKind = "native" | "forge";

const { pki, asn1, md } = forge;
/** Functions node-forge exports but its type definitions omit. */
const pkiExt = pki as typeof pki & {
  getTBSCertificate(cert: forge.pki.Certificate): forge.asn1.Asn1;
};

/** A private key usable by both signers (parsed once). */
export interface SigningKey {
  readonly pem: string;
  readonly native: KeyObject;
  readonly forge: forge.pki.rsa.PrivateKey;
}

export function signingKeyFromPem(pem: string): SigningKey {
  return { pem, native: createPrivateKey(pem), forge: pki.privateKeyFromPem(pem) };
}

/**
 * Signs `cert` with the issuer's key. `subjectKeySpki`: the SPKI DER the certificate carries instead of
 * cert.publicKey (an EC key, which node-forge cannot encode; native signer only).
 */
export function signCertificate(cert: forge.pki.Certificate, key: SigningKey, signer: SignerKind, subjectKeySpki?: Buffer): void {
  if (signer === "forge" && subjectKeySpki === undefined) {
    cert.sign(key.forge, md.sha256.create());
    return;
  }
  cert.signatureOid = pki.oids["sha256WithRSAEncryption"]!;
  cert.siginfo.algorithmOid = cert.signatureOid;
  cert.tbsCertificate = pkiExt.getTBSCertificate(cert);
  if (subjectKeySpki !== undefined) replaceSubjectKey(cert.tbsCertificate, subjectKeySpki);
  const der = Buffer.from(asn1.toDer(cert.tbsCertificate).getBytes(), "binary");
  cert.signature = cryptoSign("sha256", der, key.native).toString("binary");
}

/** RFC 5280 4.1: subjectPublicKeyInfo is the TBSCertificate's 7th field (node-forge always writes the version). */
function replaceSubjectKey(tbs: forge.asn1.Asn1, spkiDer: Buffer): void {
  const fields = tbs.value;
  const version = Array.isArray(fields) ? fields[0] : undefined;
  if (!Array.isArray(fields) || version === undefined || !isContextTag(version, 0) || fields.length < 7) {
    throw new Error("unexpected TBSCertificate layout");
  }
  fields[6] = parseDer(spkiDer.toString("binary"));
}

/** A context-specific element [tag] (its `type` is then the tag number, not a universal type). */
export function isContextTag(n: forge.asn1.Asn1, tag: number): boolean {
  return n.tagClass === asn1.Class.CONTEXT_SPECIFIC && (n.type as number) === tag;
}

/** DER bytes (a binary string) as node-forge's ASN.1 tree: strict, all bytes, BIT STRINGs left as bytes. Throws on bad DER. */
export function parseDer(bytes: string): forge.asn1.Asn1 {
  const fromDer = asn1.fromDer as unknown as (b: string, o: { strict: boolean; parseAllBytes: boolean; decodeBitStrings: boolean }) => forge.asn1.Asn1;
  return fromDer(bytes, { strict: true, parseAllBytes: true, decodeBitStrings: false });
}

const DIGEST_BY_OID: Record<string, string> = {
  [pki.oids["sha256WithRSAEncryption"]!]: "sha256",
  [pki.oids["sha384WithRSAEncryption"]!]: "sha384",
  [pki.oids["sha512WithRSAEncryption"]!]: "sha512",
};

/** Proof of possession: the CSR is signed by the key it carries (sha256/384/512 with RSA only). */
export function verifyCsrSignature(csr: forge.pki.CertificateSigningRequest, signer: SignerKind): boolean {
  if (signer === "forge") return csr.verify();
  const digest = DIGEST_BY_OID[csr.signatureOid ?? ""];
  if (digest === undefined || csr.certificationRequestInfo === null || csr.publicKey === null) return false;
  const der = Buffer.from(asn1.toDer(csr.certificationRequestInfo).getBytes(), "binary");
  const pub = createPublicKey(pki.publicKeyToPem(csr.publicKey));
  return cryptoVerify(digest, der, pub, Buffer.from(csr.signature as string, "binary"));
}
