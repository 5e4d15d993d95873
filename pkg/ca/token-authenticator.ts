// token-authenticator: who is asking for a certificate. `TokenAuthenticator.authenticate(token,
// audience)` gives the ServiceAccount a projected token belongs to, or throws WeftError
// UNAUTHENTICATED (unknown, expired, wrong audience) / PERMISSION_DENIED (not a ServiceAccount).
// Two implementations: TokenReview-based (the caller injects a "post TokenReview" function, so
// pkg/ca never talks to Kubernetes itself) and a static one for tests and local mode.
// Must not: log or echo tokens, even in error messages.
import { WeftError } from "../errors/weft-error.ts";

export interface ServiceAccountIdentity {
  readonly namespace: string;
  readonly serviceAccount: string;
}

export interface TokenAuthenticator {
  authenticate(token: string, audience: string): Promise<ServiceAccountIdentity>;
}

/** authentication.k8s.io/v1 TokenReview, the fields we use. */
export interface TokenReviewRequest {
  readonly apiVersion: "authentication.k8s.io/v1";
  readonly kind: "TokenReview";
  readonly spec: { readonly token: string; readonly audiences: readonly string[] };
}
export interface TokenReviewResult {
  readonly status?: {
    readonly authenticated?: boolean;
    readonly user?: { readonly username?: string };
    readonly audiences?: readonly string[];
    readonly error?: string;
  };
}
export type PostTokenReview = (review: TokenReviewRequest) => Promise<TokenReviewResult>;

const SA_USER = /^system:serviceaccount:([a-z0-9]([-a-z0-9.]*[a-z0-9])?):([a-z0-9]([-a-z0-9.]*[a-z0-9])?)$/;

export function createTokenReviewAuthenticator(post: PostTokenReview): TokenAuthenticator {
  return {
    async authenticate(token, audience) {
      let result: TokenReviewResult;
      try {
        result = await post({ apiVersion: "authentication.k8s.io/v1", kind: "TokenReview", spec: { token, audiences: [audience] } });
      } catch {
        throw new WeftError("WEFT_ERR_UNAVAILABLE", "token review failed: the Kubernetes API did not answer");
      }
      const st = result.status;
      if (st?.authenticated !== true) {
        throw new WeftError("WEFT_ERR_UNAUTHENTICATED", `token rejected by TokenReview${st?.error ? `: ${sanitize(st.error)}` : ""}`);
      }
      if (!(st.audiences ?? []).includes(audience)) {
        throw new WeftError("WEFT_ERR_UNAUTHENTICATED", `token audience does not include ${audience}`);
      }
      return serviceAccountOf(st.user?.username ?? "");
    },
  };
}

export function serviceAccountOf(username: string): ServiceAccountIdentity {
  const m = SA_USER.exec(username);
  if (m === null) throw new WeftError("WEFT_ERR_PERMISSION_DENIED", "only ServiceAccount tokens may request workload certificates");
  return { namespace: m[1]!, serviceAccount: m[3]! };
}

export interface StaticToken extends ServiceAccountIdentity {
  readonly audiences: readonly string[];
  /** Epoch ms. */
  readonly expiresAt: number;
}

/** Tokens known up front; models expiry and audience like the API server does. */
export function createStaticTokenAuthenticator(tokens: ReadonlyMap<string, StaticToken>, now: () => number = Date.now): TokenAuthenticator {
  return {
    async authenticate(token, audience) {
      const t = tokens.get(token);
      if (t === undefined) throw new WeftError("WEFT_ERR_UNAUTHENTICATED", "token not recognised");
      if (now() >= t.expiresAt) throw new WeftError("WEFT_ERR_UNAUTHENTICATED", "token has expired");
      if (!t.audiences.includes(audience)) throw new WeftError("WEFT_ERR_UNAUTHENTICATED", `token audience does not include ${audience}`);
      return { namespace: t.namespace, serviceAccount: t.serviceAccount };
    },
  };
}

/** API server error strings do not carry the token, but bound and flatten them anyway. */
function sanitize(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, " ").slice(0, 200);
}
