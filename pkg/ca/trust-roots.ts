// trust-roots: the roots a proxy trusts for mesh peers, merged across trust bundle changes. A root the
// controller announces is trusted; a root it stops announcing stays trusted for a grace period (the mesh
// certificate lifetime: every certificate issued under it before the change has expired by then) or
// until the root itself expires, so peers still holding certificates under the old root keep working
// while everyone renews (a controller restart with a new CA, a root rotation whose retirement races a
// proxy). Roots are told apart by their DER bytes.
// Takes bundles (PEM) and a clock; gives the merged PEM, whether a certificate chain is anchored in the
// announced bundle, and when the next retired root falls out.
// Must not: throw on bad PEM (unparsable certificates are skipped); trust a root past its grace.
import { X509Certificate } from "node:crypto";
import { splitPemCertificates, verifyPeerIdentity } from "./peer-verify.ts";

interface Held {
  readonly pem: string;
  readonly notAfter: number;
  /** Infinity while announced; else when it stops being trusted. */
  until: number;
}

export interface TrustRoots {
  /** Takes the controller's current bundle; true when the merged set changed. */
  update(bundlePem: string): boolean;
  /** Every root trusted now (announced first), PEM. */
  pem(): string;
  /** Drops retired roots past their grace; true when the set changed. */
  prune(): boolean;
  /** When the next retired root stops being trusted (undefined when none is retiring). */
  nextExpiry(): number | undefined;
  /** The chain verifies to the bundle last announced (not to a retiring root). */
  anchoredInAnnounced(certChainPem: string, identity: string): boolean;
}

export function createTrustRoots(o: { readonly graceMs: () => number; readonly now?: () => number }): TrustRoots {
  const now = o.now ?? Date.now;
  const held = new Map<string, Held>();
  let announced = "";

  const parse = (pem: string): { key: string; notAfter: number } | undefined => {
    try {
      const c = new X509Certificate(pem);
      return { key: c.raw.toString("base64"), notAfter: Date.parse(c.validTo) };
    } catch {
      return undefined;
    }
  };

  const prune = (): boolean => {
    const t = now();
    let changed = false;
    for (const [k, h] of held) {
      if (h.until <= t || h.notAfter <= t) {
        held.delete(k);
        changed = true;
      }
    }
    return changed;
  };

  return {
    update(bundlePem) {
      const t = now();
      const seen = new Set<string>();
      let changed = false;
      const good: string[] = [];
      for (const pem of splitPemCertificates(bundlePem)) {
        const p = parse(pem);
        if (p === undefined) continue;
        seen.add(p.key);
        good.push(pem);
        const h = held.get(p.key);
        if (h === undefined) {
          held.set(p.key, { pem, notAfter: p.notAfter, until: Number.POSITIVE_INFINITY });
          changed = true;
        } else if (h.until !== Number.POSITIVE_INFINITY) {
          h.until = Number.POSITIVE_INFINITY;
        }
      }
      if (seen.size === 0) return prune();
      announced = good.join("\n");
      for (const [k, h] of held) if (!seen.has(k) && h.until === Number.POSITIVE_INFINITY) h.until = t + o.graceMs();
      return prune() || changed;
    },
    pem() {
      prune();
      const list = [...held.values()].sort((a, b) => (a.until === b.until ? 0 : a.until < b.until ? 1 : -1));
      return list.map((h) => (h.pem.endsWith("\n") ? h.pem : `${h.pem}\n`)).join("");
    },
    prune,
    nextExpiry() {
      let next: number | undefined;
      for (const h of held.values()) if (h.until !== Number.POSITIVE_INFINITY && (next === undefined || h.until < next)) next = h.until;
      return next;
    },
    anchoredInAnnounced(certChainPem, identity) {
      return announced !== "" && verifyPeerIdentity(certChainPem, announced, identity, { now: now() }).ok;
    },
  };
}
