// rsa-keys: RSA key pairs for the mesh (node:crypto, OpenSSL), PEM-encoded: public SPKI, private PKCS#1.
// The key sizes of the CA's certificates (ca-certs.ts says why). No node-forge here, so a proxy that
// only needs its own workload key does not load it.
// Takes a size; gives a key pair. Must not: log keys.
import { generateKeyPair, generateKeyPairSync } from "node:crypto";
import { promisify } from "node:util";

export const ROOT_KEY_BITS = 3072;
export const INTERMEDIATE_KEY_BITS = 2048;
export const LEAF_KEY_BITS = 2048;

export interface KeyPairPem {
  readonly privateKeyPem: string;
  readonly publicKeyPem: string;
}

const keyEncoding = {
  publicKeyEncoding: { type: "spki", format: "pem" },
  privateKeyEncoding: { type: "pkcs1", format: "pem" },
} as const;

export function generateRsaKeySync(bits: number): KeyPairPem {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: bits, ...keyEncoding });
  return { privateKeyPem: privateKey as unknown as string, publicKeyPem: publicKey as unknown as string };
}

const generateKeyPairAsync = promisify(generateKeyPair);

/** Off the event loop (libuv's thread pool). */
export async function generateRsaKey(bits: number): Promise<KeyPairPem> {
  const { privateKey, publicKey } = await generateKeyPairAsync("rsa", { modulusLength: bits, ...keyEncoding });
  return { privateKeyPem: privateKey as unknown as string, publicKeyPem: publicKey as unknown as string };
}
