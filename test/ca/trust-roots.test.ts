// trust-roots: a proxy's trusted roots across bundle changes. Announced roots are trusted; a root the
// controller stops announcing stays trusted for the grace period (one certificate lifetime), then
// drops; re-announcing it keeps it; only the announced bundle counts as anchoring our own certificate.
import { describe, expect, it } from "vitest";
import { createMeshCa, createTrustRoots, splitPemCertificates } from "../../pkg/ca/index.ts";
import { createCsr, generateRsaKey } from "../../pkg/ca/index.ts";

const a = createMeshCa({ trustDomain: "cluster.local" });
const b = createMeshCa({ trustDomain: "cluster.local" });
const id = "spiffe://cluster.local/ns/demo/sa/web";

describe("trust roots", () => {
  it("keeps a dropped root for the grace period, then drops it", () => {
    let t = Date.now();
    const roots = createTrustRoots({ graceMs: () => 60_000, now: () => t });
    expect(roots.update(a.trustBundle())).toBe(true);
    expect(roots.update(a.trustBundle())).toBe(false);
    expect(roots.update(b.trustBundle())).toBe(true);
    expect(splitPemCertificates(roots.pem())).toEqual([...splitPemCertificates(b.trustBundle()), ...splitPemCertificates(a.trustBundle())]);
    expect(roots.nextExpiry()).toBe(t + 60_000);
    t += 59_000;
    expect(roots.prune()).toBe(false);
    t += 2_000;
    expect(roots.prune()).toBe(true);
    expect(splitPemCertificates(roots.pem())).toEqual(splitPemCertificates(b.trustBundle()));
    expect(roots.nextExpiry()).toBeUndefined();
  });

  it("keeps a root that comes back before its grace ends, and ignores a bundle without certificates", () => {
    let t = Date.now();
    const roots = createTrustRoots({ graceMs: () => 1000, now: () => t });
    roots.update(a.trustBundle());
    roots.update(b.trustBundle());
    roots.update(a.trustBundle() + b.trustBundle());
    t += 5000;
    expect(roots.update("garbage")).toBe(false);
    expect(splitPemCertificates(roots.pem()).length).toBe(2);
  });

  it("says whether the announced bundle anchors a certificate", async () => {
    const keys = await generateRsaKey(2048);
    const leaf = a.sign(createCsr(keys.privateKeyPem, keys.publicKeyPem, id), id);
    const roots = createTrustRoots({ graceMs: () => 60_000 });
    roots.update(a.trustBundle());
    expect(roots.anchoredInAnnounced(leaf.certChainPem, id)).toBe(true);
    roots.update(b.trustBundle());
    expect(roots.pem()).toContain(splitPemCertificates(a.trustBundle())[0]!);
    expect(roots.anchoredInAnnounced(leaf.certChainPem, id)).toBe(false);
  });
});
