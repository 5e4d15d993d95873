// mesh-secure-context: the one TLS secure context built from a sidecar's mesh material (our key and
// certificate chain, the trust bundle as the CAs a peer must chain to), shared by the inbound face
// (server side of mesh mTLS) and every upstream mesh connection (client side) until the material changes.
// Why one: a context parses the key, the chain and the bundle into an OpenSSL SSL_CTX and a certificate
// store; node builds a fresh one for every tls.connect given key/cert/ca, which cost ~100 kB of native
// memory per pooled upstream connection and the parsing on every dial (docs/proxy.md, "Memory").
// Takes the material; gives the context. Must not: log or keep the key material anywhere else.
import { createSecureContext, type SecureContext } from "node:tls";
import type { MeshTlsMaterial } from "./engine-types.ts";

export function meshSecureContext(m: MeshTlsMaterial): SecureContext {
  // As a server (inbound sidecar) it resumes sessions of its own tickets (upstream/mesh-sessions.ts): OpenSSL
  // resumes nothing for a server that asks for client certificates without a session id context, and a
  // ticket is good for 5 minutes (node's tls.Server default), not OpenSSL's 2 hours.
  return createSecureContext({ key: m.keyPem, cert: m.certChainPem, ca: m.trustBundlePem, minVersion: "TLSv1.2", sessionIdContext: "weft-mesh", sessionTimeout: 300 });
}
