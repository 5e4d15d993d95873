// csr-build: the proxy's CSR, built with node:crypto, is what the CA accepts — parseCsr (the controller's
// side) reads its single SPIFFE URI and its key and verifies its signature with either signer, for RSA
// keys (older proxies) and the EC P-256 workload key proxies make now (its leaf carries that key and two such
// leaves complete an mTLS handshake); a CSR signed by a key other than the one it carries, an EC key on another
// curve or a damaged signature fail. And the proxy's side of pkg/ca (the controller link a `weft proxy
// --controller` loads) never loads node-forge.
import { spawnSync } from "node:child_process";
import { X509Certificate, createPrivateKey, createPublicKey, generateKeyPairSync } from "node:crypto";
import type { AddressInfo } from "node:net";
import { connect as tlsConnect, createServer as createTlsServer } from "node:tls";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { createCsr } from "../../pkg/ca/csr-build.ts";
import { isEcPublicKey, parseCsr } from "../../pkg/ca/csr.ts";
import { createMeshCa } from "../../pkg/ca/mesh-ca.ts";
import { verifyPeerIdentity } from "../../pkg/ca/peer-verify.ts";
import { generateWorkloadKey } from "../../pkg/ca/workload-key.ts";
import { generateRsaKeySync } from "../../pkg/ca/rsa-keys.ts";

const root = resolve(import.meta.dirname, "../..");
const id = "spiffe://cluster.local/ns/shop/sa/reviews";
const keys = generateRsaKeySync(2048);

describe("CSR built with node:crypto", () => {
  it("is read by the CA's parser with either signer: the SPIFFE id and the key it carries", () => {
    const pem = createCsr(keys.privateKeyPem, keys.publicKeyPem, id);
    expect(pem).toMatch(/^-----BEGIN CERTIFICATE REQUEST-----\n[A-Za-z0-9+/=\n]+-----END CERTIFICATE REQUEST-----\n$/);
    for (const signer of ["native", "forge"] as const) {
      const parsed = parseCsr(pem, signer);
      expect(parsed.spiffeId).toBe(id);
      expect(isEcPublicKey(parsed.publicKey) ? 0 : parsed.publicKey.n.bitLength()).toBe(2048);
    }
  });

  it("signed by another key than the one it carries fails proof of possession", () => {
    const other = generateRsaKeySync(2048);
    const pem = createCsr(other.privateKeyPem, keys.publicKeyPem, id);
    expect(() => parseCsr(pem)).toThrow(/proof of possession/);
  });

  it("long ids (multi-byte DER lengths) round-trip", () => {
    const long = `spiffe://cluster.local/ns/${"n".repeat(60)}/sa/${"s".repeat(150)}`;
    expect(parseCsr(createCsr(keys.privateKeyPem, keys.publicKeyPem, long)).spiffeId).toBe(long);
  });
});

describe("EC P-256 workload keys", () => {
  it("the proxy's key is EC P-256; its CSR is read by the CA, and the leaf the CA signs carries that key, for signing only", async () => {
    const ec = await generateWorkloadKey();
    const key = createPrivateKey(ec.privateKeyPem);
    expect({ type: key.asymmetricKeyType, curve: key.asymmetricKeyDetails?.namedCurve }).toEqual({ type: "ec", curve: "prime256v1" });
    const pem = createCsr(ec.privateKeyPem, ec.publicKeyPem, id);
    for (const signer of ["native", "forge"] as const) {
      const parsed = parseCsr(pem, signer);
      expect(parsed.spiffeId).toBe(id);
      expect(isEcPublicKey(parsed.publicKey)).toBe(true);
    }
    const ca = createMeshCa({ trustDomain: "cluster.local" });
    const leaf = ca.sign(pem, id);
    expect(verifyPeerIdentity(leaf.certChainPem, ca.trustBundle(), id)).toEqual({ ok: true, identity: id });
    const cert = new X509Certificate(leaf.leafPem);
    expect(cert.publicKey.export({ type: "spki", format: "der" })).toEqual(createPublicKey(ec.publicKeyPem).export({ type: "spki", format: "der" }));
    // node's keyUsage lists the extended key usages: server and client authentication.
    expect(cert.keyUsage).toEqual(["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"]);
    // Two such leaves complete an mTLS handshake (TLS 1.3, each side verifying the other to the bundle).
    const peer = await generateWorkloadKey();
    const peerId = "spiffe://cluster.local/ns/shop/sa/ratings";
    const peerLeaf = ca.sign(createCsr(peer.privateKeyPem, peer.publicKeyPem, peerId), peerId);
    const server = createTlsServer({ key: ec.privateKeyPem, cert: leaf.certChainPem, ca: ca.trustBundle(), requestCert: true, rejectUnauthorized: true }, (s) => s.end("ok"));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const answer = await new Promise<string>((resolve, reject) => {
        const c = tlsConnect({ host: "127.0.0.1", port: (server.address() as AddressInfo).port, key: peer.privateKeyPem, cert: peerLeaf.certChainPem, ca: ca.trustBundle(), checkServerIdentity: () =>
          undefined }, () => c.setEncoding("utf8"));
        let got = "";
        c.on("data", (d: string) => (got += d));
        c.on("end", () => resolve(got));
        c.on("error", reject);
      });
      expect(answer).toBe("ok");
    } finally {
      server.close();
    }
  });

  it("refuses an EC CSR signed by another key, on another curve, or with a damaged signature", async () => {
    const ec = await generateWorkloadKey();
    const other = await generateWorkloadKey();
    expect(() => parseCsr(createCsr(other.privateKeyPem, ec.publicKeyPem, id))).toThrow(/proof of possession/);
    const p384 = generateKeyPairSync("ec", { namedCurve: "secp384r1", publicKeyEncoding: { type: "spki", format: "pem" }, privateKeyEncoding: { type: "pkcs8", format: "pem" } });
    expect(() => parseCsr(createCsr(p384.privateKey, p384.publicKey, id))).toThrow("CSR EC key must be on curve P-256");
    const der = Buffer.from(createCsr(ec.privateKeyPem, ec.publicKeyPem, id).replace(/-----[A-Z ]+-----|\n/g, ""), "base64");
    der[der.length - 3]! ^= 0x01;
    const damaged = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString("base64")}\n-----END CERTIFICATE REQUEST-----\n`;
    expect(() => parseCsr(damaged)).toThrow(/proof of possession|not a valid PEM certification request/);
  });
});

describe("the proxy's side of pkg/ca", () => {
  it("weft proxy's controller link loads no node-forge", () => {
    const program = `
      import { createRequire } from "node:module";
      await import(${JSON.stringify(join(root, "pkg/proxy/runtime/controller-link.ts"))});
      await import(${JSON.stringify(join(root, "pkg/proxy/runtime.ts"))});
      const cache = Object.keys(createRequire(import.meta.url).cache);
      process.stdout.write(JSON.stringify({ forge: cache.some((f) => f.includes("/node_modules/node-forge/")), grpc: cache.some((f) => f.includes("/node_modules/@grpc/grpc-js/")) }));
    `;
    const r = spawnSync(join(root, "node_modules/.bin/node"), ["--input-type=module", "-e", program], { cwd: root, encoding: "utf8", timeout: 30_000 });
    expect(r.status, r.stderr).toBe(0);
    // grpc-js proves the link itself was loaded (the distribution client); node-forge must not be.
    expect(JSON.parse(r.stdout)).toEqual({ forge: false, grpc: true });
  });
});
