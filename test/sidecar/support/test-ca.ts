// test-ca: a throwaway mesh CA and leaf certificates for sidecar mTLS tests (node-forge, RSA keys made
// by node:crypto for speed). Leaves carry a SPIFFE URI SAN like the mesh CA's workload certificates.
// Must not: be used outside tests.
import { generateKeyPairSync } from "node:crypto";
import forge from "node-forge";

export interface TestCert {
  readonly certPem: string;
  readonly keyPem: string;
}

function rsaKeys(): { pub: forge.pki.rsa.PublicKey; priv: forge.pki.rsa.PrivateKey; keyPem: string } {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: "pkcs1", format: "pem" }).toString();
  const priv = forge.pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey;
  return { pub: forge.pki.setRsaPublicKey(priv.n, priv.e), priv, keyPem };
}

let serial = 1;

function baseCert(pub: forge.pki.PublicKey, cn: string): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = pub;
  cert.serialNumber = (0x1000 + serial++).toString(16);
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 24 * 3600_000);
  cert.setSubject([{ name: "commonName", value: cn }]);
  return cert;
}

export function createTestCa(name = "weft-test-ca"): TestCert & { readonly cert: forge.pki.Certificate; readonly key: forge.pki.rsa.PrivateKey } {
  const k = rsaKeys();
  const cert = baseCert(k.pub, name);
  cert.setIssuer(cert.subject.attributes);
  cert.setExtensions([
    { name: "basicConstraints", cA: true, critical: true },
    { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true },
  ]);
  cert.sign(k.priv, forge.md.sha256.create());
  return { cert, key: k.priv, certPem: forge.pki.certificateToPem(cert), keyPem: k.keyPem };
}

/** A leaf for `spiffeId` (omit for a certificate without URI SAN), signed by `ca`. */
export function issueLeaf(ca: { cert: forge.pki.Certificate; key: forge.pki.rsa.PrivateKey }, spiffeId: string | undefined, cn = "workload"): TestCert {
  const k = rsaKeys();
  const cert = baseCert(k.pub, cn);
  cert.setIssuer(ca.cert.subject.attributes);
  cert.setExtensions([
    { name: "basicConstraints", cA: false },
    { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
    { name: "extKeyUsage", serverAuth: true, clientAuth: true },
    ...(spiffeId === undefined ? [] : [{ name: "subjectAltName", altNames: [{ type: 6, value: spiffeId }] }]),
  ]);
  cert.sign(ca.key, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: k.keyPem };
}
