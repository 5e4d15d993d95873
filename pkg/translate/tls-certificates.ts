// tls-certificates: takes an HTTPS listener's certificateRefs, gives the Secret ids that hold a
// usable certificate and key (decoded PEM) or listener ResolvedRefs problems. Task rule: Secret of
// type kubernetes.io/tls with tls.crt/tls.key, same namespace or cross-ns with a ReferenceGrant from
// Gateway to Secret (spec §5); missing/invalid ⇒ InvalidCertificateRef, ungranted ⇒ RefNotPermitted.
// Must not: put key material in messages or diagnostics.
import { createPrivateKey, X509Certificate } from "node:crypto";
import type { SecretObjectReference } from "../api/index.ts";
import { GATEWAY_GROUP } from "../api/index.ts";
import type { TlsSecretIR } from "../ir/types.ts";
import { referencePermitted } from "./reference-grants.ts";
import type { SnapshotIndex } from "./snapshot-index.ts";

export const MAX_PEM_BYTES = 1 << 20;

export interface CertProblem {
  readonly reason: "InvalidCertificateRef" | "RefNotPermitted";
  readonly message: string;
}

export type SecretCheck = { readonly ok: true; readonly secret: TlsSecretIR } | { readonly ok: false; readonly message: string };

/** Per-pass cache: one Secret is checked once however many listeners use it. */
export type SecretCache = Map<string, SecretCheck>;

function decode(b64: string | undefined): string | undefined {
  if (typeof b64 !== "string" || b64.length === 0 || b64.length > (MAX_PEM_BYTES * 4) / 3 + 4) return undefined;
  return Buffer.from(b64, "base64").toString("utf8");
}

function checkSecret(index: SnapshotIndex, id: string): SecretCheck {
  const s = index.secrets.get(id);
  if (s === undefined) return { ok: false, message: `Secret ${id} not found` };
  if (s.type !== "kubernetes.io/tls") return { ok: false, message: `Secret ${id} has type "${s.type ?? ""}", not kubernetes.io/tls` };
  const certPem = decode(s.data?.["tls.crt"]);
  const keyPem = decode(s.data?.["tls.key"]);
  if (certPem === undefined || keyPem === undefined) return { ok: false, message: `Secret ${id} lacks tls.crt or tls.key` };
  try {
    const cert = new X509Certificate(certPem);
    const key = createPrivateKey(keyPem);
    if (!cert.checkPrivateKey(key)) return { ok: false, message: `Secret ${id}: tls.key does not match the certificate in tls.crt` };
  } catch {
    return { ok: false, message: `Secret ${id}: tls.crt/tls.key is not a valid PEM certificate and private key` };
  }
  return { ok: true, secret: { id, certPem, keyPem } };
}

export function resolveCertificateRefs(
  index: SnapshotIndex,
  cache: SecretCache,
  gatewayNamespace: string,
  refs: readonly SecretObjectReference[],
): { readonly secrets: readonly TlsSecretIR[]; readonly problems: readonly CertProblem[] } {
  const secrets: TlsSecretIR[] = [];
  const problems: CertProblem[] = [];
  if (refs.length === 0) problems.push({ reason: "InvalidCertificateRef", message: "HTTPS listener has no certificateRefs" });
  for (const [i, ref] of refs.entries()) {
    const at = `certificateRefs[${i}]`;
    const group = ref.group ?? "";
    const kind = ref.kind ?? "Secret";
    if (group !== "" || kind !== "Secret") {
      problems.push({ reason: "InvalidCertificateRef", message: `${at}: kind ${group === "" ? "" : `${group}/`}${kind} is not supported (only core Secret)` });
      continue;
    }
    const ns = ref.namespace ?? gatewayNamespace;
    if (!referencePermitted(index, { group: GATEWAY_GROUP, kind: "Gateway", namespace: gatewayNamespace }, { group: "", kind: "Secret", namespace: ns, name: ref.name })) {
      problems.push({ reason: "RefNotPermitted", message: `${at}: Secret ${ns}/${ref.name} is in another namespace and no ReferenceGrant in ${ns} allows Gateways from ${gatewayNamespace}` });
      continue;
    }
    const id = `${ns}/${ref.name}`;
    let check = cache.get(id);
    if (check === undefined) {
      check = checkSecret(index, id);
      cache.set(id, check);
    }
    if (check.ok) secrets.push(check.secret);
    else problems.push({ reason: "InvalidCertificateRef", message: `${at}: ${check.message}` });
  }
  return { secrets, problems };
}
