// mesh-ca + peer-verify: leaf shape, chains, both signers, import/export, root rotation, and
// the peer checks a proxy relies on (foreign CA, expiry, identity mismatch).
import { X509Certificate } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { generateRsaKeySync } from "../../pkg/ca/rsa-keys.ts";
import { createCsr } from "../../pkg/ca/csr.ts";
import { createMeshCa, importCa, type MeshCa } from "../../pkg/ca/mesh-ca.ts";
import { splitPemCertificates, verifyPeerIdentity } from "../../pkg/ca/peer-verify.ts";
import { isWeftError } from "../../pkg/errors/weft-error.ts";

const TD = "cluster.local";
const WEB = `spiffe://${TD}/ns/shop/sa/web`;
const keys = generateRsaKeySync(2048);
const csrWeb = createCsr(keys.privateKeyPem, keys.publicKeyPem, WEB);

let ca: MeshCa;
beforeAll(() => {
  ca = createMeshCa({ trustDomain: TD });
});

describe("MeshCa.sign", () => {
  it("issues a 24h X509-SVID leaf with the SPIFFE URI SAN, usages and a chain to the bundle", () => {
    const before = Date.now();
    const leaf = ca.sign(csrWeb, WEB);
    const [leafPem, interPem, ...rest] = splitPemCertificates(leaf.certChainPem);
    expect(rest).toEqual([]);
    const x = new X509Certificate(leafPem!);
    expect(x.subjectAltName).toBe(`URI:${WEB}`);
    expect(x.ca).toBe(false);
    expect(x.keyUsage).toEqual(expect.arrayContaining(["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"]));
    const lifeH = (Date.parse(x.validTo) - before) / 3600_000;
    expect(lifeH).toBeGreaterThan(23.9);
    expect(lifeH).toBeLessThanOrEqual(24.01);
    const inter = new X509Certificate(interPem!);
    expect(inter.ca).toBe(true);
    expect(x.verify(inter.publicKey)).toBe(true);
    expect(x.publicKey.export({ type: "spki", format: "pem" })).toBe(keys.publicKeyPem);
    expect(verifyPeerIdentity(leaf.certChainPem, ca.trustBundle(), WEB)).toEqual({ ok: true, identity: WEB });
  });

  it("gives the same verifiable result with the pure node-forge signer", () => {
    const forgeCa = importCa(ca.exportCa(), { trustDomain: TD, signer: "forge" });
    const leaf = forgeCa.sign(csrWeb, WEB, 3600_000);
    expect(verifyPeerIdentity(leaf.certChainPem, ca.trustBundle(), WEB).ok).toBe(true);
  });

  it("refuses identities outside its trust domain and malformed CSRs", () => {
    const other = "spiffe://evil.example/ns/shop/sa/web";
    expect(() => ca.sign(createCsr(keys.privateKeyPem, keys.publicKeyPem, other), other)).toThrow(/not in trust domain/);
    expect(() => ca.sign("-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----", WEB)).toThrow(/not a valid PEM/);
    const tampered = csrWeb.replace(/^(.{200})(.)/s, (_m, a: string, c: string) => a + (c === "A" ? "B" : "A"));
    let err: unknown;
    try {
      ca.sign(tampered, WEB);
    } catch (e) {
      err = e;
    }
    expect(isWeftError(err, "WEFT_ERR_VALIDATION")).toBe(true);
  });
});

describe("export / import", () => {
  it("round-trips: an imported CA signs leaves trusted by the original bundle", () => {
    const again = importCa(ca.exportCa(), { trustDomain: TD });
    expect(again.trustBundle()).toBe(ca.trustBundle());
    expect(verifyPeerIdentity(again.sign(csrWeb, WEB).certChainPem, ca.trustBundle(), WEB).ok).toBe(true);
  });

  it("creates an intermediate when given only a root, and rejects a key that does not match", () => {
    const ex = ca.exportCa();
    const rootOnly = importCa({ rootCertPem: ex.rootCertPem, rootKeyPem: ex.rootKeyPem! }, { trustDomain: TD });
    expect(rootOnly.exportCa().intermediateCertPem).not.toBe(ex.intermediateCertPem);
    expect(verifyPeerIdentity(rootOnly.sign(csrWeb, WEB).certChainPem, ex.rootCertPem, WEB).ok).toBe(true);
    expect(() => importCa({ ...ex, intermediateKeyPem: ex.rootKeyPem! }, { trustDomain: TD })).toThrow(/intermediate key does not match/);
    expect(() => importCa({ rootCertPem: ex.rootCertPem }, { trustDomain: TD })).toThrow(/needs the root key/);
  });
});

describe("root rotation", () => {
  it("trusts old and new roots until retired; old leaves then stop verifying", () => {
    const rot = importCa(ca.exportCa(), { trustDomain: TD });
    const oldLeaf = rot.sign(csrWeb, WEB).certChainPem;
    rot.rotateRoot();
    expect(splitPemCertificates(rot.trustBundle())).toHaveLength(2);
    const newLeaf = rot.sign(csrWeb, WEB).certChainPem;
    expect(verifyPeerIdentity(oldLeaf, rot.trustBundle(), WEB).ok).toBe(true);
    expect(verifyPeerIdentity(newLeaf, rot.trustBundle(), WEB).ok).toBe(true);
    expect(verifyPeerIdentity(newLeaf, ca.trustBundle(), WEB).ok).toBe(false);
    const persisted = importCa(rot.exportCa(), { trustDomain: TD });
    expect(persisted.trustBundle()).toBe(rot.trustBundle());
    rot.retireRoots();
    expect(verifyPeerIdentity(oldLeaf, rot.trustBundle(), WEB)).toEqual({ ok: false, reason: "peer certificate does not chain to the trust bundle" });
  });
});

describe("verifyPeerIdentity rejects", () => {
  it("a peer certificate from a foreign CA", () => {
    const foreign = createMeshCa({ trustDomain: TD });
    const r = verifyPeerIdentity(foreign.sign(csrWeb, WEB).certChainPem, ca.trustBundle(), WEB);
    expect(r).toEqual({ ok: false, reason: "peer certificate does not chain to the trust bundle" });
  });

  it("an expired peer certificate", () => {
    const leaf = ca.sign(csrWeb, WEB, 3600_000);
    const r = verifyPeerIdentity(leaf.certChainPem, ca.trustBundle(), WEB, { now: Date.now() + 2 * 3600_000 });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/^peer certificate expired at/);
  });

  it("a valid certificate for another identity, and a CA certificate posing as a peer", () => {
    const leaf = ca.sign(csrWeb, WEB);
    const r = verifyPeerIdentity(leaf.certChainPem, ca.trustBundle(), `spiffe://${TD}/ns/shop/sa/db`);
    expect(r).toEqual({ ok: false, reason: `peer identity ${WEB} does not match expected spiffe://${TD}/ns/shop/sa/db` });
    expect(verifyPeerIdentity(`spiffe://${TD}/ns/shop/sa/webx`, ca.trustBundle(), WEB).ok).toBe(false);
    expect(verifyPeerIdentity(ca.trustBundle(), ca.trustBundle(), WEB)).toEqual({ ok: false, reason: "peer certificate is a CA certificate" });
  });

  it("a leaf whose intermediate is missing, but accepts it when the intermediate is supplied separately", () => {
    const chain = splitPemCertificates(ca.sign(csrWeb, WEB).certChainPem);
    expect(verifyPeerIdentity(chain[0]!, ca.trustBundle(), WEB).ok).toBe(false);
    expect(verifyPeerIdentity(new X509Certificate(chain[0]!), ca.trustBundle(), WEB, { intermediates: chain[1]! }).ok).toBe(true);
  });
});
