// certs: the one place tests make certificates — RSA keys from node:crypto (fast), certificates built
// and signed with node-forge. issueCert is the primitive (CN, DNS / IP / URI SANs, CA or leaf, issuer,
// key usages, validity); testCa gives a throwaway CA with leaves (a SPIFFE URI SAN for mesh identities
// through issueLeaf), selfSigned a self-signed serving certificate, loopbackServingCert one a real
// kube-apiserver accepts for a webhook on 127.0.0.1. Keys are PKCS#1 PEM, unencrypted.
// Must not: be used outside tests (unencrypted keys, short validity, predictable serials).
import { generateKeyPairSync } from "node:crypto";
import forge from "node-forge";

export interface Pem {
  readonly certPem: string;
  readonly keyPem: string;
}

export interface IssuedCert extends Pem {
  readonly cert: forge.pki.Certificate;
  readonly key: forge.pki.rsa.PrivateKey;
}

export interface CertOptions {
  readonly cn: string;
  readonly dns?: readonly string[];
  readonly ips?: readonly string[];
  readonly uris?: readonly string[];
  readonly isCa?: boolean;
  /** Signed by this issuer; self-signed without one. */
  readonly issuer?: { readonly cert: forge.pki.Certificate; readonly key: forge.pki.rsa.PrivateKey };
  /** Extended key usages of a leaf (default: server and client). */
  readonly extKeyUsage?: { readonly serverAuth?: boolean; readonly clientAuth?: boolean };
  readonly validForMs?: number;
}

let serial = 1;

export function issueCert(o: CertOptions): IssuedCert {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: "pkcs1", format: "pem" }).toString();
  const key = forge.pki.privateKeyFromPem(keyPem);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  cert.serialNumber = (0x1000 + serial++).toString(16);
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + (o.validForMs ?? 24 * 3600_000));
  const subject = [{ name: "commonName", value: o.cn }];
  cert.setSubject(subject);
  cert.setIssuer(o.issuer === undefined ? subject : o.issuer.cert.subject.attributes);
  const altNames = [
    ...(o.dns ?? []).map((value) => ({ type: 2, value })),
    ...(o.ips ?? []).map((ip) => ({ type: 7, ip })),
    ...(o.uris ?? []).map((value) => ({ type: 6, value })),
  ];
  cert.setExtensions([
    { name: "basicConstraints", cA: o.isCa === true, critical: o.isCa === true },
    o.isCa === true
      ? { name: "keyUsage", keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true }
      : { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
    ...(o.isCa === true && o.extKeyUsage === undefined ? [] : [{ name: "extKeyUsage", serverAuth: o.extKeyUsage?.serverAuth ?? true, clientAuth: o.extKeyUsage?.clientAuth ?? true }]),
    ...(altNames.length > 0 ? [{ name: "subjectAltName", altNames }] : []),
  ]);
  cert.sign(o.issuer?.key ?? key, forge.md.sha256.create());
  return { cert, key, certPem: forge.pki.certificateToPem(cert), keyPem };
}

/** Self-signed: a name is the CN alone; a list of DNS names is the CN (the first) and the SANs. */
export function selfSigned(names: string | readonly string[] = "example.com"): Pem {
  const c = typeof names === "string" ? issueCert({ cn: names }) : issueCert({ cn: names[0] ?? "test", dns: names });
  return { certPem: c.certPem, keyPem: c.keyPem };
}

export interface TestCa extends IssuedCert {
  leaf(o: Omit<CertOptions, "issuer" | "isCa">): Pem;
}

export function testCa(name = "weft-test-ca"): TestCa {
  const ca = issueCert({ cn: name, isCa: true });
  return { ...ca, leaf: (o) => {
    const l = issueCert({ ...o, issuer: ca });
    return { certPem: l.certPem, keyPem: l.keyPem };
  } };
}

/** A leaf for `spiffeId` (omit for a certificate without URI SAN), signed by `ca`. */
export function issueLeaf(ca: TestCa, spiffeId: string | undefined, cn = "workload"): Pem {
  return ca.leaf({ cn, ...(spiffeId === undefined ? {} : { uris: [spiffeId] }) });
}

/** Serving 127.0.0.1 (IP SAN, serverAuth) for two days: a kube-apiserver calls a loopback webhook with it. */
export function loopbackServingCert(): Pem {
  const c = issueCert({ cn: "weft-webhook-test", ips: ["127.0.0.1"], isCa: true, extKeyUsage: { serverAuth: true, clientAuth: false }, validForMs: 2 * 24 * 3600_000 });
  return { certPem: c.certPem, keyPem: c.keyPem };
}
