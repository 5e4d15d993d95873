// workload-key: the key pair a proxy's workload certificate carries — ECDSA on P-256 (node:crypto,
// OpenSSL), PEM-encoded: public SPKI, private PKCS#8. Why not RSA like the CA's own keys: a 2048-bit
// RSA key takes tens to hundreds of ms of CPU to generate (a prime search of random length), on the
// startup path of every sidecar; a P-256 key takes well under a millisecond, and its signatures (each
// mTLS handshake) are cheaper too. The CA keeps accepting RSA CSRs (csr.ts) from proxies of an older
// release.
// Takes nothing; gives a key pair. Must not: log keys.
import { generateKeyPair } from "node:crypto";
import { promisify } from "node:util";
import type { KeyPairPem } from "./rsa-keys.ts";

/** The named curve of workload keys (OpenSSL's name for P-256). */
export const WORKLOAD_KEY_CURVE = "prime256v1";

const generateKeyPairAsync = promisify(generateKeyPair);

export async function generateWorkloadKey(): Promise<KeyPairPem> {
  const { privateKey, publicKey } = await generateKeyPairAsync("ec", {
    namedCurve: WORKLOAD_KEY_CURVE,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
  });
  return { privateKeyPem: privateKey, publicKeyPem: publicKey };
}
