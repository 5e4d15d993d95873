// distribution-auth: who may receive which slice from the distribution server.
// Authentication (pkg/distribution server): the stream's bearer token is a projected
// ServiceAccount token (audience weft.dev/distribution) checked by TokenReview (or the local dev
// token file); the hello's namespace and ServiceAccount must equal the token's (else
// PERMISSION_DENIED). Authorization (here, the server's `authorize` hook, run after that check):
// - a sidecar gets `sidecar:<its namespace>` (no gateways, no secrets): always allowed;
// - a gateway proxy for Gateway ns/name must run in namespace ns as the ServiceAccount the
//   provisioner creates for that Gateway (provisionedName(name)), because gateway slices carry the
//   listeners' TLS keys. A sidecar's token can therefore never fetch a gateway slice.
// Tokens are required whenever the controller has a mesh identity, and always with the kube
// provider (without --ca-secret, i.e. with --grpc-insecure, a TokenReview authenticator is made here).
// Takes a ProxyIdentity (already authenticated); gives nothing or throws WeftError PERMISSION_DENIED.
// distributionAccess gives the server's authenticateToken/authorize/sign options.
// Must not: log or echo tokens; allow a gateway slice to a ServiceAccount other than its own.
import { DISTRIBUTION_AUDIENCE, createTokenReviewAuthenticator, type TokenReviewResult } from "../ca/index.ts";
import { WeftError } from "../errors/weft-error.ts";
import type { DistributionServerOptions, ProxyIdentity } from "../distribution/index.ts";
import type { KubeClient } from "../k8s/index.ts";
import type { MeshIdentity } from "./mesh-identity.ts";
import { provisionedName } from "./gateway-objects.ts";

/** The ServiceAccount a Gateway's proxies run as (created by the provisioner). */
export function gatewayServiceAccount(gatewayName: string): string {
  return provisionedName(gatewayName);
}

export async function authorizeProxy(p: ProxyIdentity): Promise<void> {
  if (p.kind !== "gateway") return;
  const gwNs = p.gatewayNamespace ?? "";
  const gwName = p.gatewayName ?? "";
  const want = gatewayServiceAccount(gwName);
  if (p.namespace !== gwNs || p.serviceAccount !== want) {
    throw new WeftError(
      "WEFT_ERR_PERMISSION_DENIED",
      `ServiceAccount ${p.namespace}/${p.serviceAccount} may not receive the slice of Gateway ${gwNs}/${gwName}: `
        + `gateway proxies must run as ServiceAccount ${gwNs}/${want}`,
    );
  }
}

type Access = Pick<DistributionServerOptions, "authenticateToken" | "authorize" | "sign">;

/** The distribution server's security options for this controller. */
export function distributionAccess(provider: "kube" | "file", identity: MeshIdentity | undefined, client: KubeClient | undefined): Access {
  if (identity !== undefined) {
    return { authenticateToken: (token) => identity.authenticateToken(token), authorize: authorizeProxy, sign: identity.sign };
  }
  if (provider !== "kube" || client === undefined) return {};
  const reviews = createTokenReviewAuthenticator((review) => client.request<TokenReviewResult>("POST", "/apis/authentication.k8s.io/v1/tokenreviews", { body: review }));
  return {
    authenticateToken: async (token) => {
      const who = await reviews.authenticate(token, DISTRIBUTION_AUDIENCE);
      return { namespace: who.namespace, serviceAccount: who.serviceAccount };
    },
    authorize: authorizeProxy,
  };
}
