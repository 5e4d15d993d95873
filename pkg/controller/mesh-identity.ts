// mesh-identity: the controller's mesh identity services. Loads the mesh CA from its Secret (or
// creates and stores one; replicas share it), authenticates proxies' ServiceAccount tokens with a
// TokenReview against the API server (audience weft.dev/distribution), and signs workload CSRs
// (pkg/ca createSignHandler, leaf lifetime --cert-lifetime).
// Secret layout: root.crt/root.key + ca.crt/ca.key (intermediate) + previous-roots.pem when we made
// it; a user Secret may hold just ca.crt/ca.key (root with key), or root.crt + ca.crt/ca.key.
// Takes a KubeClient and options; gives { sign, authenticateToken, trustBundle }.
// Must not: log tokens, keys or CSRs.
import {
  DISTRIBUTION_AUDIENCE,
  createMeshCa,
  createSignHandler,
  createTokenReviewAuthenticator,
  importCa,
  type ExportedCa,
  type MeshCa,
  type SignRequestHandler,
  type TokenAuthenticator,
  type TokenReviewResult,
} from "../ca/index.ts";
import { loadOrCreateSecretData, type KubeClient, type Log } from "../k8s/index.ts";
import type { ControllerMetrics } from "../telemetry/index.ts";

export interface MeshIdentityOptions {
  readonly namespace: string;
  readonly secretName: string;
  readonly trustDomain: string;
  readonly certLifetimeMs: number;
  readonly log: Log;
  /** Counts signed certificates (weft_certificates_signed_total). */
  readonly metrics?: Pick<ControllerMetrics, "certificatesSigned">;
}

export interface MeshIdentity {
  readonly ca: MeshCa;
  readonly sign: SignRequestHandler;
  authenticateToken(token: string): Promise<{ namespace: string; serviceAccount: string }>;
}

function splitPems(text: string | undefined): string[] {
  return (text ?? "").match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/g) ?? [];
}

export function caToSecretData(e: ExportedCa): Record<string, string> {
  const out: Record<string, string> = { "root.crt": e.rootCertPem, "ca.crt": e.intermediateCertPem, "ca.key": e.intermediateKeyPem };
  if (e.rootKeyPem !== undefined) out["root.key"] = e.rootKeyPem;
  if (e.previousRootsPem.length > 0) out["previous-roots.pem"] = e.previousRootsPem.join("");
  return out;
}

export function caFromSecretData(d: Readonly<Record<string, string>>, trustDomain: string): MeshCa {
  const previousRootsPem = splitPems(d["previous-roots.pem"]);
  if (d["root.crt"] !== undefined) {
    return importCa({
      rootCertPem: d["root.crt"],
      ...(d["root.key"] !== undefined ? { rootKeyPem: d["root.key"] } : {}),
      ...(d["ca.crt"] !== undefined && d["ca.key"] !== undefined ? { intermediateCertPem: d["ca.crt"], intermediateKeyPem: d["ca.key"] } : {}),
      previousRootsPem,
    }, { trustDomain });
  }
  return importCa({ rootCertPem: d["ca.crt"] ?? "", ...(d["ca.key"] !== undefined ? { rootKeyPem: d["ca.key"] } : {}), previousRootsPem }, { trustDomain });
}

export async function startMeshIdentity(client: KubeClient, o: MeshIdentityOptions): Promise<MeshIdentity> {
  const data = await loadOrCreateSecretData(client, o.namespace, o.secretName, () => caToSecretData(createMeshCa({ trustDomain: o.trustDomain }).exportCa()), {
    "app.kubernetes.io/managed-by": "weft",
  });
  const ca = caFromSecretData(data, o.trustDomain);
  o.log.info({ secret: `${o.namespace}/${o.secretName}`, trustDomain: o.trustDomain }, "mesh CA loaded");
  const authenticator = createTokenReviewAuthenticator((review) => client.request<TokenReviewResult>("POST", "/apis/authentication.k8s.io/v1/tokenreviews", { body: review }));
  return meshIdentityOf(ca, authenticator, o);
}

/** The identity services over a CA and a token authenticator (TokenReview here, static tokens in local mode). */
export function meshIdentityOf(ca: MeshCa, authenticator: TokenAuthenticator, o: Pick<MeshIdentityOptions, "certLifetimeMs" | "log" | "metrics">): MeshIdentity {
  const sign = createSignHandler({
    ca,
    authenticator,
    ttlMs: o.certLifetimeMs,
    ...(o.metrics !== undefined ? { metrics: o.metrics } : {}),
    log: (level, msg, fields) => (level === "warn" ? o.log.warn(fields, msg) : o.log.info(fields, msg)),
  });
  return {
    ca,
    sign,
    authenticateToken: async (token) => {
      const who = await authenticator.authenticate(token, DISTRIBUTION_AUDIENCE);
      return { namespace: who.namespace, serviceAccount: who.serviceAccount };
    },
  };
}
