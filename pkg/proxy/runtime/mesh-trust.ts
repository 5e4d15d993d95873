// mesh-trust: how the proxy runtime keeps its mesh trust current. Roots come from two places: the bundle
// in each Sign response (with a new certificate) and the `trust` resource the controller pushes over the
// distribution stream whenever its CA's roots change (pkg/distribution). Both feed one TrustRoots
// (pkg/ca/trust-roots.ts: old roots stay trusted for one certificate lifetime after the controller
// drops them), and the merged roots go to the engine and sidecar (peers) and to the controller channel
// when it is TLS. When the announced roots no longer anchor our own certificate (the controller now
// signs under another CA), a new certificate is requested at once, so peers that trust only the new
// roots accept us. A retired root is dropped by a timer when its grace ends.
// Takes the apply callbacks and the identity client's renew; gives onMaterial/onBundle/stop.
// Must not: log keys or certificates; apply a certificate without the roots merged in.
import { X509Certificate } from "node:crypto";
import { DEFAULT_LEAF_TTL_MS, createTrustRoots, splitPemCertificates, type MeshTlsMaterial } from "../../ca/workload.ts";

export interface ProxyMeshTrustOptions {
  /** Puts material in force for mesh peers (engine, sidecar). */
  readonly apply: (material: MeshTlsMaterial) => void;
  /** The controller channel's roots (TLS only): called when the merged roots differ from `initialControllerRoots`. */
  readonly controllerRoots?: (pem: string) => void;
  /** The roots the controller channel started with (WEFT_TRUST_BUNDLE / --trust-bundle). */
  readonly initialControllerRoots?: string;
  /** Asks for a new certificate now. */
  readonly renew: () => Promise<unknown>;
  readonly log: (level: "info" | "warn", msg: string, fields: Record<string, unknown>) => void;
}

export interface ProxyMeshTrust {
  onMaterial(material: MeshTlsMaterial): void;
  onBundle(bundlePem: string): void;
  /** The merged roots now. */
  rootsPem(): string;
  stop(): void;
}

function lifetimeOf(m: MeshTlsMaterial | undefined): number {
  const leaf = m === undefined ? undefined : splitPemCertificates(m.certChainPem)[0];
  if (leaf === undefined) return DEFAULT_LEAF_TTL_MS;
  try {
    const c = new X509Certificate(leaf);
    return Math.max(60_000, Date.parse(c.validTo) - Date.parse(c.validFrom));
  } catch {
    return DEFAULT_LEAF_TTL_MS;
  }
}

export function createProxyMeshTrust(o: ProxyMeshTrustOptions): ProxyMeshTrust {
  let material: MeshTlsMaterial | undefined;
  let timer: NodeJS.Timeout | undefined;
  let renewing = false;
  /** The same certificates in any order and PEM layout are the same roots. */
  const rootsKey = (pem: string): string => splitPemCertificates(pem).map((c) => c.replace(/\s+/g, "")).sort().join("|");
  let controllerKey = o.initialControllerRoots === undefined ? undefined : rootsKey(o.initialControllerRoots);
  const roots = createTrustRoots({ graceMs: () => lifetimeOf(material) });

  const push = (): void => {
    const pem = roots.pem();
    if (material !== undefined) o.apply({ ...material, trustBundlePem: pem });
    if (o.controllerRoots !== undefined && rootsKey(pem) !== controllerKey) {
      controllerKey = rootsKey(pem);
      o.controllerRoots(pem);
    }
    if (timer !== undefined) clearTimeout(timer);
    const next = roots.nextExpiry();
    if (next !== undefined) {
      timer = setTimeout(() => {
        if (roots.prune()) push();
      }, Math.min(2 ** 31 - 1, Math.max(1000, next - Date.now())));
      timer.unref();
    }
  };

  const renewIfForeign = (): void => {
    if (material === undefined || renewing || roots.anchoredInAnnounced(material.certChainPem, material.identity)) return;
    renewing = true;
    o.log("info", "the controller's trust bundle does not anchor our certificate: renewing it", { identity: material.identity });
    o.renew().catch((e: unknown) => o.log("warn", "certificate renewal failed", { error: e instanceof Error ? e.message : "error" }))
      .finally(() => {
        renewing = false;
      });
  };

  return {
    onMaterial(m) {
      material = m;
      roots.update(m.trustBundlePem);
      push();
    },
    onBundle(pem) {
      const changed = roots.update(pem);
      if (changed) {
        o.log("info", "mesh trust bundle changed", { roots: splitPemCertificates(roots.pem()).length });
        push();
      }
      renewIfForeign();
    },
    rootsPem: () => roots.pem(),
    stop() {
      if (timer !== undefined) clearTimeout(timer);
    },
  };
}
