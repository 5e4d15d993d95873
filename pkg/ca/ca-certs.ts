// ca-certs: builds the mesh certificates with node-forge (RSA CA keys; a leaf may carry an EC P-256 key).
// Takes keys, names and lifetimes; gives PEM. Root: self-signed CA; intermediate: CA with
// pathLen 0 signed by the root; leaf (X509-SVID): one SPIFFE URI SAN, keyUsage
// digitalSignature+keyEncipherment, extKeyUsage serverAuth+clientAuth, CA:false.
// Key sizes (node-forge cannot do ECDSA, so RSA): root 3072 bits (128-bit security, used only to
// sign intermediates, long-lived), intermediate 2048 bits (signs every leaf: 2048 keeps signing
// several times faster than 3072 and is the common workload-CA size); a workload leaf carries the key of
// its CSR (EC P-256 from proxies, workload-key.ts), the controller's serving leaf RSA 2048 bits.
// Keys are generated with node:crypto (OpenSSL) — forge's JS key generation takes seconds.
// Must not: log keys; issue a leaf that outlives its issuer.
import { randomBytes } from "node:crypto";
import forge from "node-forge";
import { INTERMEDIATE_KEY_BITS, ROOT_KEY_BITS, generateRsaKeySync } from "./rsa-keys.ts";
import { signCertificate, signingKeyFromPem, type SignerKind, type SigningKey } from "./rsa-sign.ts";
import { isEcPublicKey, type ParsedCsr } from "./csr.ts";

const { pki } = forge;

/** Clock-skew allowance: certificates are valid from a minute before issue. */
const BACKDATE_MS = 60_000;

export function randomSerial(): string {
  const b = randomBytes(16);
  b[0] = (b[0]! & 0x7f) | 0x40;
  return b.toString("hex");
}

export interface IssuedCa {
  readonly certPem: string;
  readonly keyPem: string;
}

export function createRootCa(trustDomain: string, ttlMs: number, now = Date.now()): IssuedCa {
  const keys = generateRsaKeySync(ROOT_KEY_BITS);
  const key = signingKeyFromPem(keys.privateKeyPem);
  const cert = pki.createCertificate();
  cert.publicKey = pki.publicKeyFromPem(keys.publicKeyPem);
  cert.serialNumber = randomSerial();
  setValidity(cert, now, now + ttlMs);
  const name = [
    { name: "organizationName", value: trustDomain },
    { name: "commonName", value: `Weft Root CA ${new Date(now).toISOString().slice(0, 10)}` },
  ];
  cert.setSubject(name);
  cert.setIssuer(name);
  cert.setExtensions([
    { name: "basicConstraints", cA: true, critical: true },
    { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true },
    { name: "subjectKeyIdentifier" },
  ]);
  signCertificate(cert, key, "native");
  return { certPem: pki.certificateToPem(cert), keyPem: keys.privateKeyPem };
}

export function createIntermediateCa(root: IssuedCa, trustDomain: string, ttlMs: number, now = Date.now()): IssuedCa {
  const rootCert = pki.certificateFromPem(root.certPem);
  const keys = generateRsaKeySync(INTERMEDIATE_KEY_BITS);
  const cert = pki.createCertificate();
  cert.publicKey = pki.publicKeyFromPem(keys.publicKeyPem);
  cert.serialNumber = randomSerial();
  setValidity(cert, now, Math.min(now + ttlMs, rootCert.validity.notAfter.getTime()));
  cert.setSubject([
    { name: "organizationName", value: trustDomain },
    { name: "commonName", value: "Weft Intermediate CA" },
  ]);
  cert.setIssuer(rootCert.subject.attributes);
  cert.setExtensions([
    { name: "basicConstraints", cA: true, pathLenConstraint: 0, critical: true },
    { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true },
    { name: "subjectKeyIdentifier" },
    { name: "authorityKeyIdentifier", keyIdentifier: rootCert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  signCertificate(cert, signingKeyFromPem(root.keyPem), "native");
  return { certPem: pki.certificateToPem(cert), keyPem: keys.privateKeyPem };
}

/** A parsed issuer, prepared once and reused for every leaf it signs. */
export interface LeafIssuer {
  readonly cert: forge.pki.Certificate;
  readonly certPem: string;
  readonly key: SigningKey;
  readonly keyId: string;
  readonly notAfterMs: number;
}

export function prepareIssuer(ca: IssuedCa): LeafIssuer {
  const cert = pki.certificateFromPem(ca.certPem);
  return {
    cert,
    certPem: ca.certPem,
    key: signingKeyFromPem(ca.keyPem),
    keyId: cert.generateSubjectKeyIdentifier().getBytes(),
    notAfterMs: cert.validity.notAfter.getTime(),
  };
}

export function issueLeaf(
  issuer: LeafIssuer,
  publicKey: ParsedCsr["publicKey"],
  spiffeId: string,
  trustDomain: string,
  ttlMs: number,
  signer: SignerKind,
  now = Date.now(),
  dnsNames: readonly string[] = [],
): { certPem: string; notAfterMs: number } {
  const cert = pki.createCertificate();
  const ec = isEcPublicKey(publicKey);
  // node-forge encodes RSA keys only: an EC key's SPKI replaces this one in the signed structure.
  cert.publicKey = ec ? issuer.cert.publicKey : publicKey;
  cert.serialNumber = randomSerial();
  const notAfter = Math.min(now + ttlMs, issuer.notAfterMs);
  setValidity(cert, now, notAfter);
  cert.setSubject([{ name: "organizationName", value: trustDomain }]);
  cert.setIssuer(issuer.cert.subject.attributes);
  cert.setExtensions([
    { name: "basicConstraints", cA: false, critical: true },
    // keyEncipherment is RSA key transport; an EC key only signs (RFC 8813).
    { name: "keyUsage", digitalSignature: true, ...(ec ? {} : { keyEncipherment: true }), critical: true },
    { name: "extKeyUsage", serverAuth: true, clientAuth: true },
    { name: "subjectAltName", altNames: [{ type: 6, value: spiffeId }, ...dnsNames.map((value) => ({ type: 2, value }))] },
    { name: "authorityKeyIdentifier", keyIdentifier: issuer.keyId },
  ]);
  signCertificate(cert, issuer.key, signer, ec ? publicKey.spkiDer : undefined);
  return { certPem: pki.certificateToPem(cert), notAfterMs: notAfter };
}

function setValidity(cert: forge.pki.Certificate, now: number, notAfter: number): void {
  cert.validity.notBefore = new Date(now - BACKDATE_MS);
  cert.validity.notAfter = new Date(notAfter);
}
