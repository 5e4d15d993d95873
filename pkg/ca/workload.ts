// workload: the proxy's side of pkg/ca — its identity client (key, CSR, signed certificate, rotation),
// the merged trust roots it verifies peers with, and the material's shape. Nothing here loads
// node-forge: that stays with the controller's CA (index.ts).
// Must not: hold behaviour.
export { createIdentityClient } from "./identity-client.ts";
export type { IdentityClient, IdentityClientOptions } from "./identity-client.ts";
export { DEFAULT_LEAF_TTL_MS, type MeshTlsMaterial } from "./tls-material.ts";
export { createTrustRoots } from "./trust-roots.ts";
export type { KeyPairPem } from "./rsa-keys.ts";
export { generateWorkloadKey } from "./workload-key.ts";
export { splitPemCertificates } from "./peer-verify.ts";
