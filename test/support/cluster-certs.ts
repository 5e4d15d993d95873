// cluster-certs: the PKI a throwaway test cluster needs, written to a directory.
// Takes a directory; gives PEM files: ca.{crt,key} (cluster CA), apiserver.{crt,key} (serving,
// SANs 127.0.0.1/localhost/kubernetes.default.svc/10.96.0.1), admin.{crt,key} (client cert,
// O=system:masters), sa.{key,pub} (ServiceAccount token signing); with a node (real-node clusters) also
// the serving cert's SAN for the node IP, kubelet.{crt,key} (serving, node IP), and client certs
// node/kube-proxy/kube-scheduler/kube-controller-manager/apiserver-kubelet.{crt,key} for the identities
// Kubernetes' Node authorizer and default RBAC know. RSA keys come from node:crypto
// (native, fast); node-forge builds and signs the certificates.
// Must not: be used outside tests (keys are unencrypted, validity is 2 days).
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import forge from "node-forge";

interface KeyPair {
  readonly privatePem: string;
  readonly publicPem: string;
}

function rsa(): KeyPair {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return { privatePem: privateKey.export({ type: "pkcs1", format: "pem" }).toString(), publicPem: publicKey.export({ type: "spki", format: "pem" }).toString() };
}

function certificate(opts: {
  subject: forge.pki.CertificateField[];
  key: KeyPair;
  issuer?: { cert: forge.pki.Certificate; key: KeyPair };
  ca?: boolean;
  extKeyUsage?: "server" | "client";
  altNames?: { ip?: string[]; dns?: string[] };
}): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(opts.key.publicPem);
  cert.serialNumber = `01${randomBytes(8).toString("hex")}`;
  cert.validity.notBefore = new Date(Date.now() - 60 * 60 * 1000);
  cert.validity.notAfter = new Date(Date.now() + 2 * 24 * 60 * 60 * 1000);
  cert.setSubject(opts.subject);
  cert.setIssuer(opts.issuer?.cert.subject.attributes ?? opts.subject);
  const ext: object[] = [{ name: "basicConstraints", cA: opts.ca === true, critical: true }];
  ext.push(opts.ca === true
    ? { name: "keyUsage", keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true }
    : { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true });
  if (opts.extKeyUsage === "server") ext.push({ name: "extKeyUsage", serverAuth: true });
  if (opts.extKeyUsage === "client") ext.push({ name: "extKeyUsage", clientAuth: true });
  if (opts.altNames !== undefined) {
    ext.push({
      name: "subjectAltName",
      altNames: [...(opts.altNames.dns ?? []).map((value) => ({ type: 2, value })), ...(opts.altNames.ip ?? []).map((ip) => ({ type: 7, ip }))],
    });
  }
  cert.setExtensions(ext);
  cert.sign(forge.pki.privateKeyFromPem((opts.issuer?.key ?? opts.key).privatePem), forge.md.sha256.create());
  return cert;
}

export interface ClusterPki {
  readonly caCert: string;
  readonly adminCert: string;
  readonly adminKey: string;
}

export interface PkiNode {
  readonly name: string;
  readonly ip: string;
}

export async function writeClusterPki(dir: string, node?: PkiNode): Promise<ClusterPki> {
  const caKey = rsa();
  const ca = certificate({ subject: [{ name: "commonName", value: "weft-test-cluster-ca" }], key: caKey, ca: true });
  const serveKey = rsa();
  const serve = certificate({
    subject: [{ name: "commonName", value: "kube-apiserver" }],
    key: serveKey,
    issuer: { cert: ca, key: caKey },
    extKeyUsage: "server",
    altNames: { ip: ["127.0.0.1", "10.96.0.1", ...(node === undefined ? [] : [node.ip])],
      dns: ["localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"] },
  });
  const adminKey = rsa();
  const admin = certificate({
    subject: [{ name: "commonName", value: "weft-test-admin" }, { name: "organizationName", value: "system:masters" }],
    key: adminKey,
    issuer: { cert: ca, key: caKey },
    extKeyUsage: "client",
  });
  const sa = rsa();
  const pem = (c: forge.pki.Certificate) => forge.pki.certificateToPem(c);
  const files: Record<string, string> = {
    "ca.crt": pem(ca),
    "ca.key": caKey.privatePem,
    "apiserver.crt": pem(serve),
    "apiserver.key": serveKey.privatePem,
    "admin.crt": pem(admin),
    "admin.key": adminKey.privatePem,
    "sa.key": sa.privatePem,
    "sa.pub": sa.publicPem,
  };
  if (node !== undefined) {
    const issuer = { cert: ca, key: caKey };
    const client = (file: string, cn: string, org?: string): void => {
      const key = rsa();
      const subject: forge.pki.CertificateField[] = [{ name: "commonName", value: cn }, ...(org === undefined ? [] : [{ name: "organizationName", value: org }])];
      files[`${file}.crt`] = pem(certificate({ subject, key, issuer, extKeyUsage: "client" }));
      files[`${file}.key`] = key.privatePem;
    };
    client("node", `system:node:${node.name}`, "system:nodes");
    client("kube-proxy", "system:kube-proxy");
    client("kube-scheduler", "system:kube-scheduler");
    client("kube-controller-manager", "system:kube-controller-manager");
    client("apiserver-kubelet", "kube-apiserver-kubelet-client", "system:masters");
    const kubeletKey = rsa();
    files["kubelet.crt"] = pem(certificate({
      subject: [{ name: "commonName", value: node.name }],
      key: kubeletKey,
      issuer,
      extKeyUsage: "server",
      altNames: { ip: [node.ip, "127.0.0.1"], dns: [node.name] },
    }));
    files["kubelet.key"] = kubeletKey.privatePem;
  }
  for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), content, { mode: 0o600 });
  return { caCert: files["ca.crt"]!, adminCert: files["admin.crt"]!, adminKey: adminKey.privatePem };
}
