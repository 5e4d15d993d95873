// certs: test certificates made with node-forge: a CA, leaves with DNS and/or SPIFFE URI SANs.
import forge from "node-forge";

export interface Pem { certPem: string; keyPem: string }

let serial = 1;

function makeCert(opts: { cn: string; dns?: string[]; uris?: string[]; isCa?: boolean; issuer?: { cert: forge.pki.Certificate; key: forge.pki.rsa.PrivateKey } }): Pem & { cert: forge.pki.Certificate; key: forge.pki.rsa.PrivateKey } {
  const keys = forge.pki.rsa.generateKeyPair(2048);
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = (serial++).toString(16).padStart(2, "0");
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 24 * 3600_000);
  const subject = [{ name: "commonName", value: opts.cn }];
  cert.setSubject(subject);
  cert.setIssuer(opts.issuer ? opts.issuer.cert.subject.attributes : subject);
  const alt = [...(opts.dns ?? []).map((value) => ({ type: 2, value })), ...(opts.uris ?? []).map((value) => ({ type: 6, value }))];
  const ext: object[] = [{ name: "basicConstraints", cA: opts.isCa === true }];
  if (opts.isCa) ext.push({ name: "keyUsage", keyCertSign: true, cRLSign: true, digitalSignature: true });
  else ext.push({ name: "keyUsage", digitalSignature: true, keyEncipherment: true }, { name: "extKeyUsage", serverAuth: true, clientAuth: true });
  if (alt.length > 0) ext.push({ name: "subjectAltName", altNames: alt });
  cert.setExtensions(ext);
  cert.sign(opts.issuer?.key ?? keys.privateKey, forge.md.sha256.create());
  return { cert, key: keys.privateKey, certPem: forge.pki.certificateToPem(cert), keyPem: forge.pki.privateKeyToPem(keys.privateKey) };
}

export function selfSigned(dns: string[]): Pem {
  const c = makeCert({ cn: dns[0] ?? "test", dns });
  return { certPem: c.certPem, keyPem: c.keyPem };
}

export interface TestCa extends Pem { leaf(opts: { cn: string; dns?: string[]; uris?: string[] }): Pem }

export function testCa(name = "weft-test-ca"): TestCa {
  const ca = makeCert({ cn: name, isCa: true });
  return {
    certPem: ca.certPem, keyPem: ca.keyPem,
    leaf: (o) => { const l = makeCert({ ...o, issuer: { cert: ca.cert, key: ca.key } }); return { certPem: l.certPem, keyPem: l.keyPem }; },
  };
}
