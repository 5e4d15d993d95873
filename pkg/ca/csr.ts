// csr: workload certificate signing requests, the CA's side. `parseCsr` takes hostile PEM and gives the
// public key and the single SPIFFE id it asks for, after checking proof of possession and key size, or
// a WEFT_ERR_VALIDATION error with a precise message. (A proxy builds its CSR with csr-build.ts.)
// Must not: accept non-RSA or short keys, several URI SANs, or a CSR whose signature fails.
import forge from "node-forge";
import { WeftError } from "../errors/weft-error.ts";
import { parseSpiffeId } from "../util/spiffe.ts";
import { verifyCsrSignature, type SignerKind } from "./rsa-sign.ts";

export { createCsr } from "./csr-build.ts";

const { pki } = forge;

export const MAX_CSR_BYTES = 16 * 1024;
const MIN_KEY_BITS = 2048;
const MAX_KEY_BITS = 8192;

export interface ParsedCsr {
  readonly publicKey: forge.pki.rsa.PublicKey;
  readonly spiffeId: string;
}

export function parseCsr(pem: string, signer: SignerKind = "native"): ParsedCsr {
  if (typeof pem !== "string" || pem.length === 0) throw invalid("CSR is empty");
  if (pem.length > MAX_CSR_BYTES) throw invalid(`CSR is larger than ${MAX_CSR_BYTES} bytes`);
  let csr: forge.pki.CertificateSigningRequest;
  try {
    csr = pki.certificationRequestFromPem(pem);
  } catch (e) {
    const notRsa = e instanceof Error && /not RSA/i.test(e.message);
    throw invalid(notRsa ? "CSR public key must be RSA (the mesh CA is RSA-only)" : "CSR is not a valid PEM certification request");
  }
  const key = csr.publicKey as forge.pki.rsa.PublicKey | null;
  if (key === null) throw invalid("CSR has no public key");
  const bits = key.n.bitLength();
  if (bits < MIN_KEY_BITS || bits > MAX_KEY_BITS) throw invalid(`CSR key is ${bits} bits; allowed ${MIN_KEY_BITS}..${MAX_KEY_BITS}`);
  if (!verifyCsrSignature(csr, signer)) throw invalid("CSR signature does not verify (proof of possession failed)");
  const uris = requestedUris(csr);
  if (uris.length !== 1) throw invalid(`CSR must request exactly one URI SAN, found ${uris.length}`);
  const id = uris[0]!;
  if (parseSpiffeId(id) === undefined) throw invalid(`CSR URI SAN ${JSON.stringify(id.slice(0, 200))} is not spiffe://<td>/ns/<ns>/sa/<sa>`);
  return { publicKey: key, spiffeId: id };
}

function requestedUris(csr: forge.pki.CertificateSigningRequest): string[] {
  const attr = csr.getAttribute({ name: "extensionRequest" }) as { extensions?: { name?: string; altNames?: { type: number; value: string }[] }[] } | null;
  const out: string[] = [];
  for (const ext of attr?.extensions ?? []) {
    if (ext.name !== "subjectAltName") continue;
    for (const alt of ext.altNames ?? []) if (alt.type === 6) out.push(alt.value);
  }
  return out;
}

function invalid(message: string): WeftError {
  return new WeftError("WEFT_ERR_VALIDATION", message);
}
