// peer-verify: verifyPeerIdentity case by case with purpose-built certificates (node-forge): validity
// windows at their exact edges for leaf, intermediate and root; issuers that are not CAs or only
// share the root's name; chains up to the depth limit and one past it; SPIFFE URI SAN count, form
// and a SAN crafted to smuggle a second id; empty bundles, no certificate, garbage.
import { generateKeyPairSync, X509Certificate } from "node:crypto";
import forge from "node-forge";
import { beforeAll, describe, expect, it } from "vitest";
import { verifyPeerIdentity } from "../../pkg/ca/peer-verify.ts";

const ID = "spiffe://cluster.local/ns/shop/sa/web";
const T0 = Date.UTC(2030, 0, 1);
const HOUR = 3600_000;

interface Made {
  readonly cert: forge.pki.Certificate;
  readonly key: forge.pki.rsa.PrivateKey;
  readonly pem: string;
}
const keys: forge.pki.rsa.PrivateKey[] = [];
let serial = 1;

function key(): forge.pki.rsa.PrivateKey {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 1024 });
  return forge.pki.privateKeyFromPem(privateKey.export({ type: "pkcs1", format: "pem" }).toString());
}

function make(o: { cn: string; issuer?: Made; ca: boolean; uris?: string[]; from?: number; to?: number; keyIndex?: number }): Made {
  const k = keys[o.keyIndex ?? serial % keys.length]!;
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(k.n, k.e);
  cert.serialNumber = (0x100 + serial++).toString(16);
  cert.validity.notBefore = new Date(o.from ?? T0 - HOUR);
  cert.validity.notAfter = new Date(o.to ?? T0 + HOUR);
  cert.setSubject([{ name: "commonName", value: o.cn }]);
  cert.setIssuer((o.issuer?.cert ?? cert).subject.attributes);
  cert.setExtensions([
    { name: "basicConstraints", cA: o.ca, critical: true },
    ...(o.uris === undefined ? [] : [{ name: "subjectAltName", altNames: o.uris.map((value) => ({ type: 6, value })) }]),
  ]);
  cert.sign(o.issuer?.key ?? k, forge.md.sha256.create());
  return { cert, key: k, pem: forge.pki.certificateToPem(cert) };
}

let root: Made;
let leaf: Made;
beforeAll(() => {
  for (let i = 0; i < 4; i++) keys.push(key());
  root = make({ cn: "root", ca: true, keyIndex: 0, from: T0 - 10 * HOUR, to: T0 + 10 * HOUR });
  leaf = make({ cn: "web", issuer: root, ca: false, uris: [ID], keyIndex: 1 });
});

const verify = (peer: string, bundle: string, now = T0, intermediates?: string) => verifyPeerIdentity(peer, bundle, ID, { now, ...(intermediates === undefined ? {} : { intermediates }) });

describe("verifyPeerIdentity", () => {
  it("accepts a leaf of the bundle's root, also with the bundle as X509Certificate objects", () => {
    expect(verify(leaf.pem, root.pem)).toEqual({ ok: true, identity: ID });
    expect(verifyPeerIdentity(new X509Certificate(leaf.pem), [new X509Certificate(root.pem)], ID, { now: T0 })).toEqual({ ok: true, identity: ID });
  });

  it("checks validity at its exact edges: valid from notBefore through notAfter, not a millisecond outside", () => {
    const from = T0 - HOUR;
    const to = T0 + HOUR;
    expect(verify(leaf.pem, root.pem, from).ok).toBe(true);
    expect(verify(leaf.pem, root.pem, to).ok).toBe(true);
    expect(verify(leaf.pem, root.pem, from - 1000)).toEqual({ ok: false, reason: "peer certificate is not yet valid" });
    expect(verify(leaf.pem, root.pem, to + 1000)).toEqual({ ok: false, reason: `peer certificate expired at ${new Date(to).toISOString()}` });
  });

  it("checks the intermediate's and the root's validity too", () => {
    const mid = make({ cn: "mid", issuer: root, ca: true, keyIndex: 2, to: T0 + 2 * HOUR });
    const viaMid = make({ cn: "web2", issuer: mid, ca: false, uris: [ID], keyIndex: 3, to: T0 + 5 * HOUR });
    expect(verify(viaMid.pem + mid.pem, root.pem).ok).toBe(true);
    expect(verify(viaMid.pem + mid.pem, root.pem, T0 + 3 * HOUR)).toEqual({ ok: false, reason: `issuer certificate expired at ${new Date(T0 + 2 * HOUR).toISOString()}` });
    const shortRoot = make({ cn: "short-root", ca: true, keyIndex: 0, from: T0 - 10 * HOUR, to: T0 });
    const underShort = make({ cn: "web3", issuer: shortRoot, ca: false, uris: [ID], keyIndex: 1, to: T0 + 5 * HOUR });
    expect(verify(underShort.pem, shortRoot.pem, T0 + HOUR)).toEqual({ ok: false, reason: `trust root expired at ${new Date(T0).toISOString()}` });
  });

  it("an issuer must be a CA, and must have signed: a same-named certificate with another key does not chain", () => {
    const notCa = make({ cn: "root", ca: false, keyIndex: 0 });
    const underNotCa = make({ cn: "web4", issuer: notCa, ca: false, uris: [ID], keyIndex: 1 });
    expect(verify(underNotCa.pem, notCa.pem)).toEqual({ ok: false, reason: "peer certificate does not chain to the trust bundle" });
    const impostorRoot = make({ cn: "root", ca: true, keyIndex: 2 });
    expect(verify(leaf.pem, impostorRoot.pem)).toEqual({ ok: false, reason: "peer certificate does not chain to the trust bundle" });
    // A not-CA intermediate with the right name and key still does not make a path.
    const midNotCa = make({ cn: "mid-x", issuer: root, ca: false, keyIndex: 2 });
    const underMidNotCa = make({ cn: "web5", issuer: midNotCa, ca: false, uris: [ID], keyIndex: 3 });
    expect(verify(underMidNotCa.pem + midNotCa.pem, root.pem)).toEqual({ ok: false, reason: "peer certificate does not chain to the trust bundle" });
  });

  it("follows up to four intermediates, given in the chain or separately, and refuses a fifth", () => {
    const chain: Made[] = [];
    let issuer = root;
    for (let i = 0; i < 5; i++) {
      issuer = make({ cn: `mid-${i}`, issuer, ca: true, keyIndex: (i + 2) % 4 });
      chain.unshift(issuer);
    }
    const deep = make({ cn: "deep", issuer: chain[0]!, ca: false, uris: [ID], keyIndex: 1 });
    const four = chain.slice(1).map((m) => m.pem).join("");
    const underFour = make({ cn: "deep4", issuer: chain[1]!, ca: false, uris: [ID], keyIndex: 1 });
    expect(verify(underFour.pem + four, root.pem).ok).toBe(true);
    expect(verify(underFour.pem, root.pem, T0, four).ok).toBe(true);
    expect(verify(deep.pem + chain.map((m) => m.pem).join(""), root.pem)).toEqual({ ok: false, reason: "certificate chain is longer than 4" });
  });

  it("needs exactly one well-formed spiffe:// URI SAN equal to the expected id", () => {
    const none = make({ cn: "none", issuer: root, ca: false, keyIndex: 1 });
    expect(verify(none.pem, root.pem)).toEqual({ ok: false, reason: "peer certificate must carry exactly one SPIFFE URI SAN, found 0" });
    const https = make({ cn: "https", issuer: root, ca: false, uris: ["https://web.example"], keyIndex: 1 });
    expect(verify(https.pem, root.pem)).toEqual({ ok: false, reason: "peer certificate must carry exactly one SPIFFE URI SAN, found 0" });
    const two = make({ cn: "two", issuer: root, ca: false, uris: [ID, "spiffe://cluster.local/ns/shop/sa/db"], keyIndex: 1 });
    expect(verify(two.pem, root.pem)).toEqual({ ok: false, reason: "peer certificate must carry exactly one SPIFFE URI SAN, found 2" });
    const bad = make({ cn: "bad", issuer: root, ca: false, uris: ["spiffe://cluster.local/ns/shop/sa/"], keyIndex: 1 });
    expect(verify(bad.pem, root.pem)).toEqual({ ok: false, reason: 'peer SPIFFE id "spiffe://cluster.local/ns/shop/sa/" is malformed' });
  });

  it("a DNS SAN spelled like a SPIFFE id is no identity", () => {
    const k = keys[1]!;
    const cert = forge.pki.createCertificate();
    cert.publicKey = forge.pki.setRsaPublicKey(k.n, k.e);
    cert.serialNumber = "7777";
    cert.validity.notBefore = new Date(T0 - HOUR);
    cert.validity.notAfter = new Date(T0 + HOUR);
    cert.setSubject([{ name: "commonName", value: "dns" }]);
    cert.setIssuer(root.cert.subject.attributes);
    cert.setExtensions([{ name: "basicConstraints", cA: false }, { name: "subjectAltName", altNames: [{ type: 2, value: ID }] }]);
    cert.sign(root.key, forge.md.sha256.create());
    expect(verify(forge.pki.certificateToPem(cert), root.pem)).toEqual({ ok: false, reason: "peer certificate must carry exactly one SPIFFE URI SAN, found 0" });
  });

  it("finds the issuer among unrelated intermediates, in any order", () => {
    const mid = make({ cn: "mid-o", issuer: root, ca: true, keyIndex: 2 });
    const stray = make({ cn: "stray", ca: true, keyIndex: 3 });
    const viaMid = make({ cn: "web-o", issuer: mid, ca: false, uris: [ID], keyIndex: 1 });
    expect(verify(viaMid.pem + stray.pem + mid.pem, root.pem).ok).toBe(true);
  });

  it("quotes at most 200 characters of a malformed id", () => {
    const long = `spiffe://cluster.local/${"x/".repeat(150)}`;
    const c = make({ cn: "long", issuer: root, ca: false, uris: [long], keyIndex: 1 });
    expect(verify(c.pem, root.pem)).toEqual({ ok: false, reason: `peer SPIFFE id ${JSON.stringify(long.slice(0, 200))} is malformed` });
  });

  it("a URI SAN crafted to read as a second entry never yields that id", () => {
    const smuggler = make({ cn: "smuggler", issuer: root, ca: false, uris: [`spiffe://cluster.local/ns/evil/sa/x, URI:${ID}`], keyIndex: 1 });
    expect(verify(smuggler.pem, root.pem).ok).toBe(false);
  });

  it("refuses an empty bundle, no certificate, and garbage without throwing", () => {
    expect(verify(leaf.pem, "")).toEqual({ ok: false, reason: "trust bundle is empty" });
    expect(verify("", root.pem)).toEqual({ ok: false, reason: "peer presented no certificate" });
    expect(verify("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----", root.pem)).toEqual({ ok: false, reason: "peer certificate could not be parsed" });
  });
});
