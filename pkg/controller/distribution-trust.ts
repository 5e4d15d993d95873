// distribution-trust: how proxies first learn to trust the controller's distribution
// certificate. The injector and the gateway provisioner put the mesh CA's current roots into the
// proxy's WEFT_TRUST_BUNDLE; this file gives the injector a config whose `trustBundlePem` is read
// from the CA at each injection (so a rotated root reaches new pods without a restart).
// Takes an InjectorConfig and the CA; gives a config with a live `trustBundlePem`.
// Must not: copy the bundle once (it would go stale after a root rotation); touch keys.
import type { MeshCa } from "../ca/index.ts";
import type { InjectorConfig } from "../../injector/index.ts";

export function withTrustBundle(config: InjectorConfig, ca: Pick<MeshCa, "trustBundle">): InjectorConfig {
  const out = { ...config };
  Object.defineProperty(out, "trustBundlePem", { get: () => ca.trustBundle(), enumerable: true });
  return out;
}
