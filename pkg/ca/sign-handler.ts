// sign-handler: the server side of the Sign RPC. Takes { csrPem, token }; authenticates the
// projected ServiceAccount token (audience weft.dev/distribution) behind a global rate limit,
// rate-limits per identity,
// checks the CSR asks for exactly the token's SPIFFE id, signs with the mesh CA, gives the chain and
// the trust bundle. Errors are WeftErrors whose codes map to gRPC statuses (pkg/distribution):
// UNAUTHENTICATED, PERMISSION_DENIED, RESOURCE_EXHAUSTED (rate), INVALID_ARGUMENT (CSR).
// Must not: log or echo the token, the CSR or any key; do expensive parsing before authentication.
import { WeftError } from "../errors/weft-error.ts";
import { MAX_CSR_BYTES, parseCsr } from "./csr.ts";
import type { MeshCa } from "./mesh-ca.ts";
import { createRateLimiter, type RateLimitOptions } from "./rate-limit.ts";
import type { ControllerMetrics } from "../telemetry/controller-metrics.ts";
import type { TokenAuthenticator } from "./token-authenticator.ts";
import { formatSpiffeId } from "../util/spiffe.ts";

export const DISTRIBUTION_AUDIENCE = "weft.dev/distribution";
const MAX_TOKEN_BYTES = 16 * 1024;

export interface SignHandlerOptions {
  readonly ca: MeshCa;
  readonly authenticator: TokenAuthenticator;
  readonly audience?: string;
  /** Default: burst 5, 10 per minute per identity. */
  readonly rateLimit?: RateLimitOptions;
  /**
   * Limit on all requests before authentication, so a flood of bad tokens cannot turn into a
   * flood of TokenReviews against the API server. Default: burst 200, 6,000 per minute.
   */
  readonly globalRateLimit?: RateLimitOptions;
  readonly ttlMs?: number;
  readonly now?: () => number;
  readonly log?: (level: "info" | "warn", msg: string, fields: Record<string, unknown>) => void;
  /** pkg/telemetry controller metrics: certificates signed. */
  readonly metrics?: Pick<ControllerMetrics, "certificatesSigned">;
}

export type SignRequestHandler = (req: { readonly csrPem: string; readonly token: string }) => Promise<{ certChainPem: string; trustBundlePem: string }>;

export function createSignHandler(opts: SignHandlerOptions): SignRequestHandler {
  const audience = opts.audience ?? DISTRIBUTION_AUDIENCE;
  const limiter = createRateLimiter(opts.rateLimit ?? { burst: 5, perMinute: 10 }, opts.now);
  const global = createRateLimiter(opts.globalRateLimit ?? { burst: 200, perMinute: 6000 }, opts.now);
  const log = opts.log ?? (() => {});
  return async ({ csrPem, token }) => {
    if (typeof token !== "string" || token.length === 0) throw new WeftError("WEFT_ERR_UNAUTHENTICATED", "missing ServiceAccount token");
    if (token.length > MAX_TOKEN_BYTES) throw new WeftError("WEFT_ERR_UNAUTHENTICATED", "token is too large");
    if (typeof csrPem !== "string" || csrPem.length > MAX_CSR_BYTES) throw new WeftError("WEFT_ERR_VALIDATION", `CSR is larger than ${MAX_CSR_BYTES} bytes`);
    if (!global.take("")) throw new WeftError("WEFT_ERR_RATE_LIMITED", "the CA is receiving too many signing requests; retry later");
    const who = await opts.authenticator.authenticate(token, audience);
    const identity = formatSpiffeId({ trustDomain: opts.ca.trustDomain, ...who });
    if (!limiter.take(identity)) {
      log("warn", "certificate signing rate limit exceeded", { identity });
      throw new WeftError("WEFT_ERR_RATE_LIMITED", `signing rate limit exceeded for ${identity}; retry later`);
    }
    const csr = parseCsr(csrPem);
    if (csr.spiffeId !== identity) {
      log("warn", "CSR asked for another identity", { identity, requested: csr.spiffeId });
      throw new WeftError("WEFT_ERR_PERMISSION_DENIED", `CSR requests ${csr.spiffeId} but the token belongs to ${identity}`);
    }
    const leaf = opts.ca.signParsed(csr, identity, opts.ttlMs);
    opts.metrics?.certificatesSigned.inc();
    log("info", "signed workload certificate", { identity, notAfter: new Date(leaf.notAfterMs).toISOString() });
    return { certChainPem: leaf.certChainPem, trustBundlePem: opts.ca.trustBundle() };
  };
}
