// tls-material: the mesh mTLS material a proxy holds. Same plain shape as MeshTlsMaterial in
// pkg/proxy/engine-types.ts (duplicated on purpose: pkg/ca may not import pkg/proxy).
// Also the default lifetime of the leaf certificates that carry it.
// Must not: hold behaviour; be logged (keyPem is secret).

/** How long a workload certificate lives unless the CA is told otherwise. */
export const DEFAULT_LEAF_TTL_MS = 24 * 3600_000;

export interface MeshTlsMaterial {
  readonly keyPem: string;
  /** Leaf then intermediate, PEM. */
  readonly certChainPem: string;
  /** All trusted roots (old and new during rotation), concatenated PEM. */
  readonly trustBundlePem: string;
  /** Our own SPIFFE id. */
  readonly identity: string;
}
