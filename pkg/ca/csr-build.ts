// csr-build: a proxy's certificate signing request (PKCS#10, RFC 2986) built with node:crypto alone, so
// the proxy never loads node-forge (it stays with the controller's CA). Subject O=weft, the public key
// as node:crypto exports it (SPKI), one extensionRequest attribute asking for a subjectAltName with the
// single SPIFFE URI, signed with the matching private key: ecdsa-with-SHA256 for an EC key (the workload
// key, workload-key.ts), sha256WithRSAEncryption for an RSA key. The DER is written here (a few fixed
// structures, minimal-length encoding); the CA parses it with parseCsr (csr.ts).
// Takes the key pair (PEM) and the SPIFFE id; gives the CSR as PEM. Must not: log or return the key.
import { createPrivateKey, createPublicKey, sign } from "node:crypto";

/** One DER element: tag, minimal length, contents. */
function tlv(tag: number, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  const n = body.length;
  let len: Buffer;
  if (n < 0x80) len = Buffer.from([n]);
  else {
    const bytes: number[] = [];
    for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
    len = Buffer.from([0x80 | bytes.length, ...bytes]);
  }
  return Buffer.concat([Buffer.from([tag]), len, body]);
}

/** An OBJECT IDENTIFIER from its dotted form. */
function oid(dotted: string): Buffer {
  const arcs = dotted.split(".").map(Number);
  const out: number[] = [40 * arcs[0]! + arcs[1]!];
  for (const arc of arcs.slice(2)) {
    const group: number[] = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) group.unshift(0x80 | (v & 0x7f));
    out.push(...group);
  }
  return tlv(0x06, Buffer.from(out));
}

const SEQUENCE = 0x30;
const SET = 0x31;
const SHA256_WITH_RSA = "1.2.840.113549.1.1.11";
const ECDSA_WITH_SHA256 = "1.2.840.10045.4.3.2";
const ORGANIZATION = "2.5.4.10";
const EXTENSION_REQUEST = "1.2.840.113549.1.9.14";
const SUBJECT_ALT_NAME = "2.5.29.17";

/** Build a CSR for `spiffeId` signed with the given PEM private key (EC or RSA; PKCS#8, SEC1 or PKCS#1). */
export function createCsr(privateKeyPem: string, publicKeyPem: string, spiffeId: string): string {
  const spki = createPublicKey(publicKeyPem).export({ type: "spki", format: "der" });
  const subject = tlv(SEQUENCE, tlv(SET, tlv(SEQUENCE, oid(ORGANIZATION), tlv(0x0c, Buffer.from("weft", "utf8")))));
  // GeneralNames with one uniformResourceIdentifier ([6] IMPLICIT IA5String).
  const san = tlv(SEQUENCE, tlv(0x86, Buffer.from(spiffeId, "ascii")));
  const extensions = tlv(SEQUENCE, tlv(SEQUENCE, oid(SUBJECT_ALT_NAME), tlv(0x04, san)));
  const attributes = tlv(0xa0, tlv(SEQUENCE, oid(EXTENSION_REQUEST), tlv(SET, extensions)));
  const info = tlv(SEQUENCE, tlv(0x02, Buffer.from([0])), subject, Buffer.from(spki), attributes);
  const key = createPrivateKey(privateKeyPem);
  // ECDSA's signature is the DER ECDSA-Sig-Value (node's default encoding), as X.509 wants it.
  const signature = sign("sha256", info, key);
  // RFC 5758: ecdsa-with-SHA256 has no parameters; RFC 4055: sha256WithRSAEncryption has NULL.
  const algorithm = key.asymmetricKeyType === "ec" ? tlv(SEQUENCE, oid(ECDSA_WITH_SHA256)) : tlv(SEQUENCE, oid(SHA256_WITH_RSA), tlv(0x05));
  const der = tlv(SEQUENCE, info, algorithm, tlv(0x03, Buffer.from([0]), signature));
  const b64 = der.toString("base64").replace(/.{1,64}/g, "$&\n");
  return `-----BEGIN CERTIFICATE REQUEST-----\n${b64}-----END CERTIFICATE REQUEST-----\n`;
}
