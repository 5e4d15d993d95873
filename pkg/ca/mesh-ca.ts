// mesh-ca: the mesh certificate authority (root + intermediate, node-forge certificates).
// Takes a trust domain and either nothing (bootstrap self-signed) or exported PEM material
// (user-provided or read back from a Kubernetes Secret by the controller); gives leaf signing
// (`sign`), the trust bundle (all active roots: old and new during rotation), root rotation and
// export/import as plain data. Persisting the data is the caller's job (pkg/k8s via cmd).
// Must not: call Kubernetes or the file system; log keys; sign a CSR without proof of possession.
import { X509Certificate, createPrivateKey, createPublicKey } from "node:crypto";
import { WeftError } from "../errors/weft-error.ts";
import { isValidTrustDomain, parseSpiffeId } from "../util/spiffe.ts";
import forge from "node-forge";
import { createIntermediateCa, createRootCa, issueLeaf, prepareIssuer, type IssuedCa } from "./ca-certs.ts";
import { LEAF_KEY_BITS, generateRsaKeySync } from "./rsa-keys.ts";
import { parseCsr, type ParsedCsr } from "./csr.ts";
import type { SignerKind } from "./rsa-sign.ts";
import { DEFAULT_LEAF_TTL_MS } from "./tls-material.ts";

export const MAX_LEAF_TTL_MS = 7 * 24 * 3600_000;
export const ROOT_TTL_MS = 10 * 365 * 24 * 3600_000;
export const INTERMEDIATE_TTL_MS = 365 * 24 * 3600_000;
const DNS_NAME = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$/;

/** Plain, serialisable CA material (store it in a Secret; the keys are secret). */
export interface ExportedCa {
  readonly trustDomain: string;
  readonly rootCertPem: string;
  /** Absent when the user keeps the root key offline and provides an intermediate. */
  readonly rootKeyPem?: string;
  readonly intermediateCertPem: string;
  readonly intermediateKeyPem: string;
  /** Roots still trusted besides the current one (previous roots during rotation). */
  readonly previousRootsPem: readonly string[];
}

export interface SignedLeaf {
  /** Leaf then intermediate. */
  readonly certChainPem: string;
  readonly leafPem: string;
  readonly notAfterMs: number;
}

export interface MeshCa {
  readonly trustDomain: string;
  /** Sign a CSR for `identity` (SPIFFE id in this trust domain). Uses only the CSR's key. */
  sign(csrPem: string, identity: string, ttlMs?: number): SignedLeaf;
  /** Same as `sign` for a CSR already checked by `parseCsr` (avoids parsing twice). */
  signParsed(csr: ParsedCsr, identity: string, ttlMs?: number): SignedLeaf;
  /**
   * A serving certificate for the controller's own gRPC port: a fresh key, the controller's SPIFFE
   * id plus DNS SANs (e.g. "weft-controller.weft-system.svc") so standard TLS hostname checks pass.
   */
  issueServingCertificate(identity: string, dnsNames: readonly string[], ttlMs?: number): { keyPem: string; certChainPem: string; notAfterMs: number };
  /** All active roots, concatenated PEM. */
  trustBundle(): string;
  /** New root + intermediate; the old root stays trusted until `retireRoots`. */
  rotateRoot(): void;
  /** Drop every previous root (call once all leaves were re-issued under the new root). */
  retireRoots(): void;
  exportCa(): ExportedCa;
}

export interface MeshCaOptions {
  readonly trustDomain: string;
  readonly signer?: SignerKind;
  readonly now?: () => number;
}

/** Bootstrap a self-signed root and an intermediate. */
export function createMeshCa(opts: MeshCaOptions): MeshCa {
  checkTrustDomain(opts.trustDomain);
  const now = opts.now ?? Date.now;
  const root = createRootCa(opts.trustDomain, ROOT_TTL_MS, now());
  const inter = createIntermediateCa(root, opts.trustDomain, INTERMEDIATE_TTL_MS, now());
  return buildCa(opts, root.certPem, root.keyPem, inter, []);
}

/** Load CA material from PEM. With only a root (cert+key), an intermediate is created. */
export function importCa(
  data: { rootCertPem: string; rootKeyPem?: string; intermediateCertPem?: string; intermediateKeyPem?: string; previousRootsPem?: readonly string[] },
  opts: MeshCaOptions,
): MeshCa {
  checkTrustDomain(opts.trustDomain);
  const now = opts.now ?? Date.now;
  const root = parseCert(data.rootCertPem, "root certificate");
  if (!root.ca) throw config("root certificate is not a CA");
  if (data.rootKeyPem !== undefined) checkKeyMatches(data.rootKeyPem, root, "root");
  let inter: IssuedCa;
  if (data.intermediateCertPem !== undefined && data.intermediateKeyPem !== undefined) {
    const ic = parseCert(data.intermediateCertPem, "intermediate certificate");
    if (!ic.ca) throw config("intermediate certificate is not a CA");
    if (!ic.checkIssued(root) || !ic.verify(root.publicKey)) throw config("intermediate certificate is not signed by the root");
    checkKeyMatches(data.intermediateKeyPem, ic, "intermediate");
    if (Date.parse(ic.validTo) <= now()) throw config("intermediate certificate has expired");
    inter = { certPem: data.intermediateCertPem, keyPem: data.intermediateKeyPem };
  } else if (data.rootKeyPem !== undefined) {
    inter = createIntermediateCa({ certPem: data.rootCertPem, keyPem: data.rootKeyPem }, opts.trustDomain, INTERMEDIATE_TTL_MS, now());
  } else {
    throw config("CA material needs the root key or an intermediate certificate and key");
  }
  const previous = (data.previousRootsPem ?? []).map((p) => {
    parseCert(p, "previous root");
    return p;
  });
  return buildCa(opts, data.rootCertPem, data.rootKeyPem, inter, previous);
}

function buildCa(opts: MeshCaOptions, rootCertPem: string, rootKeyPem: string | undefined, inter: IssuedCa, previous: string[]): MeshCa {
  const td = opts.trustDomain;
  const signer = opts.signer ?? "native";
  const now = opts.now ?? Date.now;
  let state = { rootCertPem, rootKeyPem, inter, issuer: prepareIssuer(inter), previous };
  const checkRequest = (identity: string, ttlMs: number): void => {
    const id = parseSpiffeId(identity);
    if (id === undefined || id.trustDomain !== td) {
      throw new WeftError("WEFT_ERR_PERMISSION_DENIED", `identity ${JSON.stringify(identity.slice(0, 200))} is not in trust domain ${td}`);
    }
    if (!(ttlMs > 0 && ttlMs <= MAX_LEAF_TTL_MS)) throw new WeftError("WEFT_ERR_VALIDATION", `ttl must be in (0, ${MAX_LEAF_TTL_MS}] ms`);
  };
  const issue = (csr: ParsedCsr, identity: string, ttlMs: number): SignedLeaf => {
    const leaf = issueLeaf(state.issuer, csr.publicKey, identity, td, ttlMs, signer, now());
    return { certChainPem: leaf.certPem + state.inter.certPem, leafPem: leaf.certPem, notAfterMs: leaf.notAfterMs };
  };
  return {
    trustDomain: td,
    sign(csrPem, identity, ttlMs = DEFAULT_LEAF_TTL_MS) {
      checkRequest(identity, ttlMs);
      return issue(parseCsr(csrPem, signer), identity, ttlMs);
    },
    signParsed(csr, identity, ttlMs = DEFAULT_LEAF_TTL_MS) {
      checkRequest(identity, ttlMs);
      return issue(csr, identity, ttlMs);
    },
    issueServingCertificate(identity, dnsNames, ttlMs = DEFAULT_LEAF_TTL_MS) {
      checkRequest(identity, ttlMs);
      for (const d of dnsNames) {
        if (!DNS_NAME.test(d)) throw new WeftError("WEFT_ERR_VALIDATION", `DNS name ${JSON.stringify(d.slice(0, 100))} is invalid`);
      }
      const keys = generateRsaKeySync(LEAF_KEY_BITS);
      const leaf = issueLeaf(state.issuer, forge.pki.publicKeyFromPem(keys.publicKeyPem), identity, td, ttlMs, signer, now(), dnsNames);
      return { keyPem: keys.privateKeyPem, certChainPem: leaf.certPem + state.inter.certPem, notAfterMs: leaf.notAfterMs };
    },
    trustBundle() {
      return [state.rootCertPem, ...state.previous].map((p) => (p.endsWith("\n") ? p : `${p}\n`)).join("");
    },
    rotateRoot() {
      const root = createRootCa(td, ROOT_TTL_MS, now());
      const inter = createIntermediateCa(root, td, INTERMEDIATE_TTL_MS, now());
      state = { rootCertPem: root.certPem, rootKeyPem: root.keyPem, inter, issuer: prepareIssuer(inter), previous: [state.rootCertPem, ...state.previous] };
    },
    retireRoots() {
      state = { ...state, previous: [] };
    },
    exportCa() {
      return {
        trustDomain: td,
        rootCertPem: state.rootCertPem,
        ...(state.rootKeyPem !== undefined ? { rootKeyPem: state.rootKeyPem } : {}),
        intermediateCertPem: state.inter.certPem,
        intermediateKeyPem: state.inter.keyPem,
        previousRootsPem: [...state.previous],
      };
    },
  };
}

function parseCert(pem: string, what: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch {
    throw config(`${what} is not a valid PEM certificate`);
  }
}

function checkKeyMatches(keyPem: string, cert: X509Certificate, what: string): void {
  let pub: string;
  try {
    pub = createPublicKey(createPrivateKey(keyPem)).export({ type: "spki", format: "pem" }) as string;
  } catch {
    throw config(`${what} key is not a valid PEM private key`);
  }
  if (pub !== (cert.publicKey.export({ type: "spki", format: "pem" }) as string)) throw config(`${what} key does not match its certificate`);
}

function checkTrustDomain(td: string): void {
  if (!isValidTrustDomain(td)) throw config(`trust domain ${JSON.stringify(td)} is invalid`);
}

function config(message: string): WeftError {
  return new WeftError("WEFT_ERR_CONFIG", message);
}
