// rsa-sign: RSA signatures for certificates and CSRs built with node-forge. Two signers:
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

export function signCertificate(cert: forge.pki.Certificate, key: SigningKey, signer: SignerKind): void {
  if (signer === "forge") {
    cert.sign(key.forge, md.sha256.create());
    return;
  }
  cert.signatureOid = pki.oids["sha256WithRSAEncryption"]!;
  cert.siginfo.algorithmOid = cert.signatureOid;
  cert.tbsCertificate = pkiExt.getTBSCertificate(cert);
  const der = Buffer.from(asn1.toDer(cert.tbsCertificate).getBytes(), "binary");
  cert.signature = cryptoSign("sha256", der, key.native).toString("binary");
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
