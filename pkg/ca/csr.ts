// csr: workload certificate signing requests, the CA's side. `parseCsr` takes hostile PEM and gives the
// public key and the single SPIFFE id it asks for, after checking proof of possession and the key, or
// a WEFT_ERR_VALIDATION error with a precise message. (A proxy builds its CSR with csr-build.ts.)
// Keys: ECDSA P-256 (what proxies make, workload-key.ts; the signature verified with node:crypto) or RSA
// 2048..8192 bits (proxies of an older release; node-forge reads the request).
// Must not: accept other key types, curves or sizes, several URI SANs, or a CSR whose signature fails.
import { createPublicKey, verify, type KeyObject } from "node:crypto";
import forge from "node-forge";
import { WeftError } from "../errors/weft-error.ts";
import { parseSpiffeId } from "../util/spiffe.ts";
import { isContextTag, parseDer, verifyCsrSignature, type SignerKind } from "./rsa-sign.ts";
import { WORKLOAD_KEY_CURVE } from "./workload-key.ts";

export { createCsr } from "./csr-build.ts";

const { asn1, pki } = forge;
type Asn1 = forge.asn1.Asn1;

export const MAX_CSR_BYTES = 16 * 1024;
const MIN_KEY_BITS = 2048;
const MAX_KEY_BITS = 8192;
const EC_PUBLIC_KEY = "1.2.840.10045.2.1";
const EXTENSION_REQUEST = "1.2.840.113549.1.9.14";
const SUBJECT_ALT_NAME = "2.5.29.17";
const ECDSA_DIGEST_BY_OID: Readonly<Record<string, string>> = { "1.2.840.10045.4.3.2": "sha256", "1.2.840.10045.4.3.3": "sha384" };

/** An EC P-256 public key, as the SPKI DER the certificate will carry. */
export interface EcPublicKey {
  readonly kind: "ec";
  readonly spkiDer: Buffer;
}

export interface ParsedCsr {
  /** The key the certificate will carry: node-forge's RSA key, or an EC P-256 key. */
  readonly publicKey: forge.pki.rsa.PublicKey | EcPublicKey;
  readonly spiffeId: string;
}

export function isEcPublicKey(k: ParsedCsr["publicKey"]): k is EcPublicKey {
  return "kind" in k && k.kind === "ec";
}

export function parseCsr(pem: string, signer: SignerKind = "native"): ParsedCsr {
  if (typeof pem !== "string" || pem.length === 0) throw invalid("CSR is empty");
  if (pem.length > MAX_CSR_BYTES) throw invalid(`CSR is larger than ${MAX_CSR_BYTES} bytes`);
  const request = decodeRequest(pem);
  const { info, publicKey } = algorithmOf(request.spki) === EC_PUBLIC_KEY ? ecRequest(request) : rsaRequest(pem, signer);
  const uris = requestedUris(info);
  if (uris.length !== 1) throw invalid(`CSR must request exactly one URI SAN, found ${uris.length}`);
  const id = uris[0]!;
  if (parseSpiffeId(id) === undefined) throw invalid(`CSR URI SAN ${JSON.stringify(id.slice(0, 200))} is not spiffe://<td>/ns/<ns>/sa/<sa>`);
  return { publicKey, spiffeId: id };
}

interface DecodedRequest {
  readonly info: Asn1;
  readonly spki: Asn1;
  readonly signatureAlgorithm: string;
  /** The BIT STRING's contents, its unused-bits byte first. */
  readonly signatureBits: string;
}

/** PEM → the request's parts (DER, as node-forge's parser reads it, BIT STRINGs left as bytes). */
function decodeRequest(pem: string): DecodedRequest {
  try {
    const msg = forge.pem.decode(pem)[0];
    const procType = msg?.procType as { type?: string } | null | undefined;
    if (msg === undefined || msg.type !== "CERTIFICATE REQUEST" || procType?.type === "ENCRYPTED") throw new Error("not a CSR");
    const [info, algorithm, bits] = children(parseDer(msg.body));
    const spki = children(info)[2];
    const oid = children(algorithm)[0];
    if (spki === undefined || oid?.type !== asn1.Type.OID || bits?.type !== asn1.Type.BITSTRING || typeof bits.value !== "string") throw new Error("not a CSR");
    return { info: info!, spki, signatureAlgorithm: asn1.derToOid(oid.value as string), signatureBits: bits.value };
  } catch {
    throw invalid("CSR is not a valid PEM certification request");
  }
}

/** An EC request: P-256 only, proof of possession verified with node:crypto over the request info's DER. */
function ecRequest(r: DecodedRequest): { info: Asn1; publicKey: EcPublicKey } {
  const spkiDer = Buffer.from(asn1.toDer(r.spki).getBytes(), "binary");
  let key: KeyObject;
  try {
    key = createPublicKey({ key: spkiDer, format: "der", type: "spki" });
  } catch {
    throw invalid("CSR public key is not a valid EC key");
  }
  if (key.asymmetricKeyDetails?.namedCurve !== WORKLOAD_KEY_CURVE) throw invalid("CSR EC key must be on curve P-256");
  const digest = ECDSA_DIGEST_BY_OID[r.signatureAlgorithm];
  const infoDer = Buffer.from(asn1.toDer(r.info).getBytes(), "binary");
  const signature = Buffer.from(r.signatureBits.slice(1), "binary");
  let ok = false;
  try {
    ok = digest !== undefined && r.signatureBits.charCodeAt(0) === 0 && verify(digest, infoDer, key, signature);
  } catch { /* a malformed signature does not verify */ }
  if (!ok) throw invalid("CSR signature does not verify (proof of possession failed)");
  return { info: r.info, publicKey: { kind: "ec", spkiDer } };
}

/** An RSA request, read by node-forge: 2048..8192 bits, proof of possession with the chosen signer. */
function rsaRequest(pem: string, signer: SignerKind): { info: Asn1; publicKey: forge.pki.rsa.PublicKey } {
  let csr: forge.pki.CertificateSigningRequest;
  try {
    csr = pki.certificationRequestFromPem(pem);
  } catch (e) {
    const notRsa = e instanceof Error && /not RSA/i.test(e.message);
    throw invalid(notRsa ? "CSR public key must be EC P-256 or RSA" : "CSR is not a valid PEM certification request");
  }
  const key = csr.publicKey as forge.pki.rsa.PublicKey | null;
  if (key === null || csr.certificationRequestInfo === null) throw invalid("CSR has no public key");
  const bits = key.n.bitLength();
  if (bits < MIN_KEY_BITS || bits > MAX_KEY_BITS) throw invalid(`CSR key is ${bits} bits; allowed ${MIN_KEY_BITS}..${MAX_KEY_BITS}`);
  if (!verifyCsrSignature(csr, signer)) throw invalid("CSR signature does not verify (proof of possession failed)");
  return { info: csr.certificationRequestInfo, publicKey: key };
}

/** The URIs of the subjectAltName extensions the request's attributes ask for (extensionRequest, PKCS#9). */
function requestedUris(info: Asn1): string[] {
  const out: string[] = [];
  const attributes = children(info).find((n) => isContextTag(n, 0));
  for (const attribute of children(attributes)) {
    const [type, values] = children(attribute);
    if (oidOf(type) !== EXTENSION_REQUEST) continue;
    for (const extensions of children(values)) {
      for (const extension of children(extensions)) {
        const parts = children(extension);
        const octets = parts[parts.length - 1];
        if (oidOf(parts[0]) !== SUBJECT_ALT_NAME || octets?.type !== asn1.Type.OCTETSTRING || typeof octets.value !== "string") continue;
        let names: Asn1;
        try {
          names = parseDer(octets.value);
        } catch {
          throw invalid("CSR subjectAltName is not valid DER");
        }
        for (const n of children(names)) if (isContextTag(n, 6) && typeof n.value === "string") out.push(n.value);
      }
    }
  }
  return out;
}

function children(n: Asn1 | undefined): Asn1[] {
  return n !== undefined && Array.isArray(n.value) ? n.value : [];
}

function oidOf(n: Asn1 | undefined): string | undefined {
  return n?.type === asn1.Type.OID && n.tagClass === asn1.Class.UNIVERSAL && typeof n.value === "string" ? asn1.derToOid(n.value) : undefined;
}

/** The algorithm OID of a SubjectPublicKeyInfo. */
function algorithmOf(spki: Asn1): string | undefined {
  return oidOf(children(children(spki)[0])[0]);
}

function invalid(message: string): WeftError {
  return new WeftError("WEFT_ERR_VALIDATION", message);
}
