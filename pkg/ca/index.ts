// index: the public surface of pkg/ca (mesh CA, signing handler, token authenticators, peer
// verification, proxy identity client). Must not: hold behaviour.
export { createMeshCa, importCa } from "./mesh-ca.ts";
export { DEFAULT_LEAF_TTL_MS } from "./tls-material.ts";
export type { MeshCa, MeshCaOptions, ExportedCa, SignedLeaf } from "./mesh-ca.ts";
export { createSignHandler, DISTRIBUTION_AUDIENCE } from "./sign-handler.ts";
export type { SignHandlerOptions, SignRequestHandler } from "./sign-handler.ts";
export { createTokenReviewAuthenticator, createStaticTokenAuthenticator, serviceAccountOf } from "./token-authenticator.ts";
export type { TokenAuthenticator, PostTokenReview, TokenReviewRequest, TokenReviewResult, StaticToken, ServiceAccountIdentity } from "./token-authenticator.ts";
export { verifyPeerIdentity, splitPemCertificates } from "./peer-verify.ts";
export type { PeerVerification } from "./peer-verify.ts";
export { createIdentityClient } from "./identity-client.ts";
export type { IdentityClient, IdentityClientOptions } from "./identity-client.ts";
export { parseCsr } from "./csr.ts";
export { createCsr } from "./csr-build.ts";
export { generateRsaKey, ROOT_KEY_BITS, INTERMEDIATE_KEY_BITS, LEAF_KEY_BITS } from "./rsa-keys.ts";
export { generateWorkloadKey } from "./workload-key.ts";
export type { MeshTlsMaterial } from "./tls-material.ts";
export { createTrustRoots } from "./trust-roots.ts";
export type { TrustRoots } from "./trust-roots.ts";
